"""Charts as inline SVG, written by hand (no plotting library needed): bars, intervals, a time series.

Every chart has labelled axes and a ``<title>`` for screen readers; text is escaped; values are
formatted by the caller's ``fmt`` so the chart reads like the tables ("$61.4M", "62 days"), and the
ticks of an axis share one unit (:func:`axis_unit`: "0, 20, 40 days", never "0 ms, 23 days").

Each chart also carries its series as JSON (``data-plot``: raw values in base units, the axis unit
and scale, each point's formatted text), from which the web page draws the same chart interactively
and offers it as CSV; the self-contained report keeps the SVG.
"""

from __future__ import annotations

import json
import math
from html import escape

W = 640  #: chart width [px] (scales with the page: viewBox)
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _svg(height: int, body: str, title: str, plot: dict | None = None) -> str:
    data = "" if plot is None else f' data-plot="{escape(json.dumps({"title": title, **plot}, default=float))}"'
    return (f'<svg class="chart" viewBox="0 0 {W} {height}" width="100%" role="img"{data} '
            f'xmlns="http://www.w3.org/2000/svg" {FONT}><title>{escape(title)}</title>{body}</svg>')


_DURATION_UNITS = ((365.25 * 86400, "years"), (86400, "days"), (3600, "hours"), (60, "minutes"), (1, "s"),
                   (1e-3, "ms"), (1e-6, "µs"))


def axis_unit(fmt, vmax: float) -> tuple[float, str, object]:
    """(scale, unit, tick formatter) so that every tick of an axis up to ``vmax`` reads in one unit.

    Durations [s] take the unit of the largest tick (days, hours, s, ms); dollars one suffix ($K, $M,
    $B); bytes GiB. Other formats keep ``fmt`` (unit ""). Tick values are multiples of ``scale``.
    """
    from . import html as H

    v = abs(float(vmax)) if vmax and math.isfinite(vmax) else 1.0
    if fmt is H.duration:
        scale, unit = next(((f, u) for f, u in _DURATION_UNITS if v >= 2 * f or f == 1e-6), (1.0, "s"))
        return scale, unit, lambda t: f"{t / scale:,.4g}"
    if fmt is H.usd:
        scale, suf = next(((f, x) for f, x in ((1e9, "B"), (1e6, "M"), (1e3, "K")) if v >= f), (1.0, ""))
        return scale, "USD", lambda t: f"${t / scale:,.4g}{suf}"
    if fmt is H.gib:
        return 2.0**30, "GiB", lambda t: f"{t / 2**30:,.4g}"
    if fmt is H.days:
        return 1.0, "days", lambda t: f"{t:,.4g}"
    return 1.0, "", fmt


def _with_unit(label: str, unit: str) -> str:
    """The axis title with its unit in brackets ("seconds" alone becomes "time [ms]")."""
    if not unit or unit == "USD" and ("USD" in label or "$" in label) or f"[{unit}" in label:
        return label
    if unit in ("years", "days", "hours", "minutes", "s", "ms", "µs"):
        label = label.replace("seconds", "time").replace("[s]", "").strip()
    return f"{label} [{unit}]"


def _text(x, y, s, anchor="start", cls="", extra=""):
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{escape(str(s))}</text>'


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not hi > lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def hbars(items, *, fmt, xlabel: str, title: str, label_width: int | None = None) -> str:
    """Horizontal bars of (label, value ≥ 0); the value is printed at the end of each bar; the label
    column is as wide as the longest label needs (at most half the chart)."""
    items = [(k, float(v)) for k, v in items if v is not None and math.isfinite(float(v))]
    if not items:
        return ""
    if label_width is None:
        label_width = int(min(max(170, 7 * max(len(str(k)) for k, _ in items) + 12), W / 2))
    top, row, x0, x1 = 10, 24, label_width, W - 90
    vmax = max(v for _, v in items) or 1.0
    h = top + row * len(items) + 44
    out = []
    scale, unit, tick = axis_unit(fmt, vmax)

    def value_text(v):  # a zero reads in the axis' unit ("0 days" beside "100 days", not "0 ms")
        return f"0 {unit}" if v == 0 and unit and unit != "USD" else fmt(v)

    for i, (label, v) in enumerate(items):
        y = top + i * row
        w = (x1 - x0) * max(v, 0) / vmax
        out.append(_text(x0 - 6, y + 15, label, "end"))
        out.append(f'<rect class="bar" x="{x0}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="2"/>')
        out.append(_text(x0 + w + 4, y + 15, value_text(v), cls="val"))
    ya = top + row * len(items) + 4
    out.append(f'<line class="axis" x1="{x0}" y1="{ya}" x2="{x1}" y2="{ya}"/>')
    for t in _nice_ticks(0, vmax / scale, 4):
        x = x0 + (x1 - x0) * t * scale / vmax
        out.append(f'<line class="axis" x1="{x:.1f}" y1="{ya}" x2="{x:.1f}" y2="{ya + 4}"/>')
        out.append(_text(x, ya + 16, tick(t * scale), "middle", "tick"))
    xlabel = _with_unit(xlabel, unit)
    out.append(_text((x0 + x1) / 2, ya + 34, xlabel, "middle", "axislabel"))
    plot = {"type": "bars", "axis": xlabel, "unit": unit, "scale": scale,
            "series": [{"name": xlabel, "labels": [str(k) for k, _ in items], "values": [v for _, v in items],
                        "text": [value_text(v) for _, v in items]}]}
    return _svg(h, "".join(out), title, plot)


def stacked(parts, *, capacity=None, capacity_label: str = "capacity", fmt, xlabel: str, title: str,
            scale: float = 1.0) -> str:
    """One bar split into ``parts`` (label, value ≥ 0), with a legend and an optional ``capacity`` line
    (e.g. an accelerator's memory): what a total is made of and how close it comes to a limit. Axis ticks
    fall on round numbers of ``scale`` (2**30 for GiB)."""
    parts = [(k, float(v)) for k, v in parts if v is not None and math.isfinite(float(v)) and float(v) > 0]
    if not parts:
        return ""
    x0, x1, y, bar = 24, W - 24, 26, 26
    total = sum(v for _, v in parts)
    vmax = max(total, capacity or 0) or 1.0
    X = lambda v: x0 + (x1 - x0) * v / vmax  # noqa: E731
    out, acc = [], 0.0
    for i, (label, v) in enumerate(parts):
        out.append(f'<rect class="seg seg{i % 6}" x="{X(acc):.1f}" y="{y}" width="{X(acc + v) - X(acc):.1f}" '
                   f'height="{bar}"><title>{escape(label)}: {escape(fmt(v))}</title></rect>')
        acc += v
    if capacity:
        out.append(f'<line class="cap" x1="{X(capacity):.1f}" y1="{y - 8}" x2="{X(capacity):.1f}" y2="{y + bar + 8}"/>')
        out.append(_text(X(capacity), y - 12, f"{capacity_label} {fmt(capacity)}", "end" if X(capacity) > W / 2 else
                         "start", "val"))
    out.append(_text(x0, y - 12, f"total {fmt(total)}", cls="val"))
    ya = y + bar + 10
    out.append(f'<line class="axis" x1="{x0}" y1="{ya}" x2="{x1}" y2="{ya}"/>')
    unit_scale, unit, tick = axis_unit(fmt, vmax)
    scale = unit_scale if unit else scale  # a known unit sets the tick step; else the caller's
    for t in _nice_ticks(0, vmax / scale, 5):
        out.append(_text(X(t * scale), ya + 14, tick(t * scale), "middle", "tick"))
    xlabel = _with_unit(xlabel, unit)
    out.append(_text((x0 + x1) / 2, ya + 30, xlabel, "middle", "axislabel"))
    ly, lx = ya + 50, x0
    for i, (label, v) in enumerate(parts):
        txt = f"{label} {fmt(v)}"
        w = 22 + 6.6 * len(txt)
        if lx + w > x1:
            lx, ly = x0, ly + 18
        out.append(f'<rect class="seg seg{i % 6}" x="{lx}" y="{ly - 10}" width="12" height="12"/>')
        out.append(_text(lx + 16, ly, txt, cls="val"))
        lx += w
    plot = {"type": "stacked", "axis": xlabel, "unit": unit, "scale": scale,
            "capacity": capacity, "capacity_label": capacity_label, "capacity_text": fmt(capacity) if capacity else None,
            "series": [{"name": k, "labels": [k], "values": [v], "text": [fmt(v)]} for k, v in parts]}
    return _svg(ly + 10, "".join(out), title, plot)


def intervals(items, *, title: str, label_width: int = 190) -> str:
    """Spread of Monte Carlo figures: (label, p5, p50, p95, text); x is value ÷ median on a log scale."""
    items = [it for it in items if it[2] and it[1] is not None and it[3] is not None and it[2] > 0 and it[1] > 0]
    if not items:
        return ""
    lo = min(it[1] / it[2] for it in items)
    hi = max(it[3] / it[2] for it in items)
    lo, hi = min(lo, 0.8), max(hi, 1.25)
    llo, lhi = math.log10(lo) - 0.05, math.log10(hi) + 0.05
    top, row, x0, x1 = 10, 24, label_width, W - 150
    X = lambda r: x0 + (x1 - x0) * (math.log10(r) - llo) / (lhi - llo)  # noqa: E731
    h = top + row * len(items) + 44
    out = [f'<line class="grid" x1="{X(1):.1f}" y1="{top}" x2="{X(1):.1f}" y2="{top + row * len(items)}"/>']
    for i, (label, p5, p50, p95, txt) in enumerate(items):
        y = top + i * row + row / 2
        out.append(_text(x0 - 6, y + 4, label, "end"))
        out.append(f'<line class="range" x1="{X(p5 / p50):.1f}" y1="{y:.1f}" x2="{X(p95 / p50):.1f}" y2="{y:.1f}"/>')
        out.append(f'<circle class="mid" cx="{X(1):.1f}" cy="{y:.1f}" r="4"/>')
        out.append(_text(x1 + 8, y + 4, txt, cls="val"))
    ya = top + row * len(items) + 4
    out.append(f'<line class="axis" x1="{x0}" y1="{ya}" x2="{x1}" y2="{ya}"/>')
    for r in (0.25, 0.5, 0.8, 1, 1.25, 2, 4):
        if lo * 0.9 <= r <= hi * 1.1:
            out.append(_text(X(r), ya + 16, f"×{r:g}", "middle", "tick"))
    out.append(_text((x0 + x1) / 2, ya + 34, "value ÷ median (log scale); bar: 5th–95th percentile", "middle",
                     "axislabel"))
    plot = {"type": "intervals", "axis": "value ÷ median", "unit": "ratio", "scale": 1.0,
            "series": [{"name": "5th–95th percentile ÷ median", "labels": [it[0] for it in items],
                        "values": [1.0] * len(items), "low": [it[1] / it[2] for it in items],
                        "high": [it[3] / it[2] for it in items], "text": [it[4] for it in items],
                        "p5": [it[1] for it in items], "p50": [it[2] for it in items], "p95": [it[3] for it in items]}]}
    return _svg(h, "".join(out), title, plot)


def _log_ticks(llo: float, lhi: float) -> list[float]:
    a, b = math.floor(llo), math.ceil(lhi)
    step = max(1, math.ceil((b - a) / 6))
    return [10.0 ** e for e in range(a, b + 1, step) if llo - 1e-9 <= e <= lhi + 1e-9]


def timeseries(*, points=(), line=(), band=(), marks=(), fmt, ylabel: str, title: str, xlabel: str = "year",
               unit: str = "") -> str:
    """A log-scale time series: ``points`` (year, value, label), a fitted ``line`` (year, value), an
    interval ``band`` (year, low, high), and ``marks`` (year, value, low, high, label) with error bars;
    ``unit`` ("USD", "USD per 1M tokens") tells the interactive chart how to mark its ticks."""
    ys = [v for _, v, _ in points] + [v for _, v in line] + [x for _, a, b in band for x in (a, b)]
    ys += [x for m in marks for x in m[1:4] if x is not None]
    ys = [y for y in ys if y is not None and y > 0 and math.isfinite(y)]
    xs = [p[0] for p in points] + [p[0] for p in line] + [b[0] for b in band] + [m[0] for m in marks]
    if not ys or not xs:
        return ""
    llo, lhi = math.log10(min(ys)), math.log10(max(ys))
    if lhi - llo < 1:
        llo, lhi = llo - 0.5, lhi + 0.5
    tlo, thi = min(xs), max(xs)
    tlo, thi = math.floor(tlo), math.ceil(thi + 1e-9)
    x0, x1, y0, y1 = 78, W - 16, 26, 262
    X = lambda t: x0 + (x1 - x0) * (t - tlo) / max(thi - tlo, 1)  # noqa: E731
    Y = lambda v: y1 - (y1 - y0) * (math.log10(v) - llo) / (lhi - llo)  # noqa: E731
    out = []
    for v in _log_ticks(llo, lhi):
        out.append(f'<line class="grid" x1="{x0}" y1="{Y(v):.1f}" x2="{x1}" y2="{Y(v):.1f}"/>')
        out.append(_text(x0 - 6, Y(v) + 4, fmt(v), "end", "tick"))
    step = max(1, round((thi - tlo) / 8))
    for t in range(int(tlo), int(thi) + 1, step):
        out.append(_text(X(t), y1 + 16, t, "middle", "tick"))
    out.append(f'<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/>')
    out.append(f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>')
    band = [b for b in band if b[1] > 0 and b[2] > 0]
    if band:
        pts = [f"{X(t):.1f},{Y(h):.1f}" for t, _, h in band] + [f"{X(t):.1f},{Y(lo):.1f}" for t, lo, _ in reversed(band)]
        out.append(f'<polygon class="band" points="{" ".join(pts)}"/>')
    if line:
        out.append(f'<polyline class="fit" points="{" ".join(f"{X(t):.1f},{Y(v):.1f}" for t, v in line if v > 0)}"/>')
    for t, v, label in points:
        if v and v > 0:
            out.append(f'<circle class="pt" cx="{X(t):.1f}" cy="{Y(v):.1f}" r="3.5"><title>{escape(str(label))}: '
                       f'{escape(fmt(v))} ({t:.1f})</title></circle>')
    for t, v, lo, hi, label in marks:
        if lo and hi and lo > 0 and hi > 0:
            out.append(f'<line class="err" x1="{X(t):.1f}" y1="{Y(lo):.1f}" x2="{X(t):.1f}" y2="{Y(hi):.1f}"/>')
        out.append(f'<rect class="mark" x="{X(t) - 4:.1f}" y="{Y(v) - 4:.1f}" width="8" height="8"/>')
        out.append(_text(X(t) + (-8 if X(t) > W - 120 else 8), Y(v) - 8, label, "end" if X(t) > W - 120 else "start",
                         "val"))
    out.append(_text((x0 + x1) / 2, y1 + 34, xlabel, "middle", "axislabel"))
    out.append(_text(14, (y0 + y1) / 2, ylabel, "middle", "axislabel",
                     f' transform="rotate(-90 14 {(y0 + y1) / 2:.1f})"'))
    series = []
    if points:
        series.append({"name": "observed", "kind": "points", "x": [p[0] for p in points], "y": [p[1] for p in points],
                       "labels": [str(p[2]) for p in points], "text": [fmt(p[1]) for p in points]})
    if line:
        series.append({"name": "fit", "kind": "line", "x": [p[0] for p in line], "y": [p[1] for p in line],
                       "text": [fmt(p[1]) for p in line]})
    if band:
        series.append({"name": "interval", "kind": "band", "x": [b[0] for b in band], "low": [b[1] for b in band],
                       "high": [b[2] for b in band]})
    if marks:
        series.append({"name": "marked years", "kind": "marks", "x": [m[0] for m in marks], "y": [m[1] for m in marks],
                       "low": [m[2] for m in marks], "high": [m[3] for m in marks], "labels": [str(m[4]) for m in marks],
                       "text": [fmt(m[1]) for m in marks]})
    plot = {"type": "timeseries", "axis": ylabel, "xaxis": xlabel, "unit": unit, "scale": 1.0, "series": series}
    return _svg(y1 + 44, "".join(out), title, plot)
