"""Report sections of ``lifecycle`` (cost per month of each option, NPVs, the cheapest path and its switch
points, utilisation by hour, what drives the spread) and ``posttrain`` (accelerator-hours, wall clock and
dollars of RL post-training and the share of each part), each from its command's ``--json`` dict."""

from __future__ import annotations

import itertools
import math
from html import escape

from . import html as H
from . import svg
from .common import uncertainty_section
from .sections_plan import P, _answer, _finish

_DASH = ("", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 3"', ' stroke-dasharray="9 3 2 3"')
_COLOURS = ("#2f6fb3", "#b35c00", "#5b8a3c", "#9aa4b5", "#6fa8dc", "#e8a35c")  #: the report's .seg0-5 fills


def lines(series, *, xs, fmt, xlabel: str, ylabel: str, title: str, clip: bool = False) -> str:
    """Several lines on linear axes (values may be negative: resale): ``series`` of (label, [y per x]),
    ``xs`` the shared x values; a legend names each line (colour and dash, for print). ``clip``: the axis
    spans the 5th–95th percentile of the values (widened by a fifth) and a spike beyond it is drawn at the
    edge with a ring (a purchase month would otherwise flatten every other line)."""
    ys = sorted(v for _, s in series for v in s if v is not None and math.isfinite(v))
    if not ys or len(xs) < 2:
        return ""
    if clip:
        q = lambda f: ys[min(len(ys) - 1, int(f * (len(ys) - 1)))]  # noqa: E731
        pad = 0.2 * (q(0.95) - q(0.05))
        lo, hi = min(q(0.05) - pad, 0.0), max(q(0.95) + pad, 0.0)
    else:
        lo, hi = min(ys[0], 0.0), max(ys[-1], 0.0)
    hi = hi if hi > lo else lo + 1.0
    x0, x1, y0, y1 = 78, svg.W - 16, 26, 262
    X = lambda x: x0 + (x1 - x0) * (x - xs[0]) / (xs[-1] - xs[0])  # noqa: E731
    Y = lambda v: y1 - (y1 - y0) * (v - lo) / (hi - lo)  # noqa: E731
    out = []
    for t in svg._nice_ticks(lo, hi, 5):
        out.append(f'<line class="grid" x1="{x0}" y1="{Y(t):.1f}" x2="{x1}" y2="{Y(t):.1f}"/>')
        out.append(svg._text(x0 - 6, Y(t) + 4, fmt(t), "end", "tick"))
    for t in svg._nice_ticks(xs[0], xs[-1], 8):
        out.append(svg._text(X(t), y1 + 16, f"{t:g}", "middle", "tick"))
    out.append(f'<line class="axis" x1="{x0}" y1="{Y(0):.1f}" x2="{x1}" y2="{Y(0):.1f}"/>')
    out.append(f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>')
    for i, (label, s) in enumerate(series):
        ok = [(x, v) for x, v in zip(xs, s) if v is not None and math.isfinite(v)]
        pts = " ".join(f"{X(x):.1f},{Y(min(max(v, lo), hi)):.1f}" for x, v in ok)
        for x, v in ok:
            if not lo <= v <= hi:
                out.append(f'<circle cx="{X(x):.1f}" cy="{Y(min(max(v, lo), hi)):.1f}" r="4" fill="none" '
                           f'style="stroke:{_COLOURS[i % 6]}"><title>{escape(label)}, {xlabel} {x:g}: '
                           f'{escape(fmt(v))} (beyond the axis)</title></circle>')
        out.append(f'<polyline class="fit" fill="none" style="stroke:{_COLOURS[i % 6]}"{_DASH[i % 4]} '
                   f'points="{pts}"><title>{escape(label)}</title></polyline>')
    out.append(svg._text((x0 + x1) / 2, y1 + 34, xlabel, "middle", "axislabel"))
    out.append(svg._text(14, (y0 + y1) / 2, ylabel, "middle", "axislabel",
                         f' transform="rotate(-90 14 {(y0 + y1) / 2:.1f})"'))
    ly, lx = y1 + 56, x0
    for i, (label, _) in enumerate(series):
        w = 40 + 6.6 * len(label)
        if lx + w > x1:
            lx, ly = x0, ly + 18
        out.append(f'<line class="fit" style="stroke:{_COLOURS[i % 6]}"{_DASH[i % 4]} x1="{lx}" y1="{ly - 4}" '
                   f'x2="{lx + 24}" y2="{ly - 4}"/>')
        out.append(svg._text(lx + 30, ly, label, cls="val"))
        lx += w
    return svg._svg(ly + 10, "".join(out), title)


# ---- lifecycle ----------------------------------------------------------------------------------------
def _path_sentence(d: dict) -> str:
    sw = [s for s in d.get("switch_points") or () if isinstance(s, dict)]
    cheapest = str(d.get("cheapest") or "")
    if not sw:
        opt = (d.get("options") or {}).get(cheapest)
        what = opt.get("label") if isinstance(opt, dict) and opt.get("label") else cheapest
        return f"The cheapest path is {what} for the whole horizon (NPV {H.usd(d.get('cheapest_npv_usd'))})."
    steps = "; ".join(f"{s.get('description')} (month {s.get('month')}, {s.get('date')})" for s in sw)
    return f"The cheapest path is {cheapest} (NPV {H.usd(d.get('cheapest_npv_usd'))}): {steps}."


def lifecycle_sections(d: dict, *, values=None, command=None, full: bool = True, result=None) -> list[H.Section]:
    a = d.get("assumptions") or {}
    opts = {k: o for k, o in (d.get("options") or {}).items() if isinstance(o, dict)}
    mc = (d.get("sensitivity") or {}).get("npv_usd") or {}
    text = (f"{a.get('model')} serving {H.count(a.get('queries_per_day'))} queries a day, growing "
            f"×{H.num(a.get('growth_per_year'))} a year, peak hour {H.num(a.get('peak_to_mean'))} × the mean, over "
            f"{H.num(a.get('years'))} years at {H.pct(a.get('discount_rate'), 0)}. " + _path_sentence(d))
    figs = [H.figure(f"options.{k}.npv_usd", o.get("npv_usd"), H.usd, f"{k}: net present value",
                     str(o.get("label") or "") + (f"; 90%: {H.usd(mc[k]['p5'])}–{H.usd(mc[k]['p95'])}"
                                                  if "p5" in (mc.get(k) or {}) else "")) for k, o in opts.items()]
    secs = [_answer(text, *figs)]
    months = int(a.get("months") or max((len(o.get("monthly_usd") or ()) for o in opts.values()), default=0))
    monthly = [(k, [float(x) for x in o.get("monthly_usd") or ()]) for k, o in opts.items()]
    xs = list(range(1, months + 1))
    out = H.chart(lines(monthly, xs=xs, fmt=H.usd, xlabel="month", ylabel="USD per month",
                        title="Cost per month of each option", clip=True),
                  "Each option's dollars in each month of the horizon (undiscounted); months beyond the axis (an "
                  "owned fleet's purchases, its resale as a negative last month) are ringed at its edge, their "
                  "figures in the table and the JSON.")
    out += H.chart(lines([(k, list(itertools.accumulate(m))) for k, m in monthly], xs=xs, fmt=H.usd, xlabel="month",
                         ylabel="USD so far", title="Cumulative cost of each option"),
                   "The running total of each option's dollars (undiscounted): where two lines cross, the one "
                   "below becomes the cheaper so far; a switch point moves from one line to the other.")
    rows = []
    for k, o in opts.items():
        m, s = o.get("monthly_usd") or [None], mc.get(k) or {}
        rng = f"{H.usd(s['p5'])}–{H.usd(s['p95'])}" if "p5" in s else "—"
        rows.append((k, o.get("label"), H.usd(o.get("npv_usd")), rng, H.usd(m[0]), H.usd(m[-1])))
    out += H.table(["option", "what", "NPV", "NPV p5–p95", "month 1", f"month {months}"], rows)
    secs.append(H.Section("breakdown", "Cost per month and net present values", out))
    secs.append(H.Section("utilization", "Utilisation by hour", _utilization(d.get("utilization_by_hour") or {})))
    secs.append(_drivers(d.get("sensitivity") or {}))
    return _finish("lifecycle", d, secs, values=values, command=command, full=full)


def _utilization(util: dict) -> str:
    out = ""
    for month, row in util.items():
        if not isinstance(row, dict) or not row:
            continue
        name = month.replace("_", " ")
        out += H.chart(lines([(k, [float(x) for x in u]) for k, u in row.items()], xs=list(range(24)),
                             fmt=lambda v: f"{100 * v:.0f}%", xlabel="hour of the day", ylabel="busy share",
                             title=f"Utilisation by hour, {name}"),
                       f"Share of the self-hosted capacity busy in each hour of a day in {name}: replicas scaled by "
                       "the hour stay busy; a fleet held at the peak idles at night.")
    return out


def _drivers(sens: dict) -> H.Section:
    rows = [(k, x.get("input"), H.pct(x.get("share"), 0)) for k, drivers in (sens.get("drivers") or {}).items()
            for x in drivers or () if isinstance(x, dict) and (x.get("share") or 0) >= 0.05]
    out = (f"<p>{H.count(sens.get('samples'))} Monte Carlo draws (seed {escape(str(sens.get('seed')))}) of the ranges "
           "and both price trends' slopes; each input's share of an option's NPV spread (squared Spearman "
           "correlation, normalised).</p>" + H.table(["option", "input", "share of the spread"], rows)) if rows else ""
    return H.Section("uncertainty", "What drives the spread", out)


# ---- posttrain ----------------------------------------------------------------------------------------
def _wall(days) -> str:
    return "n/a" if days is None else H.duration(86400.0 * float(days))


def posttrain_sections(d: dict, *, values=None, command=None, full: bool = True, result=None) -> list[H.Section]:
    u = d.get("uncertainty") or {}
    g = d.get("generation") or {}
    share = (d.get("shares") or {}).get("generation")
    text = (f"{str(d.get('method')).upper()} on {d.get('model')}: {H.num(d.get('steps'))} steps of "
            f"{H.num(d.get('prompts'))} prompts × {H.num(d.get('samples_per_prompt'))} "
            f"{'sample' if d.get('samples_per_prompt') == 1 else 'samples'} on "
            f"{H.num(d.get('gpus'))} × {d.get('gpu')} ({d.get('pools')}) take {H.hours(d.get('gpu_hours'))}, "
            f"{_wall(d.get('wall_clock_days'))} and {H.usd(d.get('cost_usd'))}"
            + (f"; generation is {H.pct(share, 0)} of it." if share else "."))
    key = (lambda k: f"uncertainty.{k}") if u else (lambda k: k)
    pick = (lambda k: u[k]) if u else d.get
    figs = [H.figure(key("gpu_hours"), pick("gpu_hours"), H.hours, "accelerator-hours",
                     "wall clock × accelerators (idle included)"),
            H.figure(key("wall_clock_days"), pick("wall_clock_days"), _wall, "wall clock",
                     "the parts of a step, colocated in turn or split pools waiting for each other"),
            H.figure(key("cost_usd"), pick("cost_usd"), H.usd, "cost",
                     f"accelerator-hours × ${P(d.get('price_usd_per_gpu_hour')):.2f}/h ({d.get('price_source')})"),
            H.figure("shares.generation", share, lambda v: H.pct(v, 0), "generation",
                     "share of the accelerator-hours spent generating rollouts (the serving step model)")]
    if g:
        figs.append(H.figure("generation.tokens_generated_per_step", g.get("tokens_generated_per_step"), H.count,
                             "tokens generated per step", "prompts × samples × mean generated length"))
    secs = [_answer(text, *figs)]
    parts = [(k, v) for k, v in (d.get("parts_gpu_hours") or {}).items() if v]
    out = H.chart(svg.stacked(parts, fmt=H.hours, xlabel="accelerator-hours", title="Accelerator-hours by part"),
                  "What the accelerator-hours are made of; the parts sum to the total.")
    out += H.table(["part", "share", "accelerator-hours", "seconds per step"],
                   [(k, H.pct((d.get("shares") or {}).get(k)), H.hours(v), H.num((d.get("step_s") or {}).get(k)))
                    for k, v in parts])
    if g:
        out += (f"<p>Generation: {H.num(g.get('replicas'))} replicas of TP{g.get('tp')} × PP{g.get('pp', 1)} "
                f"({escape(str(g.get('dtype', 'bf16')))}), batch cap {H.num(g.get('batch_cap'))}, mean running batch "
                f"{H.num(g.get('mean_running_batch'))} ({H.pct(g.get('batch_fill'), 0)} full: the long tail of lengths "
                "drains the batch before the step ends).</p>")
    secs.append(H.Section("breakdown", "Where the accelerator-hours go", out))
    if u:
        secs.append(uncertainty_section({**u, "sensitivity": {"inputs": u.get("drivers") or []}},
                                        [("gpu_hours", "accelerator-hours", H.hours),
                                         ("wall_clock_days", "wall clock", _wall), ("cost_usd", "cost", H.usd)],
                                        "the cost"))
    return _finish("posttrain", d, secs, values=values, command=command, full=full)
