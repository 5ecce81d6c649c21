"""Report sections of the trend kinds: forecast, trend and the claims table."""

from __future__ import annotations

from html import escape

from . import html as H
from . import svg
from .common import inputs_section, reproduce_section


def _fmt_for(unit: str):
    if unit == "USD":
        return H.usd
    return lambda v: f"{v:.3g} {unit}"


def _carried(result) -> dict:
    """The series, fit and forecast band the command computed (an Outcome's objects); {} without one."""
    return dict(getattr(result, "objects", None) or {})


def _rate_rows(t: dict) -> list:
    lvl = int(100 * t.get("level", 0.9))
    ci = lambda k, f: "" if not t.get(k) else f"{f(t[k][0])} to {f(t[k][1])}"  # noqa: E731
    rows = [("annual decline", H.pct(t.get("annual_decline")), ci("annual_decline_ci", H.pct)),
            ("factor per year", f"×{t['factor_per_year']:.3g}", ci("factor_per_year_ci", lambda v: f"×{v:.3g}"))]
    if t.get("halving_time_years"):
        rows.append(("halving time", f"{t['halving_time_years']:.2f} years", ci("halving_time_years_ci", lambda v: f"{v:.2f}")))
    if t.get("doubling_time_years"):
        rows.append(("doubling time", f"{t['doubling_time_years']:.2f} years",
                     ci("doubling_time_years_ci", lambda v: f"{v:.2f}")))
    rows.append(("fitted on", f"{_points(t['n_points'], t.get('points'))}, {t['start_year']:.1f}–{t['end_year']:.1f}",
                 f"{t.get('model')}"))
    return [(a, b, c) for a, b, c in rows], f"{lvl}% confidence interval"


def _points(n: int, kind) -> str:
    """"7 record points (each the cheapest so far)", "12 points": how many points a fit used, and which
    (the terminal's tables say "7 record points" too)."""
    if kind == "records":
        return f"{n} record points (each the cheapest so far)"
    return f"{n} points" + (f" ({kind})" if kind and kind not in ("all", "default") else "")


def _series_chart(s, fit, band, fc: dict | None, fmt):
    """Points, the fitted trend line and (for a forecast) the widening interval to the forecast year, as
    the command computed them (``band``: (year, low, high) rows); nothing is fitted here."""
    if s is None or fit is None or not hasattr(fit, "t_min"):
        return ""
    import numpy as np

    pts = [(float(y), float(v), lab) for y, v, lab in zip(s.years, s.values, s.labels)]
    end = fc["year"] if fc else fit.t_max
    ts = np.linspace(fit.t_min, max(end, fit.t_max), 40)
    line = [(float(t), float(fit.predict(t))) for t in ts]
    marks = [(fc["year"], fc["median"], fc["interval"][0], fc["interval"][1], f"{fc['year']:g}: {fmt(fc['median'])}")] if fc else []
    return svg.timeseries(points=pts, line=line, band=list(band or ()), marks=marks, fmt=fmt,
                          ylabel=f"{s.unit} (log scale)", title=s.title, unit=s.unit)


def _structural_chart(s, d: dict, fmt):
    """Fan chart: the points, the median and 90% interval from the record in force to the year, the floor."""
    if s is None:
        return ""
    import numpy as np

    from costcurve.trends.structural import build_structural

    m = build_structural(s, level=d["level"])
    ts = np.linspace(m.anchor_year, max(d["year"], m.anchor_year + 0.1), 24)
    lo, hi = m.interval(ts)
    pts = [(float(y), float(v), lab) for y, v, lab in zip(s.years, s.values, s.labels)]
    line = [(m.anchor_year, m.anchor_value)] + [(float(t), float(v)) for t, v in zip(ts[1:], m.predict(ts[1:]))]
    band = [(float(t), float(a), float(b)) for t, a, b in zip(ts, lo, hi)]
    marks = [(d["year"], d["median"], d["interval"][0], d["interval"][1], f"{d['year']:g}: {fmt(d['median'])}"),
             (d["year"], d["floor"]["value"], None, None, f"floor {fmt(d['floor']['value'])}")]
    return svg.timeseries(points=pts, line=line, band=band, marks=marks, fmt=fmt, ylabel=f"{s.unit} (log scale)",
                          title=f"{s.title}: structural forecast", unit=s.unit)


def _drivers_section(d: dict) -> str:
    lvl = int(100 * d["level"])
    drv = d.get("drivers") or []
    chart = svg.intervals([(x["name"], x["interval"][0], x["factor_per_year"], x["interval"][1],
                            f"×{x['factor_per_year']:.2f}/yr, {100 * x['share_of_variance']:.0f}% of variance")
                           for x in drv], title=f"Drivers: factor a year to {d['year']:g}")
    rows = [(x["name"], f"×{x['factor_per_year']:.3g}", f"×{x['interval'][0]:.3g} to ×{x['interval'][1]:.3g}",
             H.pct(x["share_of_variance"], 0), f"{x['n_points']} points {x['start_year']:.1f}–{x['end_year']:.1f}",
             x.get("what", "")) for x in drv]
    out = H.chart(chart, f"Each driver's factor a year to {d['year']:g} with its {lvl}% interval; the cost is their "
                         "product. Share: the driver's covariance with log cost over its variance (the shares sum to 1).")
    out += H.table(["driver", "factor a year", f"{lvl}% interval", "share of variance", "fitted on", "what"], rows)
    f = d.get("floor") or {}
    if f:
        out += H.table(["physical floor", "value"],
                       [("floor in " + f"{d['year']:g}", _fmt_for(d.get("unit", ""))(f["value"])), ("what", f["what"]),
                        ("USD per FLOP at the floor", f"{f['usd_per_flop']:.3g}"),
                        ("FLOP per joule (best on record, its trend)", f"{f['flop_per_joule']:.3g} "
                         f"(record: {f['best_accelerator']}, ×{f['factor_per_year']:.2f} a year)"),
                        ("electricity", f"${f['electricity_usd_per_kwh']:.4g}/kWh"), ("source", f["source"])])
    for n in d.get("notes") or []:
        out += f'<p class="note">{escape(n)}</p>'
    return out


def _backtest_section(s, d: dict) -> str:
    """Realised values against the intervals stated before them: value ÷ past median against the horizon."""
    from costcurve.errors import CostcurveError
    from costcurve.trends.forecast import backtest_methods
    from costcurve.trends.validation import family_of, pooled_backtest

    if s is None:
        return ""
    try:
        fam = family_of(s)
        res = pooled_backtest(fam) if fam and d["method"] != "ols" else backtest_methods(s)
    except CostcurveError:
        return ""
    mine = next((r for r in res if r.method == d["method"] and r.rows), None)
    if mine is None:
        return ""
    pts = [(r["horizon_years"], r["actual"] / r["median"], f"{r.get('capability', s.name)} {r['year']:.1f}")
           for r in mine.rows]
    marks = [(r["horizon_years"], 1.0, r["low"] / r["median"], r["high"] / r["median"], "") for r in mine.rows]
    chart = svg.timeseries(points=pts, marks=marks, fmt=lambda v: f"×{v:.2g}", ylabel="realised ÷ past median",
                           xlabel="years after the last point of the fit", title=f"Backtest of {d['method']}: {mine.series}")
    rows = [(r.method, r.n_forecasts, H.pct(r.coverage, 0), f"{r.interval_score:.2f}",
             *("" if r.median_log10_width[h] is None else f"{r.median_log10_width[h]:.1f}" for h in ("1", "3", "5")))
            for r in res]
    return (H.chart(chart, f"Each bar: the {int(100 * d['level'])}% interval {d['method']} stated at a past cut-off, "
                           "divided by its median; each dot: the value realised. A dot outside its bar is a miss.")
            + H.table(["method", "forecasts", "coverage", "interval score (log10, lower is better)", "width 1y (OOM)",
                       "3y", "5y"], rows))


def forecast_sections(d: dict, *, values=None, command=None, full: bool = True, result=None) -> list:
    t, fmt = d["trend"], _fmt_for(d.get("unit", ""))
    lvl = int(100 * d["level"])
    structural = d.get("method") == "structural"
    how = (f"the product of its drivers ({', '.join(x['name'] for x in d.get('drivers') or [])}), never below the "
           f"physical floor of {fmt(d['floor']['value'])}" if structural and d.get("floor") else
           f"a trend of {H.pct(t['annual_decline'])} decline a year ({d['method']} on {_points(t['n_points'], t['points'])})")
    # a short headline (it reads on a phone), the how and the method's choice below it
    bare = fmt if d.get("unit", "") == "USD" else (lambda v: f"{v:.3g}")  # the unit once, after the median
    answer = (f"{d['series']} in {d['year']:g}: {fmt(d['median'])} ({lvl}% interval {bare(d['interval'][0])} to "
              f"{bare(d['interval'][1])}).")
    detail = f"From {how}." + (f" Method {d['choice']['picked']}: {d['choice']['why']}." if d.get("choice") else "")
    figs = H.figures(
        H.figure("median", d["median"], fmt, f"median {d['year']:g}", f"{d['horizon_years']:.1f} years after the last point"),
        H.figure("interval_low", d["interval"][0], fmt, f"{lvl}% interval, low", "for a new observation"),
        H.figure("interval_high", d["interval"][1], fmt, f"{lvl}% interval, high", "for a new observation"),
        H.figure("annual_decline", t["annual_decline"], H.pct, "decline a year", f"×{t['factor_per_year']:.3g} a year"))
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(answer)}</p>'
                                             f'<p class="note">{escape(detail)}</p>{figs}')]
    obj = _carried(result)
    s = obj.get("series") if full else None
    if full:
        src = f'<p class="src">Series data: {H.linkify(s.source)}</p>' if s is not None and s.source else ""
        secs.append(inputs_section("forecast", values, src))
    if structural:
        out = H.chart(_structural_chart(s, d, fmt),
                      f"Points of the series, the median and {lvl}% interval of the structural forecast from the record in "
                      f"force to {d['year']:g}, and the physical floor (log scale).") if s is not None else ""
        out += _drivers_section(d)
    else:
        rows, cihead = _rate_rows(t)
        out = H.chart(_series_chart(s, obj.get("fit"), obj.get("band"), d, fmt),
                      f"Points of the series, the fitted trend and the {lvl}% prediction interval widening to "
                      f"{d['year']:g} (log scale).") if s is not None else ""
        out += H.table(["trend", "estimate", cihead], rows)
    out += H.table(["interval", "low", "high"],
                   [(f"{lvl}% for a new observation", fmt(d["interval"][0]), fmt(d["interval"][1])),
                    (f"{lvl}% of the trend line", fmt(d["mean_interval"][0]), fmt(d["mean_interval"][1]))])
    secs.append(H.Section("breakdown", "Drivers, floor and intervals" if structural else "Trend and intervals", out))
    if full:
        bt = _backtest_section(s, d)
        if bt:
            secs.append(H.Section("backtest", "How the method did on past data", bt))
    if full:
        secs.append(reproduce_section(command))
    return secs


def trend_sections(d: dict, *, values=None, command=None, full: bool = True, result=None) -> list:
    fmt = _fmt_for(d.get("unit", ""))
    rows, cihead = _rate_rows(d)
    answer = (f"{d.get('title') or d.get('series')}: {H.pct(d['annual_decline'])} decline a year "
              f"(×{d['factor_per_year']:.3g}; {cihead} {rows[0][2]}), fitted on {_points(d['n_points'], d.get('points'))} "
              f"{d['start_year']:.1f}–{d['end_year']:.1f}.")
    figs = H.figures(H.figure("annual_decline", d["annual_decline"], H.pct, "decline a year", cihead + ": " + rows[0][2]),
                     H.figure("factor_per_year", d["factor_per_year"], lambda v: f"×{v:.3g}", "factor per year",
                              "the series is multiplied by this each year (below 1: it falls)"),
                     H.figure("value_at_end", d.get("value_at_end"), fmt, "fitted value, last point",
                              f"at {d['end_year']:.1f}"))
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(answer)}</p>{figs}')]
    s = _carried(result).get("series") if full else None
    if full:
        src = f'<p class="src">Series data: {H.linkify(s.source)}</p>' if s is not None and s.source else ""
        secs.append(inputs_section("trend", values, src))
    out = H.chart(_series_chart(s, getattr(result, "value", None), None, None, fmt), "Points of the series and the fitted exponential trend (log scale).") \
        if s is not None else ""
    secs.append(H.Section("breakdown", "Trend", out + H.table(["trend", "estimate", cihead], rows)))
    if full:
        secs.append(reproduce_section(command))
    return secs


def _claim_value(x, unit: str) -> str:
    if x is None:
        return "n/a"
    if unit.startswith("USD"):
        return H.usd(x)
    if "fraction" in unit:
        return H.pct(x)
    return f"{x:.3g}"


def claims_sections(d: list, *, values=None, command=None, full: bool = True, result=None) -> list:
    n = len(d)
    within = sum(1 for r in d if r.get("ratio") is not None and 0.5 <= r["ratio"] <= 2)
    answer = (f"Of {n} published claims, costcurve's own data reproduce {within} within a factor of two; "
              "ARK's own arithmetic is shown beside each.")
    ratios = [(r["id"], r["ratio"]) for r in d if r.get("ratio")]
    chart = svg.hbars(ratios, fmt=lambda v: f"×{v:.2f}", xlabel="recomputed ÷ claimed (1 = reproduced)",
                      title="Claims recomputed", label_width=200)
    rows = [(H.Raw(f'<b>{escape(r["claim"])}</b><div class="src">{H.linkify(r["source"])}</div>'),
             _claim_value(r["seed_value"], r["unit"]), _claim_value(r["ark_value"], r["unit"]),
             "" if r["ark_ratio"] is None else f"×{r['ark_ratio']:.2f}",
             H.Raw(f'{escape(_claim_value(r["computed_value"], r["unit"]))}<div class="note">'
                   f'{escape(r["computed_note"])}</div>'),
             "" if r["ratio"] is None else f"×{r['ratio']:.2f}") for r in d]
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(answer)}</p>')]
    if full:
        secs.append(inputs_section("claims", values))
    dec = [r for r in d if r.get("decomposition")]
    if dec:
        parts = ""
        for r in dec:
            x = r["decomposition"]
            fmt = lambda v, u=r["unit"]: _claim_value(v, u)  # noqa: E731
            rows = [(f"from: {x['from_label']} ({x['from_year']:.1f})", fmt(x["from_value"]))]
            rows += [(k, f"×{v:.3g}") for k, v in x["factors"].items()]
            rows += [("bounds (floor, the record in force) and the median of the product",
                      f"×{x['bounds_and_combination']:.3g}"),
                     (f"costcurve {x['to_year']:g} (median)", fmt(x["to_value"])),
                     ("claimed", fmt(r["seed_value"]))]
            parts += H.table([escape(r["claim"]), "value"], rows)
        secs.append(H.Section("context", "The 2030 answers by driver",
                              parts + f'<p class="note">{escape(dec[0]["decomposition"]["note"])}</p>'))
    secs.append(H.Section("breakdown", "Claims, recomputed",
                          H.chart(chart, "Each claim's value recomputed with costcurve's data, divided by the value "
                                         "claimed: 1 means reproduced, 2 means twice the claim.")
                          + H.table(["claim and source", "claimed", "ARK arithmetic", "ratio", "costcurve", "ratio"],
                                    rows, cls="claims")))
    if full:
        secs.append(reproduce_section(command))
    return secs
