"""Options that several commands share, and the step that turns a library result into an Outcome."""

from __future__ import annotations

from .spec import Option, Outcome

PRICE_KINDS = ("on-demand", "spot", "1-year", "3-year")

CATALOG = Option("catalog", ("--catalog",), "file", multiple=True, metavar="PATH",
                 help="CSV of extra or overriding catalog rows (repeatable; also COSTCURVE_CATALOG).")
JSON = Option("as_json", ("--json",), "flag", help="Print JSON instead of a table.")
CALIBRATION = Option("calibration", ("--calibration",), "file", metavar="PATH",
                     help="Calibration profile from `costcurve measure`.")

#: --price, --provider, --price-kind, --date: how the hourly price is chosen (train, infer, plan, decisions)
PRICE = (
    Option("price_usd_per_gpu_hour", ("--price",), "money", unit="USD/h", low=0, distribution=True,
           help="Rental price in USD per accelerator-hour (e.g. 2.50); default: catalog median near --date."),
    Option("provider", ("--provider",), "text", help="Take catalog prices from this provider only (e.g. aws, lambda)."),
    Option("price_kind", ("--price-kind",), "choice", choices=PRICE_KINDS, default="on-demand", show_default=True),
    Option("date", ("--date",), "date", help="Date of the prices, YYYY-MM-DD or a year (default: today)."),
)
#: --samples, --seed: the Monte Carlo when any input is a range
MONTE_CARLO = (
    Option("samples", ("--samples",), "count", low=1,
           help="Monte Carlo samples (default 10,000) when any input is a range."),
    Option("seed", ("--seed",), "integer", parse="int", help="Seed of the Monte Carlo (same seed, same answer)."),
)


def plot(help_text: str) -> Option:
    """``--plot FILE`` (.png, .svg or .pdf, in an existing folder): command line only."""
    return Option("plot", ("--plot",), "output", metavar="PATH", help=help_text)


def catalog_list(options: dict):
    """The --catalog paths as the library takes them (None for the bundled catalog only)."""
    return list(options.get("catalog") or ()) or None


def lower(text):
    return text.lower() if text else None


def outcome(command: str, options: dict, given, value, data, **objects) -> Outcome:
    """The Outcome of ``value`` with ``data`` (its JSON answer) made plain JSON once (NaN → null)."""
    return Outcome(command, options, frozenset(given), value, plain(data), objects)


def plain(v):
    """``v`` as plain JSON values: numpy → Python, NaN/inf → None, anything else unknown → its text."""
    from costcurve.results import jsonable

    v = jsonable(v)
    return _plain(v)


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)
