"""`costcurve trend|forecast|when|backtest|decompose|claims|series`: how fast AI costs fall."""

from __future__ import annotations

import math

import click

from costcurve.commands import get
from costcurve.commands.trends import OPTION_NAMES, load  # noqa: F401  (the series options' helpers)
from costcurve.commands.trends import check_level as _check_level
from costcurve.commands.trends import renamed as _renamed

from .build import click_command
from .common import catalog_option, emit_json, json_option, line, notes, para, table, verbose_option


def series_source(f):
    """Options that choose a series: NAME, --csv, --source, the point selection and the date window."""
    opts = [
        click.argument("name", required=False, metavar="[SERIES]"),
        click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
                     help="Your own series: a CSV with date,value[,label] (dates YYYY-MM-DD, YYYY or 2020.5)."),
        click.option("--source", help="Outside data, e.g. epoch:notable_ai_models.csv (Epoch AI export)."),
        click.option("--points", type=click.Choice(["default", "all", "records"]), default="default", show_default=True,
                     help="Fit all points, or only records (cheapest so far); default: the series' own choice."),
        click.option("--since", type=float, help="Use points dated on or after this year (e.g. 2016)."),
        click.option("--until", type=float, help="Use points dated before this year."),
        click.option("--capability", help="Capability level: BENCH>=X (mmlu, gpqa, math, math5, humaneval, arena) "
                     "or a preset (gpt-3, gpt-3.5, gpt-4, gpt-4-gpqa); for gpt3-level, training-cost, inference-price."),
        click.option("--threshold", type=float, help="gpt3-level: MMLU 5-shot a model must reach (same as "
                     "--capability mmlu>=X)."),
        click.option("--price-kind", type=click.Choice(["on-demand", "spot", "1-year", "3-year"]),
                     help="Rental price kind used to price runs (default on-demand)."),
        click.option("--level", type=float, default=0.9, show_default=True, help="Confidence / prediction level."),
        click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write a plot: FILE.png or FILE.svg."),
        catalog_option, json_option, verbose_option,
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _plot(kind, path, *args, **kw):
    if path:
        from costcurve import plot

        _renamed(lambda: plot.check_path(path))
        _renamed(lambda: getattr(plot, kind)(*args, path, **kw))
        click.echo(f"plot written to {path}", err=True)


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _rng(v, f):
    return "n/a" if v is None else f"{f(v[0])} to {f(v[1])}"


def _val(v, unit):
    from costcurve.units import format_usd

    if v is None:
        return "n/a"
    if unit == "USD":
        return format_usd(v)
    if unit.startswith("USD per ") and math.isfinite(v) and 0 < v < 1e3:  # a price: three significant digits
        return f"${v:.3g} {unit[4:]}"
    return f"{v:.3g} {unit}"


# ---- trend ------------------------------------------------------------------------------------------
def show_trend(result, *, as_json: bool = False, plot_path=None) -> None:
    """Print a trend Outcome (a fit in time, or Wright's law with --wright); write the plot if asked."""
    fit, s, d = result.value, result.objects["series"], result.data
    if result.options["wright"]:
        if as_json:
            emit_json(d)
        else:
            for ln in fit.summary(result.options["level"]).splitlines():
                para(ln)
        return
    _plot("plot_series", plot_path, s, fit=fit, points=result.options["points"])
    if as_json:
        emit_json(d)
        return
    for ln in (s.title, *fit.summary().splitlines()):
        para(ln)
    click.echo(f"  fitted value     {_val(d['value_at_end'], s.unit)} at {fit.t_max:.1f}")
    notes(s.notes)


def _check_trend(values, outputs) -> None:
    from costcurve.errors import CostcurveError

    if values.get("wright") and outputs.get("plot_path"):
        raise CostcurveError("is not available with --wright (plots are against time); drop --plot", field="--plot")


show_trend.check = _check_trend
trend = click_command(get("trend"))


# ---- forecast ---------------------------------------------------------------------------------------
def show_forecast(result, *, as_json: bool = False, plot_path=None) -> None:
    """Print a forecast Outcome; write the plot if asked."""
    s, fit, fc = result.objects["series"], result.objects["fit"], result.objects["forecast"]
    _plot("plot_forecast" if fc.method == "structural" else "plot_series", plot_path, s, fit=fit, forecast=fc,
          points=result.options["points"])
    if as_json:
        emit_json(result.data)
        return
    lvl = int(100 * fc.level)
    rows = [("series", s.title), ("model", f"{fc.method} on {fit.n} {fit.points.removesuffix('s')} points, {fit.t_min:.1f}-{fit.t_max:.1f}"),
            ("trend", f"{_pct(fit.annual_decline)} decline a year (x{fit.factor_per_year:.3g}/yr)"
             + (" over the next 5 years" if fc.method == "structural" else "")),
            (f"median {fc.year:g}", _val(fc.median, s.unit)),
            (f"{lvl}% prediction interval", f"{_val(fc.interval[0], s.unit)} to {_val(fc.interval[1], s.unit)}"),
            (f"{lvl}% interval of the trend line", f"{_val(fc.mean_interval[0], s.unit)} to {_val(fc.mean_interval[1], s.unit)}"),
            ("horizon", f"{fc.horizon_years:.1f} years after the last point")]
    if fc.floor:
        rows.append(("physical floor", f"{_val(fc.floor['value'], s.unit)}: {fc.floor['what']}"))
    if fc.choice:
        rows.append(("method chosen", f"{fc.choice['picked']}: {fc.choice['why']}"))
    table(f"Forecast: {s.name}", ["", "value"], rows)
    if fc.drivers:
        table(f"Drivers to {fc.year:g} (factor a year, {lvl}% interval, share of the variance of log cost)",
              ["driver", "factor/yr", f"{lvl}% interval", "share of variance", "fitted on"],
              [(d["name"], f"x{d['factor_per_year']:.3g}", f"x{d['interval'][0]:.3g} to x{d['interval'][1]:.3g}",
                f"{100 * d['share_of_variance']:.0f}%", f"{d['n_points']} points {d['start_year']:.1f}-{d['end_year']:.1f}")
               for d in fc.drivers], justify_right=(1, 3))
    notes(fc.notes)


forecast = click_command(get("forecast"))


# ---- when -------------------------------------------------------------------------------------------
@click.command()
@series_source
@click.option("--below", "below", help="The value to fall below (e.g. 30 for $30).")
@click.option("--above", "above", help="The value to rise above (for rising series such as price-performance).")
@click.option("--method", type=click.Choice(["auto", "ols", "rwd", "structural"]), default="auto", show_default=True,
              help="The forecast's method (see costcurve forecast --help).")
def when(name, csv_path, source, points, since, until, capability, threshold, price_kind, level, plot_path, catalog, as_json,
         below, above, method):
    """The year a series falls below (or rises above) a value, with its interval.

    \b
    Examples:
      costcurve when gpt3-level --below 30
      costcurve when gpu-price-performance --above 1e12 --json
    """
    from costcurve.errors import InputError
    from costcurve.trends.forecast import choose_method, fit_method
    from costcurve.trends.forecast import when as when_
    from costcurve.units import parse_quantity

    _check_level(level)
    if (below is None) == (above is None):
        raise InputError("give exactly one of --below VALUE or --above VALUE", field="--below")
    opt, text = ("--below", below) if below is not None else ("--above", above)
    if not text.strip():
        raise InputError("is empty; allowed: a number > 0 (e.g. 30 or 1e12)", field=opt)
    s = load(name, csv_path, source, since, until, threshold, price_kind, catalog, capability)
    # dollars for a cost series ($30, 2.50); anything else (FLOP, FLOP/s per $) is a count (1e12, 1T)
    value = parse_quantity(text, opt, "money" if s.unit == "USD" else "count")
    if not value > 0:
        raise InputError(f"got {value:g}; allowed: a number > 0", field=opt)
    cat = list(catalog) or None
    choice = None
    if method == "auto":  # the same choice as forecast's
        method, choice = _renamed(lambda: choose_method(s, points=points, level=level, catalog=cat))
    fit = _renamed(lambda: fit_method(s, method, points=points, level=level, until=until, catalog=cat))
    cr = _renamed(lambda: when_(fit, value, direction="below" if below is not None else "above", level=level))
    _plot("plot_series", plot_path, s, fit=fit, crossing=cr, points=points)
    if as_json:
        emit_json({**cr.to_dict(), "choice": choice, "trend": fit.to_dict()})
        return
    from costcurve.trends.forecast import forecast_range

    end = forecast_range(fit)[1] if cr.method == "structural" else fit.t_max + 200
    yr = lambda v: f"not by {end:.0f}" if v is None else f"{v:.1f}"  # noqa: E731
    lo, hi = cr.interval
    span = (f"not by {end:.0f} (fewer than {50 * (1 - cr.level):g}% of the draws cross by then)"
            if lo is None and hi is None else f"{yr(lo)} to {'after ' + format(end, '.0f') if hi is None else yr(hi)}")
    kind = "record" if fit.points == "records" else fit.points
    rows = [("series", s.title), ("model", f"{cr.method} on {fit.n} {kind} points"),
            (f"{cr.direction} {_val(value, s.unit)}", yr(cr.year)), (f"{int(100 * cr.level)}% interval", span)]
    if choice:
        rows.append(("method chosen", f"{choice['picked']}: {choice['why']}"))
    table(f"When: {s.name}", ["", "year"], rows)
    notes(cr.notes)


# ---- backtest ---------------------------------------------------------------------------------------
@click.command()
@series_source
@click.option("--method", "methods", type=click.Choice(["ols", "rwd", "structural", "auto"]), multiple=True,
              help="Methods to test (repeatable), on the same hindcasts; default: ols, rwd and structural where it "
                   "applies.")
@click.option("--rows", "show_rows", is_flag=True, help="With --json: every forecast, not only the summary.")
@click.option("--pool-levels", is_flag=True,
              help="training-cost/gpt3-level and inference-price: backtest every level of the family (MMLU levels; "
                   "Epoch AI's 21 levels) and pool the hindcasts, as --method auto scores them.")
def backtest(name, csv_path, source, points, since, until, capability, threshold, price_kind, level, plot_path, catalog, as_json,
             methods, show_rows, pool_levels):
    """Hindcast: fit up to each cut-off year, forecast later points, report log error and interval coverage.

    Without a SERIES, every bundled series is tested.

    \b
    Examples:
      costcurve backtest
      costcurve backtest gpt3-level --json
    """
    from costcurve.errors import InputError
    from costcurve.trends.drivers import InsufficientDataError
    from costcurve.trends.forecast import backtest_all

    _check_level(level)
    if capability and not (name or csv_path or source):
        raise InputError("needs a series: e.g. costcurve backtest inference-price --capability gpqa>=50",
                         field="--capability")
    series = [load(name, csv_path, source, since, until, threshold, price_kind, catalog, capability)] \
        if (name or csv_path or source) else None
    if pool_levels:
        results = _pooled(series, capability, since, until, csv_path, source, methods, level, catalog)
    else:
        try:
            results = _renamed(lambda: backtest_all(series, methods=methods or None, points=points, level=level,
                                                    catalog=list(catalog) or None, since=since, until=until))
        except InsufficientDataError as e:
            raise _nothing_to_test(e, name, csv_path, source, since, until, threshold, price_kind, catalog,
                                   capability) from None
    _plot("plot_backtest", plot_path, results)
    if as_json:
        emit_json([r.to_dict(rows=show_rows) for r in results])
        return
    f = lambda v, fmt: "n/a" if v is None or math.isnan(v) else fmt.format(v)  # noqa: E731
    rows = [(f"{r.series} ({r.points})", r.method, len(r.cutoffs), r.n_forecasts, f(r.coverage, "{:.0%}"),
             f(r.interval_score, "{:.2f}"), *(f(r.median_log10_width[h], "{:.1f}") for h in ("1", "3", "5")),
             f(r.bias_log10, "{:+.2f}")) for r in results]
    table(f"Backtest ({int(100 * level)}% prediction intervals; each series' methods on the same hindcasts)",
          ["series", "method", "cut-offs", "forecasts", "coverage", "interval score", "width 1y", "3y", "5y",
           "bias log10"], rows, justify_right=tuple(range(2, 10)))
    line("coverage: share of realised values inside the stated interval; it should be near the level. "
         "interval score: width plus 2/alpha x the miss, in log10 units (lower is better). width: median "
         "orders of magnitude of the interval 1, 3 and 5 years ahead.")


def _pooled(series, capability, since, until, csv_path, source, methods, level, catalog):
    """backtest --pool-levels: the family's levels pooled (costcurve.trends.validation)."""
    from costcurve.errors import InputError
    from costcurve.trends.validation import family_of, pooled_backtest

    family = family_of(series[0]) if series else None
    if family is None or capability or since is not None or until is not None or csv_path or source:
        raise InputError("applies to a bundled capability series alone (gpt3-level, training-cost, inference-price), "
                         "without --capability, --since, --until, --csv or --source", field="--pool-levels")
    return _renamed(lambda: pooled_backtest(family, methods or ("ols", "rwd", "structural"), level=level,
                                            catalog=list(catalog) or None))


def _nothing_to_test(e, name, csv_path, source, since, until, threshold, price_kind, catalog, capability):
    """One line naming the option that left nothing to test, with the years the series has."""
    from costcurve.errors import CostcurveError

    if since is not None or until is not None:
        full = load(name, csv_path, source, None, None, threshold, price_kind, catalog, capability)
        years = sorted({int(y) for y in full.years})
        have = f"its points run {years[0]}-{years[-1]} ({len(full)} points)" if years else "it has no points"
        opt = "--since" if since is not None else "--until"
        return CostcurveError(f"leaves nothing to backtest in {full.name}: {have}; a backtest needs at least 3 points "
                              "on 2 or more dates before a cut-off and 1 after it", field=opt)
    return CostcurveError(e.message, field="--csv" if csv_path else "--source" if source else "SERIES")


# ---- decompose --------------------------------------------------------------------------------------
def show_decompose(result, *, as_json: bool = False, plot_path=None) -> None:
    """Print a decomposition (or JSON); write the plot if asked."""
    d, level = result.value, result.options["level"]
    _plot("plot_decomposition", plot_path, d)
    if as_json:
        emit_json(result.data)
        return
    ci = lambda c: _rng(c.annual_decline_ci, _pct)
    rows = [("total (cost at fixed capability)", _pct(d.total.annual_decline), ci(d.total))]
    rows += [(p.name, _pct(p.annual_decline), ci(p)) for p in d.parts]
    rows += [(f"  of which {p.name}", _pct(p.annual_decline), ci(p)) for p in d.hardware_parts]
    rows.append(("check: 1 - prod(1 - part)", _pct(d.composed_total), ""))
    table(f"Decomposition of {d.series} ({d.n_points} {d.points.removesuffix('s')} points, {d.start_year:.1f}-{d.end_year:.1f})",
          ["component", "decline/yr", f"{int(100 * level)}% CI"], rows, justify_right=(1,))
    pub = [(p["id"], p["component"], _pct(p["annual_decline"]), p["as_published"]) for p in d.published]
    pub += [(f"{t['hardware']} x {t['algorithms']}", "total (composed)", _pct(t["annual_decline"]), "")
            for t in d.published_totals()]
    table("Published rates", ["source", "component", "decline/yr", "as published"], pub, justify_right=(2,))
    notes(d.notes)


decompose = click_command(get("decompose"))


# ---- claims -----------------------------------------------------------------------------------------
def show_claims(result, *, as_json: bool = False, plot_path=None) -> None:
    """Print the claims table (or JSON); write the plot if asked."""
    rows = result.value
    _plot("plot_claims", plot_path, rows)
    if as_json:
        emit_json(result.data)
        return
    from costcurve.units import format_usd

    def v(x, unit):
        if x is None:
            return "n/a"
        if unit.startswith("USD"):
            return format_usd(x)
        if "fraction" in unit:
            return f"{100 * x:.1f}%"
        return f"{x:.3g}"

    r_ = lambda x: "" if x is None else f"{x:.2f}"
    table("Claims, recomputed (ratio = recomputed / claimed)",
          ["claim", "claimed", "ARK arithmetic", "ratio", "costcurve", "ratio"],
          [(r.claim, v(r.seed_value, r.unit), v(r.ark_value, r.unit), r_(r.ark_ratio), v(r.computed_value, r.unit) +
            ("" if r.computed_interval is None else
             f" ({v(r.computed_interval[0], r.unit)} to {v(r.computed_interval[1], r.unit)})"),
            r_(r.ratio)) for r in rows], justify_right=(1, 2, 3, 4, 5))
    click.echo("details: costcurve claims --json (how each figure was recomputed, and sources)")


claims = click_command(get("claims"))


# ---- series -----------------------------------------------------------------------------------------
def show_series(result, *, as_json: bool = False, plot_path=None) -> None:
    """Print the listing of the bundled series, or the points of one (or JSON); write the plot if asked."""
    if "series" not in result.objects:
        listing = result.value
        if as_json:
            emit_json(result.data)
            return
        table("Bundled series", ["series", "points", "span", "fits", "description", "source"],
              [(x["name"], x["n_points"], f"{(x['start'] or '?')[:4]}-{(x['end'] or '?')[:4]}", x["fit_points"],
                x["description"], x["source"]) for x in listing], justify_right=(1,))
        return
    s = result.value
    _plot("plot_series", plot_path, s)
    if as_json:
        emit_json(result.data)
        return
    table(s.title, ["date", "value", "label", "note"], [(p.date, _val(p.value, s.unit), p.label, p.note[:60]) for p in s.points],
          justify_right=(1,))
    notes(s.notes)


series = click_command(get("series"))
