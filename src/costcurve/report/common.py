"""Sections every report has: inputs (given and default), uncertainty, trend context, reproduce."""

from __future__ import annotations

from html import escape

from . import html as H
from . import svg

COTTIER = "https://arxiv.org/abs/2405.21015"  #: Cottier et al. (2024), The rising costs of training frontier AI models


def inputs_section(kind_name: str, values: dict | None, assumptions_html: str = "") -> H.Section:
    """The options given, the ones left at the CLI's defaults, and the assumptions with their sources."""
    from .registry import get_kind, parameters

    values = values or {}
    params = parameters(get_kind(kind_name))
    given = [(p.label, _show(values[p.name]), _meaning(p.help)) for p in params if p.name in values]
    rest = [(p.label, "" if p.default is None else _show(p.default), _meaning(p.help)) for p in params
            if p.name not in values]
    out = H.table(["option", "value given", "meaning"], given) if given else '<p class="note">No options given.</p>'
    out += ('<details><summary>Options left at their defaults</summary>'
            + H.table(["option", "default", "meaning"], rest) + "</details>")
    return H.Section("inputs", "Inputs and assumptions", out + assumptions_html)


def _meaning(help_text: str) -> str:
    """An option's help without its pointers to other commands ("(see `costcurve catalog gpus`)"): the
    page and the report list the options, the command line's help lists the catalogs."""
    import re

    return re.sub(r"\s*\((?:see|run) `costcurve [^`]*`\)", "", help_text or "")


def _show(v) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


def uncertainty_section(data: dict, rows, target_label: str) -> H.Section:
    """Spread of each figure that varies (p5–p50–p95) and the inputs ranked by their share of it."""
    if not isinstance(data, dict) or "samples" not in data:
        return H.Section("uncertainty", "Uncertainty", "")
    items = []
    for key, label, fmt in rows:
        v = data.get(key)
        if isinstance(v, dict) and "p50" in v:
            items.append((label, v["p5"], v["p50"], v["p95"], f"{fmt(v['p5'])}–{fmt(v['p95'])}"))
    seed = data.get("seed")
    out = (f'<p>{data["samples"]:,} Monte Carlo samples'
           + (f', seed {seed}' if seed is not None else ' (no --seed: the last digits vary between runs)')
           + '. Ranges such as <code>0.3..0.5</code> are 90% intervals (lognormal).</p>')
    out += H.chart(svg.intervals(items, title="Spread of each figure"),
                   "Each bar spans the 5th to 95th percentile of a figure, relative to its median (the dot); "
                   "the right column gives the same range in its unit.")
    sens = (data.get("sensitivity") or {}).get("inputs") or []
    if sens:
        out += H.chart(svg.hbars([(s["input"], s["share"]) for s in sens], fmt=lambda x: f"{100 * x:.0f}%",
                                 xlabel="share of the rank variance of " + target_label, title="Sensitivity"),
                       f"Which input drives the spread of {target_label}: squared Spearman rank correlation of "
                       f"each sampled input with it, as shares that sum to 100%.")
        out += H.table(["input", "Spearman ρ", "share"],
                       [(s["input"], f"{s['spearman']:+.2f}", H.pct(s["share"], 0)) for s in sens])
    return H.Section("uncertainty", "Uncertainty", out)


def context_section(cost_usd, date, what: str) -> H.Section:
    """What the same work cost before and is forecast to cost in 2030 (see :mod:`.context`)."""
    from .context import same_work_cost

    try:
        ctx = same_work_cost(cost_usd, date)
    except (ValueError, TypeError):  # an undated or unpriced result has no trend context
        return H.Section("context", "Trend context", "")
    if ctx is None:
        return H.Section("context", "Trend context", "")
    rows, marks = [], []
    for r in ctx["rows"]:
        iv = r["usd_interval"]
        ivtxt = "" if iv is None else f"{H.usd(iv[0])}–{H.usd(iv[1])} ({r['interval_kind']})"
        if r.get("usd_interval_new_observation"):
            lo, hi = r["usd_interval_new_observation"]
            ivtxt += f"; a single accelerator: {H.usd(lo)}–{H.usd(hi)}"
        when = f"{r['year']:.0f}" if r["interval_kind"] != "this estimate" else f"{r['year']:.1f} (now)"
        rows.append((when, H.usd(r["usd"]), ivtxt))
        marks.append((r["year"], r["usd"], iv[0] if iv else None, iv[1] if iv else None, f"{when}: {H.usd(r['usd'])}"))
    chart = svg.timeseries(marks=marks, fmt=H.usd, ylabel=f"{what} [USD, log]", title="Same work over time",
                           unit="USD")
    out = (f'<p>The same work (same FLOP at the same utilisation) priced along the trend of peak FLOP per rental '
           f'dollar (series <code>{escape(ctx["series"])}</code>: ×{ctx["factor_per_year"]:.2f} a year, fitted on '
           f'{ctx["n_points"]} accelerator-years {ctx["start_year"]:.0f}–{ctx["end_year"]:.0f}; {int(100 * ctx["level"])}% '
           f'intervals; method in docs/trends.md). A trend adjustment, not a repricing of the run.</p>')
    out += H.chart(chart, f"{what.capitalize()} in earlier years and in {rows[-1][0]}, with {int(100 * ctx['level'])}% "
                          "intervals of the price-performance trend (log scale).")
    out += H.table(["year", what, f"{int(100 * ctx['level'])}% interval"], rows)
    return H.Section("context", "Trend context", out)


def reproduce_section(command: str | None, notes=()) -> H.Section:
    if not command:
        return H.Section("reproduce", "Reproduce", "")
    out = f'<pre class="cmd">{escape(command)}</pre><p class="note">Add <code>--json</code> for the figures as JSON; ' \
          f'<code>costcurve report</code> with the same options writes this page.</p>'
    out += "".join(f'<p class="note">note: {escape(n)}</p>' for n in notes)
    return H.Section("reproduce", "Reproduce", out)


def sources_table(rows) -> str:
    """(what, value, source text with URLs) rows → a table whose sources are links."""
    return H.table(["assumption", "value", "source"], [(a, b, H.Raw(f'<span class="src">{H.linkify(c)}</span>'))
                                                       for a, b, c in rows], cls="sources")
