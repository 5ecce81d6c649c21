"""The typed spec of a command: its options, how it computes, and what its result holds.

A :class:`Command` is the one definition of a costcurve command. The click CLI
(:mod:`costcurve.cli.build`), the web API's request models and forms (:mod:`costcurve.web.app`),
the HTML report (:mod:`costcurve.report.registry`) and the notebook display are generated from it.
This module imports the standard library only: listing the commands costs nothing.

Validation stays in the library: an option's ``kind``, ``unit`` and range describe the value (help,
schema, forms); the model functions that ``compute`` calls check it and raise errors naming the
option's ``name`` (:class:`costcurve.errors.CostcurveError` ``field``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

#: the kinds of option value. count: 7B, 1T (K/M/B/T); time: 50ms, 30d; money: 2.50, $2M; fraction:
#: a share in [0, 1]; number: a plain number; integer: a whole number; text: a name or a date; choice:
#: one of ``choices``; flag: on/off; file: a file the command reads (uploaded as content on the web);
#: output: a file the command writes (command line only); list: comma-separated values.
KINDS = ("count", "time", "money", "fraction", "number", "integer", "text", "date", "choice", "flag", "file",
         "output", "list")
#: kinds given as numbers (the web accepts a JSON number or the command line's text for them)
NUMERIC = frozenset({"count", "time", "money", "fraction", "number", "integer"})


@dataclass(frozen=True)
class Option:
    """One option (or positional argument) of a command.

    ``name`` is the library's parameter name and the web's JSON key; ``flags`` are what the command
    line takes (``("--price",)``; empty for a positional argument). ``parse`` ("float" or "int") makes
    the command line itself convert the text (click types); otherwise the text goes to the library,
    which parses units and ranges.
    """

    name: str
    flags: tuple[str, ...]
    kind: str = "text"
    help: str = ""
    default: Any = None
    unit: str = ""  #: base unit of the value ("USD", "s", "days", "USD/h", "tokens", "1" for a share)
    choices: tuple[str, ...] = ()
    low: float | None = None  #: smallest allowed value (documentation and schema; the library checks)
    high: float | None = None  #: largest allowed value
    required: bool = False
    multiple: bool = False  #: repeatable (a list on the web)
    distribution: bool = False  #: may be a range or distribution (LOW..HIGH, normal(mu,sd), ...)
    secondary: str | None = None  #: "--no-checkpointing": an on/off pair whose default may be None
    show_default: bool = False
    parse: str | None = None  #: "float" | "int": the command line converts the text (click's type)
    web: bool = True  #: offered on the web and in reports (False: it reads paths chosen by the client)
    metavar: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"option {self.name}: kind {self.kind!r} not in {KINDS}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"option {self.name}: a choice needs choices")
        if self.kind == "flag" and self.secondary is None and self.default is None:
            object.__setattr__(self, "default", False)

    @property
    def flag(self) -> str | None:
        """The long option as the user types it (``--price``); None for a positional argument."""
        return next((f for f in self.flags if f.startswith("--")), self.flags[0] if self.flags else None)

    @property
    def label(self) -> str:
        return self.flag or (self.metavar or self.name).strip("[]").upper()

    @property
    def is_output(self) -> bool:
        """Names a file the command writes or how it prints (``--plot``, ``--csv``, ``--json``)."""
        return self.kind == "output" or self.name == "as_json"

    def describe(self) -> dict:
        """The option as the web form and the spec endpoint see it."""
        kind = {"count": "text", "time": "text", "money": "text", "fraction": "text", "date": "text",
                "list": "text", "text": "text"}.get(self.kind, self.kind)
        if self.parse == "float":
            kind = "float"
        elif self.parse == "int":
            kind = "int"
        elif self.multiple:
            kind = "multi"
        return {"name": self.name, "flag": self.flag, "label": self.label, "type": kind, "kind": self.kind,
                "unit": self.unit, "default": self.default, "help": self.help, "required": self.required,
                "choices": list(self.choices), "low": self.low, "high": self.high,
                "distribution": self.distribution}


@dataclass(frozen=True)
class Outcome:
    """What a command computed: the options given, the library's result object and its JSON form.

    ``value`` is the model's own result (a TrainingEstimate, a fit, a plan search...); ``objects``
    holds what renderers need beyond it (the series a fit was made on, the forecast), so no renderer
    computes; ``data`` is the JSON answer (``--json``, the web API), built once from ``value``.
    """

    command: str
    options: dict  #: every option's value, defaults filled in
    given: frozenset  #: the names of the options given (not left at their defaults)
    value: Any
    data: Any
    objects: dict = field(default_factory=dict)

    @property
    def values(self) -> dict:
        """The options given, by name (what reproduces the result)."""
        return {k: v for k, v in self.options.items() if k in self.given}


@dataclass(frozen=True)
class Command:
    """The one definition of a command.

    ``compute(options, progress=None) -> Outcome`` calls the library; ``terminal`` and ``sections``
    name (as "module:function", imported only when used) the functions that print the outcome and
    turn it into report sections, so this definition imports no renderer. ``page`` is the web page
    the form lives on (None: no web form or report). ``fields`` gives the unit of result keys that
    the naming convention (:mod:`costcurve.display`) does not.
    """

    name: str
    title: str
    summary: str  #: one line (``costcurve --help``, the form's subtitle)
    help: str  #: the command's help text (``costcurve NAME --help``)
    options: tuple[Option, ...]
    compute: Callable[..., Outcome]
    terminal: str = "costcurve.cli.build:show_generic"  #: "costcurve.cli.train:show"
    sections: str | None = None  #: "costcurve.report.sections:train_sections"; None: generic sections
    page: str | None = None
    heavy: Callable[[dict], bool] | bool = False  #: run in the web's worker pool (a search)
    progress: bool = False  #: compute takes a progress callback (a long search)
    fields: tuple[tuple[str, str], ...] = ()  #: (result key, unit) pairs beyond the naming convention
    cli_name: str | None = None  #: python name of the generated click command (default: name)

    def __post_init__(self):
        names = [o.name for o in self.options]
        if len(set(names)) != len(names):
            raise ValueError(f"command {self.name}: options repeat a name")

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    def inputs(self, *, web: bool = False) -> tuple[Option, ...]:
        """The options that go to ``compute`` (not the outputs); ``web``: without the ones reading paths."""
        return tuple(o for o in self.options if not o.is_output and (o.web or not web))

    def is_heavy(self, options: dict) -> bool:
        return self.heavy(options) if callable(self.heavy) else bool(self.heavy)

    def run(self, values: dict, *, progress=None) -> Outcome:
        """Compute from option values by name (unknown names and wrong types refused, naming the option)."""
        options, given = self.bind(values)
        kw = {"progress": progress} if self.progress else {}
        return self.compute(options, given=given, **kw)

    def bind(self, values: dict) -> tuple[dict, frozenset]:
        """(every input option's value with the defaults filled in, the names given)."""
        from costcurve.errors import InputError

        known = {o.name: o for o in self.inputs()}
        for k in values:
            if k not in known:
                raise InputError(f"unknown option; allowed: {', '.join(known)}", field=k)
        options, given = {}, set()
        for name, o in known.items():
            v = values.get(name)
            if v is None or (isinstance(v, (list, tuple)) and not v and o.multiple):
                if o.required:
                    raise InputError(f"is required ({o.help or o.kind})", field=name)
                options[name] = o.default if not o.multiple else tuple(o.default or ())
                continue
            options[name] = coerce(o, v)
            given.add(name)
        return options, frozenset(given)


def coerce(o: Option, v):
    """An option's value as the command line would give it: text for numbers (a JSON number becomes the
    text that reads back as it), a bool for a flag, a tuple for a repeatable option; anything else is
    refused with an error naming the option."""
    from costcurve.errors import InputError

    if o.multiple:
        items = v if isinstance(v, (list, tuple)) else [v]
        return tuple(_scalar(o, x) for x in items)
    if isinstance(v, (list, tuple, dict)):
        raise InputError(f"got a {'list' if not isinstance(v, dict) else 'JSON object'}; allowed: "
                         f"{_allowed(o)}", field=o.name)
    return _scalar(o, v)


def _scalar(o: Option, v):
    from costcurve.errors import InputError

    if o.kind == "flag" and o.secondary is None:
        if isinstance(v, bool):
            return v
        raise InputError(f"got {v!r}; allowed: true or false", field=o.name)
    if o.secondary is not None:
        if isinstance(v, bool):
            return v
        raise InputError(f"got {v!r}; allowed: true, false or leave it out", field=o.name)
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise InputError(f"got {type(v).__name__} {str(v)[:40]!r}; allowed: {_allowed(o)}", field=o.name)
    if o.parse == "int":
        if isinstance(v, float) and not v.is_integer():
            raise InputError(f"got {v!r}; allowed: a whole number", field=o.name)
        try:
            return int(v) if not isinstance(v, str) else int(v.strip())
        except ValueError:
            raise InputError(f"got {v!r}; allowed: a whole number", field=o.name) from None
    if o.parse == "float":
        try:
            x = float(v)
        except ValueError:
            raise InputError(f"got {v!r}; allowed: a number", field=o.name) from None
        return x
    if isinstance(v, str):
        if o.kind == "choice" and v not in o.choices:
            raise InputError(f"got {v!r}; allowed: {', '.join(o.choices)}", field=o.name)
        return v
    return number_text(v)


def number_text(v) -> str:
    """A JSON number as the text the command line would take: 64 → "64", 8.0 → "8", 0.35 → "0.35"."""
    if isinstance(v, int):
        return str(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _allowed(o: Option) -> str:
    if o.kind == "choice":
        return "one of " + ", ".join(o.choices)
    if o.kind in NUMERIC:
        return "a number" + (" or a range (LOW..HIGH)" if o.distribution else "") + " or text such as \"8\""
    return "text"
