"""The kinds of result that the HTML report, the web calculator and notebooks show.

A kind is one CLI command (its click options give the parameters, defaults and help), the page it
belongs to, and the function that turns its ``--json`` result into report sections. Computing a kind
runs that very command in-process with ``--json``, so the report, the web API and the CLI return the
same figures from the same library calls; adding a command is one :class:`Kind` line.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import shlex
import threading
from dataclasses import dataclass, field

import click

from costcurve.errors import CostcurveError, InputError

#: options never offered outside the terminal: they name files to write, or read files by path
NOT_ON_WEB = frozenset({"--plot", "--json", "--source"})
#: options a report does not take (it is the output)
NOT_IN_REPORT = frozenset({"--plot", "--json"})
#: options whose text may be a file path in the CLI (the web accepts names only, files as uploads)
PATH_LIKE = frozenset({"model"})


@dataclass(frozen=True)
class Kind:
    """One kind of result: ``name`` (URL and ``costcurve report NAME``), the click command, its page."""

    name: str
    title: str  #: heading of the report and the web form
    command: tuple[str, str]  #: (module, attribute) of the click command
    page: str  #: web page the form lives on: training, serving, trends, claims
    sections: tuple[str, str] | None  #: (module, function) rendering the --json dict; None: generic sections
    summary: str = ""  #: one line under the form's title
    field_aliases: dict = field(default_factory=dict)  #: library field -> parameter name (errors)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add (or replace) a kind; a new CLI command becomes a report, a web form and an API endpoint."""
    KINDS[kind.name] = kind
    return kind


_S = "costcurve.report.sections"
register(Kind("train", "Training cost", ("costcurve.cli.train", "train"), "training", (_S, "train_sections"),
              "FLOP, wall-clock time, accelerator-hours, dollars (rent, own, buy), energy and CO2 of a training run."))
register(Kind("infer", "Serving cost", ("costcurve.cli.infer", "infer"), "serving", (_S, "infer_sections"),
              "Memory, latency, tokens/s and dollars per token and per query of serving a model."))
register(Kind("forecast", "Forecast", ("costcurve.cli.trends", "forecast"), "trends", (_S, "forecast_sections"),
              "How fast a cost series falls and what it will be in a given year, with intervals.",
              {"series": "name", "csv": "csv_path"}))
register(Kind("trend", "Trend", ("costcurve.cli.trends", "trend"), "trends", (_S, "trend_sections"),
              "Annual decline, factor per year and halving time of a cost series, with confidence intervals.",
              {"series": "name", "csv": "csv_path"}))
register(Kind("claims", "Claims", ("costcurve.cli.trends", "claims"), "claims", (_S, "claims_sections"),
              "ARK Invest's AI-cost claims recomputed with ARK's own arithmetic and with costcurve's data."))


#: commands registered as soon as they exist in the CLI: name -> (title, web page, sections function in
#: costcurve.report.<module>; None: the generic sections of costcurve.report.generic)
AUTO = {"plan": ("Training plan", "training", "sections_plan.plan_sections"),
        "deploy": ("Deployment", "serving", "sections_plan.deploy_sections"),
        "budget": ("What a budget buys", "decisions", "sections_plan.budget_sections"),
        "finetune": ("Fine-tune or not", "decisions", "sections_decisions.finetune_sections"),
        "rent-vs-buy": ("Rent or buy", "decisions", "sections_decisions.rent_vs_buy_sections"),
        "wait": ("Buy now or wait", "decisions", "sections_decisions.wait_sections"),
        "lifecycle": ("Cost over a product's life", "decisions", "sections_lifecycle.lifecycle_sections"),
        "posttrain": ("RL post-training", "training", "sections_lifecycle.posttrain_sections")}


def _register_auto() -> None:
    from costcurve.cli import COMMANDS

    for name, (title, page, sections) in AUTO.items():
        if name in COMMANDS and name not in KINDS:
            module, attr, help_ = COMMANDS[name]
            fn = None if sections is None else tuple(("costcurve.report." + sections).rsplit(".", 1))
            register(Kind(name, title, (module, attr), page, fn, help_))


_register_auto()


def get_kind(name: str) -> Kind:
    if name not in KINDS:
        from costcurve.errors import UnknownNameError

        raise UnknownNameError("kind", name, list(KINDS), field="kind")
    return KINDS[name]


def command(kind: Kind) -> click.Command:
    module, attr = kind.command
    return getattr(importlib.import_module(module), attr)


# ---- parameters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One option or argument of a kind, as the CLI defines it."""

    name: str  #: python name (request key, URL key)
    flag: str | None  #: "--price" (None for a positional argument)
    type: str  #: text | int | float | choice | flag | file | multi
    default: object
    help: str
    required: bool
    choices: tuple = ()
    label: str = ""  #: what the user types: "--price", or "SERIES" for an argument

    def to_dict(self) -> dict:
        return {"name": self.name, "flag": self.flag, "label": self.label or self.flag or self.name, "type": self.type,
                "default": self.default, "help": self.help, "required": self.required, "choices": list(self.choices)}


def is_output(p: click.Parameter) -> bool:
    """An option naming a file the command writes (``--plot``, plan's ``--csv``): never on the web or in a report."""
    import re

    return "--plot" in getattr(p, "opts", ()) or (
        isinstance(p.type, click.Path) and bool(re.search(r"\bwrite", getattr(p, "help", None) or "", re.I)))


def _param(p: click.Parameter) -> Param:
    t = p.type
    if isinstance(p, click.Option) and p.is_flag:
        kind = "flag"
    elif isinstance(t, click.Path):
        kind = "file"
    elif p.multiple:
        kind = "multi"
    elif isinstance(t, click.Choice):
        kind = "choice"
    elif isinstance(t, click.types.IntParamType):
        kind = "int"
    elif isinstance(t, click.types.FloatParamType):
        kind = "float"
    else:
        kind = "text"
    default = p.default if isinstance(p.default, (str, int, float, bool, list, tuple)) else None  # click's UNSET
    if kind == "flag":
        default = bool(default)
    elif isinstance(default, (tuple, list)):
        default = list(default) or None
    # the option as the user types it: click's first long option (opts[0] unless a short one comes first)
    flag = next((o for o in p.opts if o.startswith("--")), p.opts[0]) if isinstance(p, click.Option) else None
    label = flag or (p.metavar or p.name).strip("[]").upper()
    help_ = getattr(p, "help", None) or ""
    if flag is None and p.name == "name":
        help_ = "A bundled series (see `costcurve series`), or upload your own with --csv."
    choices = tuple(t.choices) if isinstance(t, click.Choice) else ()
    return Param(p.name, flag, kind, default, help_, bool(p.required), choices, label)


def parameters(kind: Kind, *, web: bool = False) -> list[Param]:
    """The parameters of ``kind`` in the CLI's order (``web``: without the ones that name files to write)."""
    skip = NOT_ON_WEB if web else frozenset({"--json"})
    return [_param(p) for p in command(kind).params
            if not skip.intersection(p.opts) and not (web and is_output(p))]


def param_for_field(kind: Kind, field_name: str | None) -> str | None:
    """The parameter a library or CLI error field names (``--price`` → ``price``), else the field."""
    if not field_name:
        return None
    f = kind.field_aliases.get(field_name, field_name)
    for p in command(kind).params:
        if f == p.name or f in p.opts or "--" + f.lstrip("-").replace("_", "-") in p.opts:
            return p.name
    return kind.field_aliases.get(f.lstrip("-"), f.lstrip("-"))


# ---- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A computed kind: the inputs given, the argv that reproduces it, and the ``--json`` result."""

    kind: str
    values: dict  #: the parameters given (not the defaults)
    argv: tuple[str, ...]  #: CLI arguments after ``costcurve KIND``, in ``--opt value`` form
    data: object  #: the command's --json output, parsed

    def command_line(self, *, pin: bool = True) -> str:
        """``costcurve KIND ...``; ``pin`` adds the price date the result used when none was given."""
        argv = list(self.argv)
        if pin and isinstance(self.data, dict) and "date" not in self.values and self.data.get("date") \
                and any(p.name == "date" for p in parameters(get_kind(self.kind))):
            argv += ["--date", str(self.data["date"])]
        return shlex.join(["costcurve", command_name(self.kind), *argv])


def command_name(kind_name: str) -> str:
    """The CLI command of a kind (the same word)."""
    return get_kind(kind_name).name


def _is_empty(v) -> bool:
    return v is None or v is False or v == "" or (isinstance(v, (list, tuple)) and not v)


def build_argv(kind: Kind, values: dict) -> tuple[list[str], list[str]]:
    """(argv for click, argv for display) from parameter values; unknown names raise InputError."""
    params = {p.name: p for p in command(kind).params if "--json" not in p.opts}
    for k in values:
        if k not in params:
            raise InputError(f"unknown parameter; allowed: {', '.join(params)}", field=k)
    run, show, positional = [], [], []
    for name, p in params.items():
        v = values.get(name)
        if _is_empty(v):
            continue
        if isinstance(p, click.Argument):
            positional.append(str(v))
            continue
        opt = max(p.opts, key=len)
        if getattr(p, "is_flag", False):
            if v is not True:
                raise InputError(f"got {v!r}; allowed: true or false", field=name)
            run.append(opt)
            show.append(opt)
            continue
        for x in (v if isinstance(v, (list, tuple)) else [v]):
            run.append(f"{opt}={x}")
            show += [opt, str(x)]
    return run + ["--", *positional], show + positional


_LOCK = threading.Lock()  # the CLI prints to sys.stdout: one capture at a time


def run_kind(kind_name: str, values: dict) -> Run:
    """Run the kind's CLI command in-process with ``--json``; errors name the parameter (``field``)."""
    kind = get_kind(kind_name)
    values = {k: v for k, v in values.items() if not _is_empty(v)}
    argv, shown = build_argv(kind, values)
    cmd = command(kind)
    out, err = io.StringIO(), io.StringIO()
    try:
        with _LOCK, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cmd.main(args=["--json", *argv], prog_name=f"costcurve {cmd.name}", standalone_mode=False)
    except click.BadParameter as e:
        name = e.param.name if e.param is not None else None
        raise InputError(e.format_message().split(": ", 1)[-1] if name else e.format_message(), field=name) from None
    except click.UsageError as e:
        param = getattr(e, "param", None)
        raise InputError(e.format_message(), field=param.name if param is not None else None) from None
    except CostcurveError as e:
        f = param_for_field(kind, e.field)
        msg = str(e)
        if e.field and msg.startswith(f"{e.field}: "):
            msg = msg[len(e.field) + 2:]
        raise InputError(msg, field=f) from None
    return Run(kind.name, values, tuple(shown), json.loads(out.getvalue()))
