"""The kinds of result that the HTML report, the web calculator and notebooks show.

A kind is a command definition (:mod:`costcurve.commands`) that names a web page: its options give
the parameters, defaults and help; computing a kind calls the definition's ``compute`` directly (no
command line in between, no captured output, no lock), so reports and web requests run concurrently
and carry the library's result objects to the renderers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from costcurve import commands
from costcurve.commands.spec import Command, Outcome
from costcurve.errors import CostcurveError, InputError

#: options whose text may be a file path on the command line (the web accepts names only, files as uploads)
PATH_LIKE = frozenset({"model"})


@dataclass(frozen=True)
class Kind:
    """One kind of result: ``name`` (URL and ``costcurve report NAME``), its title and web page."""

    name: str
    title: str  #: heading of the report and the web form
    page: str  #: web page the form lives on: training, serving, decisions, trends, claims
    sections: tuple[str, str] | None  #: (module, function) rendering the result; None: generic sections
    summary: str = ""  #: one line under the form's title
    field_aliases: dict = field(default_factory=dict)  #: library field -> parameter name (errors)

    @property
    def command(self) -> Command:
        return commands.get(self.name)


def _kind(cmd: Command) -> Kind:
    sections = tuple(cmd.sections.split(":")) if cmd.sections else None
    return Kind(cmd.name, cmd.title, cmd.page, sections, cmd.summary,
                {"series": "name", "csv": "csv_path"} if cmd.page == "trends" else {})


def _kinds() -> dict[str, Kind]:
    return {c.name: _kind(c) for c in commands.all_commands() if c.page}


KINDS: dict[str, Kind] = _kinds()


def refresh() -> dict[str, Kind]:
    """Rebuild :data:`KINDS` from the command definitions (after :func:`costcurve.commands.register`)."""
    KINDS.clear()
    KINDS.update(_kinds())
    return KINDS


def get_kind(name: str) -> Kind:
    if name not in KINDS:
        refresh()
    if name not in KINDS:
        from costcurve.errors import UnknownNameError

        raise UnknownNameError("kind", name, list(KINDS), field="kind")
    return KINDS[name]


# ---- parameters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One option or argument of a kind, as its definition gives it."""

    name: str  #: python name (request key, URL key)
    flag: str | None  #: "--price" (None for a positional argument)
    type: str  #: text | int | float | choice | flag | file | multi
    default: object
    help: str
    required: bool
    choices: tuple = ()
    label: str = ""  #: what the user types: "--price", or "SERIES" for an argument
    kind: str = "text"  #: the definition's kind: count, time, money, fraction, ...
    unit: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "flag": self.flag, "label": self.label or self.flag or self.name, "type": self.type,
                "kind": self.kind, "unit": self.unit, "default": self.default, "help": self.help,
                "required": self.required, "choices": list(self.choices)}


def _param(o) -> Param:
    d = o.describe()
    return Param(o.name, o.flag, d["type"], o.default, o.help, o.required, o.choices, o.label, o.kind, o.unit)


def parameters(kind: Kind, *, web: bool = False) -> list[Param]:
    """The input parameters of ``kind`` in the command line's order (``web``: without those reading paths)."""
    return [_param(o) for o in kind.command.inputs(web=web)]


def param_for_field(kind: Kind, field_name: str | None) -> str | None:
    """The parameter a library or CLI error field names (``--price`` → ``price_usd_per_gpu_hour``), else the field."""
    if not field_name:
        return None
    f = kind.field_aliases.get(field_name, field_name)
    for o in kind.command.inputs():
        if f == o.name or f in o.flags or "--" + f.lstrip("-").replace("_", "-") in o.flags:
            return o.name
    return kind.field_aliases.get(f.lstrip("-"), f.lstrip("-"))


# ---- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A computed kind: the inputs given, the argv that reproduces it, the JSON answer and the Outcome."""

    kind: str
    values: dict  #: the parameters given (not the defaults)
    argv: tuple[str, ...]  #: CLI arguments after ``costcurve KIND``, in ``--opt value`` form
    data: object  #: the JSON answer (what ``--json`` prints)
    outcome: Outcome | None = None  #: the library's result objects (fits, forecasts, plans) for the renderers

    def command_line(self, *, pin: bool = True) -> str:
        """``costcurve KIND ...``; ``pin`` adds the price date the result used when none was given."""
        argv = list(self.argv)
        if pin and isinstance(self.data, dict) and "date" not in self.values and self.data.get("date") \
                and any(p.name == "date" for p in parameters(get_kind(self.kind))):
            argv += ["--date", str(self.data["date"])]
        return shlex.join(["costcurve", self.kind, *argv])


def command_name(kind_name: str) -> str:
    """The CLI command of a kind (the same word)."""
    return get_kind(kind_name).name


def _is_empty(v) -> bool:
    return v is None or v is False or v == "" or (isinstance(v, (list, tuple)) and not v)


def argv_of(cmd: Command, values: dict) -> list[str]:
    """The command line arguments (after ``costcurve NAME``) that give ``values``."""
    shown, positional = [], []
    for o in cmd.inputs():
        v = values.get(o.name)
        if o.secondary is not None and v is not None and v is not True and v is not False:
            continue
        if o.secondary is not None and v is False:
            shown.append(o.secondary)
            continue
        if _is_empty(v):
            continue
        if not o.flags:
            positional.append(str(v))
        elif o.kind == "flag":
            shown.append(o.flag)
        else:
            for x in (v if isinstance(v, (list, tuple)) else [v]):
                shown += [o.flag, str(x)]
    return shown + positional


def run_kind(kind_name: str, values: dict, *, progress=None) -> Run:
    """Compute a kind from option values by name; errors name the parameter (``field``)."""
    kind = get_kind(kind_name)
    cmd = kind.command
    values = {k: v for k, v in values.items() if v is not None and v != "" and v != []}
    try:
        result = cmd.run(values, progress=progress)
    except CostcurveError as e:
        f = param_for_field(kind, e.field)
        msg = str(e)
        if e.field and msg.startswith(f"{e.field}: "):
            msg = msg[len(e.field) + 2:]
        raise InputError(msg, field=f) from None
    given = result.values
    return Run(kind.name, given, tuple(argv_of(cmd, given)), result.data, result)
