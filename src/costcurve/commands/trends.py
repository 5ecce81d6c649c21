"""`trend`, `forecast`, `claims`: how fast a cost series falls, where it will be, and ARK's claims
recomputed (:mod:`costcurve.trends`). The Outcome carries the series, the fit and the forecast, so the
report draws them without fitting again."""

from __future__ import annotations

from .common import CATALOG, JSON, PRICE_KINDS, catalog_list, outcome
from .spec import Command, Option

#: library field -> the option the user typed (the trend functions name their own parameters)
OPTION_NAMES = {"threshold": "--threshold", "price_kind": "--price-kind", "year": "--year", "value": "--below",
                "level": "--level", "method": "--method", "points": "--points", "plot": "--plot", "source": "--source",
                "date": "--csv", "csv": "--csv", "since": "--since", "until": "--until",
                "production_growth": "--production-growth", "cumulative": "--csv", "capability": "--capability"}

PLOT = Option("plot_path", ("--plot",), "output", metavar="PATH", help="Write a plot: FILE.png or FILE.svg.")

#: NAME, --csv, --source, the point selection and the date window (the options that choose a series)
SERIES = (
    Option("name", (), "text", metavar="[SERIES]",
           help="A bundled series (see `costcurve series`), or upload your own with --csv."),
    Option("csv_path", ("--csv",), "file", metavar="PATH",
           help="Your own series: a CSV with date,value[,label] (dates YYYY-MM-DD, YYYY or 2020.5)."),
    Option("source", ("--source",), "text", web=False,
           help="Outside data, e.g. epoch:notable_ai_models.csv (Epoch AI export)."),
    Option("points", ("--points",), "choice", choices=("default", "all", "records"), default="default",
           show_default=True, help="Fit all points, or only records (cheapest so far); default: the series' own choice."),
    Option("since", ("--since",), "number", unit="year", parse="float", help="Use points dated on or after this year (e.g. 2016)."),
    Option("until", ("--until",), "number", unit="year", parse="float", help="Use points dated before this year."),
    Option("capability", ("--capability",), "text",
           help="Capability level: BENCH>=X (mmlu, gpqa, math, math5, humaneval, arena) or a preset (gpt-3, gpt-3.5, "
                "gpt-4, gpt-4-gpqa); for gpt3-level, training-cost, inference-price."),
    Option("threshold", ("--threshold",), "number", unit="%", parse="float",
           help="gpt3-level: MMLU 5-shot a model must reach (same as --capability mmlu>=X)."),
    Option("price_kind", ("--price-kind",), "choice", choices=PRICE_KINDS,
           help="Rental price kind used to price runs (default on-demand)."),
    Option("level", ("--level",), "fraction", unit="1", low=0, high=1, parse="float", default=0.9, show_default=True,
           help="Confidence / prediction level."),
    PLOT,
    CATALOG,
    JSON,
)


def renamed(fn):
    """Run ``fn``, renaming library field names in errors to the option the user typed."""
    from costcurve.errors import CostcurveError

    try:
        return fn()
    except CostcurveError as e:
        if e.field in OPTION_NAMES:
            msg = str(e).split(": ", 1)[-1]
            raise CostcurveError(msg, field=OPTION_NAMES[e.field]) from None
        raise


def load(name, csv_path, source, since, until, threshold, price_kind, catalog, capability=None):
    """The series the options name (bundled, --csv or --source), cut to [since, until)."""
    from costcurve.errors import CatalogError, CostcurveError
    from costcurve.trends.sources import load_series

    try:
        return renamed(lambda: load_series(name, csv=csv_path, source=source, since=since, until=until,
                                           catalog=list(catalog or ()) or None, threshold=threshold,
                                           price_kind=price_kind, capability=capability))
    except CatalogError as e:  # a user's file: name the option that gave it
        raise CostcurveError(str(e), field="--csv" if csv_path else "--source") from None


def check_level(level):
    from costcurve.errors import InputError

    if not 0 < level < 1:
        raise InputError(f"got {level!r}; allowed: a fraction between 0 and 1 (e.g. 0.9)", field="--level")


def _series(o: dict):
    check_level(o["level"])
    return load(o["name"], o["csv_path"], o["source"], o["since"], o["until"], o["threshold"], o["price_kind"],
                o["catalog"], o["capability"])


# ---- trend ------------------------------------------------------------------------------------------
def _trend(o: dict, *, given=()):
    from costcurve.trends.fit import fit_series, fit_series_wright

    s = _series(o)
    if o["wright"]:
        fit = renamed(lambda: fit_series_wright(s, level=o["level"], production_growth=o["production_growth"]))
        return outcome("trend", o, given, fit, fit.to_dict(), series=s)
    fit = renamed(lambda: fit_series(s, method=o["method"], points=o["points"], level=o["level"], ci=o["ci"]))
    return outcome("trend", o, given, fit, {**fit.to_dict(), "title": s.title}, series=s)


TREND = Command(
    "trend", "Trend", "Fit how fast a series falls: annual decline, halving time, intervals.",
    """Fit an exponential trend: annual decline, factor per year, halving time, with confidence intervals.

    \b
    Examples:
      costcurve trend gpt3-level
      costcurve trend gpu-price-performance --json
      costcurve trend --source epoch:notable_ai_models.csv --since 2016
      costcurve trend resnet50-imagenet --points all --plot resnet.png
    """,
    (*SERIES,
     Option("method", ("--method",), "choice", choices=("ols", "rwd"), default="ols", show_default=True,
            help="ols: least squares on log(value); rwd: random walk with drift (Farmer & Lafond 2016)."),
     Option("ci", ("--ci",), "choice", choices=("t", "bootstrap"), default="t", show_default=True,
            help="Confidence intervals from Student's t or a pairs bootstrap (2,000 resamples)."),
     Option("wright", ("--wright",), "flag",
            help="Fit Wright's law against the CSV's 'cumulative' column (cumulative production) instead of time."),
     Option("production_growth", ("--production-growth",), "number", unit="1/year", parse="float",
            help="With --wright: yearly growth of cumulative production (e.g. 0.5) to turn the rate into one in time.")),
    _trend, terminal="costcurve.cli.trends:show_trend", sections="costcurve.report.sections_trends:trend_sections",
    page="trends")


# ---- forecast ---------------------------------------------------------------------------------------
def _forecast(o: dict, *, given=()):
    from costcurve.trends.forecast import forecast_series

    s = _series(o)
    fit, fc = renamed(lambda: forecast_series(s, o["year"], method=o["method"], points=o["points"], level=o["level"],
                                              until=o["until"], catalog=catalog_list(o)))
    return outcome("forecast", o, given, fc, {**fc.to_dict(), "trend": fit.to_dict()}, series=s, fit=fit, forecast=fc,
                   band=None if fc.method == "structural" else band(fit, fc))


def band(fit, fc, n: int = 20) -> list[tuple[float, float, float]]:
    """(year, low, high) of the prediction interval from the last point to the forecast year (for charts)."""
    import numpy as np

    from costcurve.trends.forecast import forecast

    out = []
    for t in np.linspace(fit.t_max, fc.year, n):
        f = forecast(fit, float(t) if t > fit.t_max else fit.t_max + 1e-6, fc.level)
        out.append((float(t), f.interval[0], f.interval[1]))
    return out


FORECAST = Command(
    "forecast", "Forecast", "Forecast a series to a year with a prediction interval.",
    """Forecast a series to a year, with a prediction interval that widens with the horizon.

    \b
    Examples:
      costcurve forecast gpt3-level --year 2030
      costcurve forecast inference-price --capability gpt-3.5 --year 2030 --method structural
      costcurve forecast gpu-price-performance --year 2030 --method ols --json
    """,
    (*SERIES,
     Option("year", ("--year",), "number", unit="year", required=True, help="Year to forecast, e.g. 2030 or 2030.5."),
     Option("method", ("--method",), "choice", choices=("auto", "ols", "rwd", "structural"), default="auto",
            show_default=True, help="structural: the product of the cost's drivers, bounded by physical floors (gpt3-level, "
                                    "training-cost, inference-price); auto: the method with the best backtest interval score.")),
    _forecast, terminal="costcurve.cli.trends:show_forecast",
    sections="costcurve.report.sections_trends:forecast_sections", page="trends")


# ---- claims -----------------------------------------------------------------------------------------
def _claims(o: dict, *, given=()):
    from costcurve.trends.claims import evaluate_claims

    rows = evaluate_claims(list(o["ids"]) or None, catalog=catalog_list(o))
    return outcome("claims", o, given, rows, [r.to_dict() for r in rows])


CLAIMS = Command(
    "claims", "Claims", "ARK Invest's AI-cost claims, recomputed two ways.",
    "ARK Invest's AI-cost claims (as retold by Unite.AI), recomputed with ARK's arithmetic and costcurve's data.",
    (Option("ids", ("--id",), "text", multiple=True, help="Only these claims (repeatable)."),
     PLOT, CATALOG, JSON),
    _claims, terminal="costcurve.cli.trends:show_claims", sections="costcurve.report.sections_trends:claims_sections",
    page="claims")

COMMANDS = {c.name: c for c in (TREND, FORECAST, CLAIMS)}


# ---- decompose --------------------------------------------------------------------------------------
def _decompose(o: dict, *, given=()):
    from costcurve.errors import InputError
    from costcurve.trends.decompose import decompose, decompose_inference

    check_level(o["level"])
    cat = catalog_list(o)
    if o["name"] == "inference-price":
        if o["points"] != "default":
            raise InputError("inference-price is decomposed on its records; drop --points", field="--points")
        d = renamed(lambda: decompose_inference(o["capability"] or "gpt-3", level=o["level"], catalog=cat,
                                                since=o["since"], until=o["until"]))
    elif o["capability"]:
        raise InputError("applies to inference-price only (training series: decompose gpt3-level)", field="--capability")
    else:
        d = renamed(lambda: decompose(o["name"], points=o["points"], level=o["level"], catalog=cat, since=o["since"],
                                      until=o["until"]))
    return outcome("decompose", o, given, d, d.to_dict())


DECOMPOSE = Command(
    "decompose", "Decomposition", "Split the cost decline into hardware and algorithms.",
    """Split the decline at fixed capability into its causes.

    Training series: algorithms (FLOP needed) and hardware (USD per FLOP). inference-price: hardware
    price-performance, smaller models (active parameters of the cheapest open model at the level) and
    the remainder (software, margins). (1 - total) = prod(1 - part), as ARK composes its rates.

    \b
    Examples:
      costcurve decompose gpt3-level
      costcurve decompose inference-price --capability gpt-3 --json
    """,
    (Option("name", (), "text", default="gpt3-level", metavar="[SERIES]"),
     Option("points", ("--points",), "choice", choices=("default", "all", "records"), default="default",
            show_default=True),
     Option("since", ("--since",), "number", unit="year", parse="float"),
     Option("until", ("--until",), "number", unit="year", parse="float"),
     Option("level", ("--level",), "fraction", unit="1", parse="float", default=0.9, show_default=True),
     Option("capability", ("--capability",), "text",
            help="inference-price: the level (BENCH>=X or a preset; default gpt-3)."),
     PLOT, CATALOG, JSON),
    _decompose, terminal="costcurve.cli.trends:show_decompose")


# ---- series -----------------------------------------------------------------------------------------
def _series_listing(o: dict, *, given=()):
    if not (o["name"] or o["csv_path"] or o["source"]):
        from costcurve.trends.bundled import series_listing

        listing = series_listing(catalog=catalog_list(o))
        return outcome("series", o, given, listing, listing)
    s = load(o["name"], o["csv_path"], o["source"], None, None, None, None, o["catalog"], o["capability"])
    return outcome("series", o, given, s, s.to_dict(), series=s)


SERIES_COMMAND = Command(
    "series", "Series", "List the bundled trend series, or show one.",
    """List the bundled series, or show the points of one.

    \b
    Examples:
      costcurve series
      costcurve series gpt3-level --json
    """,
    (Option("name", (), "text", metavar="[SERIES]"),
     Option("csv_path", ("--csv",), "file", metavar="PATH", help="Show your own CSV series."),
     Option("source", ("--source",), "text", web=False, help="Show outside data, e.g. epoch:notable_ai_models.csv."),
     Option("capability", ("--capability",), "text",
            help="Capability level for gpt3-level, training-cost, inference-price (e.g. gpqa>=50)."),
     PLOT, CATALOG, JSON),
    _series_listing, terminal="costcurve.cli.trends:show_series")

COMMANDS.update({c.name: c for c in (DECOMPOSE, SERIES_COMMAND)})
