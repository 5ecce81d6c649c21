"""Plots of series, fits, forecasts, backtests, decompositions and claims (matplotlib, optional).

matplotlib is imported inside each function (``pip install 'costcurve[plot]'``); every function
writes ``path`` (.png, .svg or .pdf) and returns it.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from .errors import CostcurveError, InputError

FORMATS = (".png", ".svg", ".pdf")
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CostcurveError("plotting needs matplotlib: pip install 'costcurve[plot]'", field="plot") from None
    return plt


def check_path(path) -> Path:
    """The output path, checked for a supported extension and an existing folder."""
    from .units import show

    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise InputError(f"got {show(path)}; allowed: a file name ending in {', '.join(FORMATS)}", field="plot")
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise InputError(f"got {show(str(path))}; allowed: a file name ending in {', '.join(FORMATS)}", field="plot")
    if not p.parent.is_dir():
        raise InputError(f"folder {show(str(p.parent))} does not exist; create it first", field="plot")
    if p.is_dir():
        raise InputError(f"{show(str(p))} is a folder; give a file name", field="plot")
    return p


def _save(fig, path):
    p = check_path(path)
    fig.savefig(p, dpi=130, bbox_inches="tight")
    _plt().close(fig)
    return p


def _money(v, unit):
    if unit == "USD":
        from .units import format_usd

        return format_usd(v)
    return f"{v:.3g}"


def _label_points(ax, xs, ys, labels, max_labels=14):
    """Label points at their right, skipping any label that would overlap one already placed.

    Call after everything is drawn: distances are measured in axes fractions of the final limits.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lx = lambda x: (x - x0) / (x1 - x0)
    ly = lambda y: (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
    placed = []
    order = sorted(range(len(xs)), key=lambda i: (i not in (0, len(xs) - 1), i))  # first and last first
    for i in order:
        if len(placed) >= max_labels:
            break
        px, py = lx(xs[i]), ly(ys[i])
        if any(abs(py - qy) < 0.035 and -0.02 < px - qx < 0.25 or abs(py - qy) < 0.035 and abs(px - qx) < 0.02
               for qx, qy in placed):
            continue
        text = labels[i] if len(labels[i]) <= 34 else labels[i][:32] + "…"
        ax.annotate(text, (xs[i], ys[i]), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=7, color="#333333")
        placed.append((px, py))


def plot_series(series, path, *, fit=None, forecast=None, crossing=None, points: str = "default", title=None):
    """Log-scale value against date: all points, fitted points labelled, fit line, interval band, forecast."""
    plt = _plt()
    fitted = series.select(points)
    fig, ax = plt.subplots(figsize=(9, 5.4))
    t_all, v_all = series.years, series.values
    fitted_ids = {(p.date, p.value, p.label) for p in fitted.points}
    others = [(t, v) for t, v, p in zip(t_all, v_all, series.points) if (p.date, p.value, p.label) not in fitted_ids]
    if others:
        ax.scatter(*zip(*others), s=14, color="#9e9e9e", alpha=0.8, label="other points", zorder=2)
    ax.scatter(fitted.years, fitted.values, s=30, color=_COLORS[0], zorder=3,
               label="fitted points" + (" (records)" if fitted is not series else ""))
    if series.reference:
        from .units import decimal_year

        rx = [decimal_year(p.date) for p in series.reference]
        ax.scatter(rx, [p.value for p in series.reference], s=36, facecolors="none", edgecolors=_COLORS[1],
                   marker="D", zorder=3, label="reported / published costs")
    x_end = max(float(t_all.max()), forecast.year if forecast else -math.inf,
                crossing.year if crossing and crossing.year else -math.inf)
    if fit is not None:
        kind = fit.__class__.__name__
        ols = kind == "ExponentialTrend"
        grid = np.linspace(fit.t_min if ols else fit.t_max, max(x_end, fit.t_max), 200 if ols or kind != "StructuralModel"
                           else 60)
        name = {"ExponentialTrend": "OLS trend", "StructuralModel": "structural (drivers)"}.get(kind,
                                                                                               "random walk with drift")
        rate = f"{100 * (fit.factor_per_year - 1):+.0f}%/yr" if fit.slope_per_year < 0 else f"x{fit.factor_per_year:.2f}/yr"
        ax.plot(grid, fit.predict(grid), color=_COLORS[0], lw=1.6, label=f"{name}: {rate}")
        lo, hi = fit.interval(grid)
        ax.fill_between(grid, lo, hi, color=_COLORS[0], alpha=0.12, lw=0,
                        label=f"{int(100 * fit.level)}% prediction interval")
    if forecast is not None:
        ax.errorbar([forecast.year], [forecast.median],
                    yerr=[[forecast.median - forecast.interval[0]], [forecast.interval[1] - forecast.median]],
                    fmt="*", ms=12, color=_COLORS[1], capsize=4, zorder=4,
                    label=f"forecast {forecast.year:g}: {_money(forecast.median, series.unit)}")
    if crossing is not None:
        ax.axhline(crossing.value, color=_COLORS[2], ls="--", lw=1,
                   label=f"{crossing.direction} {_money(crossing.value, series.unit)}: "
                         f"{f'{crossing.year:.1f}' if crossing.year else 'not reached'}")
        lo_, hi_ = crossing.interval
        if lo_ is not None:
            ax.axvspan(lo_, hi_ if hi_ is not None else ax.get_xlim()[1], color=_COLORS[2], alpha=0.08)
    ax.set_yscale("log")
    ax.set_xlabel("date (year)")
    ax.set_ylabel(series.unit)
    ax.set_title(title or series.title, fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    _label_points(ax, fitted.years, fitted.values, fitted.labels)
    return _save(fig, path)


def plot_forecast(series, path, *, fit, forecast, points: str = "default", title=None):
    """Fan chart of a structural forecast: the points, the 50% and 90% bands to the forecast year, the
    median, the physical floor; beside it each driver's factor a year with its interval and share of variance."""
    plt = _plt()
    fig, (ax, ad) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [1.6, 1]})
    fitted = series.select("records")
    ids = {(p.date, p.value, p.label) for p in fitted.points}
    others = [(t, v) for t, v, p in zip(series.years, series.values, series.points) if (p.date, p.value, p.label) not in ids]
    if others:
        ax.scatter(*zip(*others), s=12, color="#9e9e9e", alpha=0.7, label="other points", zorder=2)
    ax.scatter(fitted.years, fitted.values, s=28, color=_COLORS[0], zorder=3, label="records (cheapest so far)")
    grid = np.linspace(fit.t_max, max(forecast.year, fit.t_max + 0.1), 40)
    for level, alpha in ((0.9, 0.15), (0.5, 0.3)):
        lo, hi = fit.interval(grid, level)
        ax.fill_between(grid, lo, hi, color=_COLORS[1], alpha=alpha, lw=0, label=f"{int(100 * level)}% interval")
    ax.plot(grid, fit.predict(grid), color=_COLORS[1], lw=1.6, label="median")
    fgrid = np.linspace(fit.t_min, max(forecast.year, fit.t_max + 0.1), 80)
    ax.plot(fgrid, fit.floor(fgrid), color="k", ls="--", lw=1, label="physical floor (energy x least compute)")
    ax.errorbar([forecast.year], [forecast.median],
                yerr=[[forecast.median - forecast.interval[0]], [forecast.interval[1] - forecast.median]],
                fmt="*", ms=12, color=_COLORS[1], capsize=4, zorder=4,
                label=f"{forecast.year:g}: {_money(forecast.median, series.unit)}")
    ax.set_yscale("log")
    ax.set_xlabel("date (year)")
    ax.set_ylabel(series.unit)
    ax.set_title(title or series.title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    _label_points(ax, fitted.years, fitted.values, fitted.labels, max_labels=8)
    drv = list(forecast.drivers)
    y = np.arange(len(drv))[::-1]
    for yi, d in zip(y, drv):
        f, (a, b) = d["factor_per_year"], d["interval"]
        ad.errorbar([f], [yi], xerr=[[f - a], [b - f]], fmt="o", color=_COLORS[0], capsize=4)
        ad.text(b * 1.03, yi, f"x{f:.2f}/yr, {100 * d['share_of_variance']:.0f}% of variance", va="center", fontsize=7)
    ad.axvline(1, color="k", lw=0.8)
    ad.set_xscale("log")
    if drv:  # room on the right for each driver's label
        lo = min(min(d["interval"][0], 1.0) for d in drv)
        hi = max(max(d["interval"][1], 1.0) for d in drv) * 3.0
        ad.set_xlim(lo / 1.15, hi)
        from matplotlib.ticker import NullFormatter

        ticks = [v for v in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10) if lo / 1.15 <= v <= hi]
        ad.set_xticks(ticks, [f"x{v:g}" for v in ticks], fontsize=8)
        ad.xaxis.set_minor_formatter(NullFormatter())
    ad.set_yticks(y, [textwrap.fill(d["name"], 14) for d in drv], fontsize=8)
    ad.set_ylim(-0.8, len(drv) - 0.2)
    ad.set_xlabel(f"factor a year to {forecast.year:g} ({int(100 * forecast.level)}% interval)")
    ad.set_title("Drivers (cost = product of the drivers)", fontsize=10)
    ad.grid(axis="x", which="both", alpha=0.2)
    return _save(fig, path)


def plot_backtest(results, path, title="Backtest: realised values against the intervals stated before them"):
    """Left: log10 error against horizon. Middle: coverage by series and method. Right: the realised values of
    one series (the first with forecasts) against the intervals each method stated at its cut-offs."""
    plt = _plt()
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(17, 5), gridspec_kw={"width_ratios": [1.2, 1, 1.3]})
    names = list(dict.fromkeys(r.series for r in results))
    ref = "ols" if any(r.method == "ols" for r in results) else results[0].method  # the errors of one method
    for i, name in enumerate(names):
        for r in results:
            if r.series == name and r.rows and r.method == ref:
                a1.scatter([x["horizon_years"] for x in r.rows], [x["log10_error"] for x in r.rows], s=10,
                           color=_COLORS[i % len(_COLORS)], alpha=0.6, label=name)
    a1.axhline(0, color="k", lw=0.8)
    a1.set_xlabel("horizon (years after the last fitted point)")
    a1.set_ylabel(f"log10(actual / {ref} median)")
    a1.legend(fontsize=7)
    a1.grid(alpha=0.3)
    methods = sorted({r.method for r in results})
    width = 0.8 / max(len(methods), 1)
    for j, m in enumerate(methods):
        cov = [next((r.coverage for r in results if r.series == n and r.method == m and r.rows), np.nan) for n in names]
        nn = [next((r.n_forecasts for r in results if r.series == n and r.method == m), 0) for n in names]
        ys = np.arange(len(names)) + (j - (len(methods) - 1) / 2) * width
        a2.barh(ys, cov, height=width, color=_COLORS[j], label=m)
        for yy, c, n in zip(ys, cov, nn):
            if n:
                a2.text((0 if np.isnan(c) else c) + 0.01, yy, f"n={n}", va="center", fontsize=7)
    level = results[0].level if results else 0.9
    a2.axvline(level, color="k", ls="--", lw=1, label=f"nominal {int(100 * level)}%")
    a2.set_yticks(range(len(names)), names, fontsize=8)
    a2.set_xlim(0, 1.15)
    a2.set_xlabel("share of realised values inside the interval")
    a2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    first = next((r.series for r in results if r.rows), None)
    for j, r in enumerate(x for x in results if x.series == first):
        xs = np.array([x["year"] for x in r.rows]) + (j - (len(methods) - 1) / 2) * 0.03
        lo, hi = np.array([x["low"] for x in r.rows]), np.array([x["high"] for x in r.rows])
        a3.vlines(xs, np.maximum(lo, 1e-300), hi, color=_COLORS[methods.index(r.method)], alpha=0.35, lw=2,
                  label=f"{r.method}: {r.n_forecasts} intervals, {100 * r.coverage:.0f}% cover")
    if first is not None:
        r = min((x for x in results if x.series == first and x.rows), key=lambda x: x.interval_score)  # best score
        ok = np.array([x["inside"] for x in r.rows])
        ys, vs = np.array([x["year"] for x in r.rows]), np.array([x["actual"] for x in r.rows])
        a3.scatter(ys[ok], vs[ok], s=14, color="k", zorder=3, label=f"realised, inside ({r.method})")
        a3.scatter(ys[~ok], vs[~ok], s=22, color=_COLORS[1], marker="x", zorder=3, label=f"realised, outside ({r.method})")
        a3.set_yscale("log")
        a3.set_title(f"{first}: realised vs the intervals stated at each cut-off", fontsize=9)
        a3.legend(fontsize=7, loc="best")
        a3.grid(alpha=0.3)
        a3.set_xlabel("date (year)")
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def plot_decomposition(decomp, path):
    """Annual declines: costcurve's total, algorithms and hardware next to the published rates."""
    plt = _plt()
    rows = [("costcurve: total", decomp.total)] + [(f"costcurve: {p.name}", p) for p in decomp.parts] + \
           [(f"costcurve: {p.name}", p) for p in decomp.hardware_parts]
    labels, vals, errs, colors = [], [], [], []
    comp_color = {"total": _COLORS[0], "algorithms": _COLORS[2], "hardware": _COLORS[1]}
    for name, c in rows:
        labels.append(name)
        vals.append(100 * c.annual_decline)
        ci = c.annual_decline_ci
        errs.append((100 * (c.annual_decline - ci[0]), 100 * (ci[1] - c.annual_decline)) if ci else (0, 0))
        key = "total" if "total" in name else ("algorithms" if "algorithms" in name else "hardware")
        colors.append(comp_color[key])
    for t in decomp.published_totals():
        labels.append(f"{t['hardware']} x {t['algorithms']}")
        vals.append(100 * t["annual_decline"])
        errs.append((0, 0))
        colors.append(comp_color["total"])
    for p in decomp.published:
        labels.append(f"{p['id']}: {p['component']}")
        vals.append(100 * p["annual_decline"])
        ci = p["annual_decline_ci"]
        errs.append((100 * (p["annual_decline"] - ci[0]), 100 * (ci[1] - p["annual_decline"])) if ci else (0, 0))
        colors.append(comp_color.get(p["component"], "#777777"))
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(labels) + 1.4))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, vals, xerr=np.array(errs).T, color=colors, alpha=0.85, capsize=3)
    for yi, v in zip(y, vals):
        ax.text(v + 1, yi + 0.22, f"{v:.0f}%", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("annual decline (%/yr); whiskers: interval where published or fitted; 'a x b': published rates composed")
    ax.set_title(f"Why the cost of {decomp.series} falls: (1 - total) = (1 - hardware)(1 - algorithms)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_claims(rows, path):
    """Ratio to the claimed value, on a log axis: ARK's own arithmetic and costcurve's recomputation."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows):
        if r.ark_ratio:
            ax.scatter([r.ark_ratio], [yi], marker="o", facecolors="none", edgecolors=_COLORS[1], s=40, zorder=3)
        if r.ratio:
            ax.scatter([r.ratio], [yi], marker="s", color=_COLORS[0], s=30, zorder=3)
            ax.text(r.ratio * 1.15, yi - 0.05, f"{r.ratio:.2g}x", fontsize=7, va="center")
    ax.scatter([], [], marker="o", facecolors="none", edgecolors=_COLORS[1], label="ARK's own arithmetic")
    ax.scatter([], [], marker="s", color=_COLORS[0], label="costcurve data and fits")
    ax.axvline(1, color="k", lw=0.8)
    ax.axvspan(0.5, 2, color="#2ca02c", alpha=0.07, label="within 2x")
    ax.set_xscale("log")
    ax.set_yticks(y, [r.id for r in rows], fontsize=8)
    ax.set_xlabel("recomputed value / claimed value")
    ax.set_title("ARK Invest's AI-cost claims, recomputed", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", which="both", alpha=0.2)
    return _save(fig, path)
