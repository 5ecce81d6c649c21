"""Report sections for any command's ``--json`` dict, read by the project's naming convention: the unit
is in the key (``_usd``, ``_s``, ``_days``, ``_hours``, ``_bytes``, ``_flop``, ``_per_s``), breakdowns
are dicts of numbers (with an optional ``total``), tables are lists of dicts.

New commands (plan, deploy, the decisions) get a complete report, web page and notebook display from
this module without code of their own; a kind may still register its own sections.
"""

from __future__ import annotations

import math
from html import escape

from . import html as H
from . import svg
from .common import context_section, inputs_section, reproduce_section, sources_table, uncertainty_section

MAX_FIGURES = 12
MAX_ROWS = 20
MAX_TEXT = 60  #: longest text in a table cell before it is shortened
TEXT_KEYS = ("answer", "recommendation", "decision", "verdict", "summary")
#: run metadata shown elsewhere (uncertainty section, reproduce line), not as figures or tables
META = {"samples", "seed", "sensitivity", "notes"}


def unit_formatter(key: str, fields=()):
    """A formatter for a value named ``key`` (its unit is in its name; :mod:`costcurve.display`)."""
    from costcurve.display import formatter, unit_of

    return formatter(unit_of(key, fields))


def _label(key: str) -> str:
    """``wall_clock_days`` → "wall clock", ``cost_usd`` → "cost": the unit is in the value shown."""
    parts = [p for p in key.split("_") if p != "usd"] or [key]
    if len(parts) > 2 and parts[-1] in ("s", "days", "hours", "bytes", "kwh"):
        parts = parts[:-1]
    return " ".join(parts)


def _is_num(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)) or \
        (isinstance(v, dict) and "p50" in v and isinstance(v["p50"], (int, float)))


def _answer(title: str, d: dict, scalars: list) -> str:
    for k in TEXT_KEYS:
        if isinstance(d.get(k), str) and d[k]:
            return d[k]
    if not scalars:
        lists = [f"{len(v)} {_label(k)}" for k, v in d.items() if isinstance(v, list) and v]
        return f"{title}: {', '.join(lists)}." if lists else title
    shown = "; ".join(f"{_label(k)} {H.with_interval(v, unit_formatter(k))}" for k, v in scalars[:4])
    return f"{title}: {shown}." if shown else title


def _rank(key: str) -> int:
    k = key.lower()
    for i, part in enumerate(("usd", "_days", "_hours", "_s", "mfu", "goodput", "_per_s")):
        if part in k:
            return i
    return 99


def _breakdown_chart(key: str, part: dict, parent_fmt=None) -> str:
    fmt = parent_fmt or unit_formatter(key)
    nums = [(k, H.p50(v)) for k, v in part.items() if k != "total" and _is_num(v)]
    items = [(k, v) for k, v in nums if v >= 0]
    if len(items) < 2:
        return ""
    total = H.p50(part.get("total")) if _is_num(part.get("total")) else sum(v for _, v in nums)
    credits = [f"{_label(k)} {fmt(v)}" for k, v in nums if v < 0]
    note = f" Credits are listed, not drawn: {', '.join(credits)}." if credits else ""
    return H.chart(svg.hbars(items, fmt=fmt, xlabel=f"{_label(key)} (median where a range)", title=_label(key)),
                   f"{_label(key).capitalize()} by part; the parts sum to {fmt(total)}.{note}")


def _list_table(key: str, rows: list) -> str:
    rows = [r for r in rows if isinstance(r, dict)][:MAX_ROWS]
    if not rows:
        return ""
    flat = []
    for r in rows:
        f = {}
        for k, v in r.items():
            if isinstance(v, dict):
                f.update({f"{k}.{kk}": vv for kk, vv in v.items() if not isinstance(vv, (dict, list))})
            elif not isinstance(v, list):
                f[k] = v
        flat.append(f)
    cols = list(dict.fromkeys(k for f in flat for k in f))[:10]
    return f"<h3>{escape(_label(key))}</h3>" + H.table(cols, [[cell(c, f.get(c)) for c in cols] for f in flat])


def cell(key: str, v):
    """A table cell: a number in its unit, or text (long text shortened, in full on hover)."""
    if _is_num(v):
        return unit_formatter(key.split(".")[-1])(H.p50(v))
    text = "" if v is None else str(v)
    if len(text) <= MAX_TEXT:
        return text
    return H.Raw(f'<span title="{escape(text)}">{escape(text[:MAX_TEXT - 1])}…</span>')


def generic_sections(kind_name: str, d, *, values=None, command=None, full: bool = True) -> list:
    """Sections of any ``--json`` result (a dict, or a list of dicts)."""
    from .registry import get_kind

    title = get_kind(kind_name).title
    if isinstance(d, list):
        secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(title)}: {len(d)} rows.</p>'),
                H.Section("breakdown", "Results", _list_table("results", d))]
        return secs + ([inputs_section(kind_name, values), reproduce_section(command)] if full else [])
    scalars = sorted(((k, v) for k, v in d.items() if _is_num(v) and k not in META), key=lambda kv: _rank(kv[0]))
    dicts = {k: v for k, v in d.items() if isinstance(v, dict) and not _is_num(v) and k not in META}
    money = {k: v for k, v in dicts.items() if k.endswith("usd") and all(_is_num(x) for x in v.values())}
    figs = [H.figure(f"{k}.{kk}", vv, H.usd, f"{_label(k)}: {kk}", f"--json key {k}.{kk}")
            for k, v in money.items() for kk, vv in v.items()]
    figs += [H.figure(k, v, unit_formatter(k), _label(k), f"--json key {k}") for k, v in scalars]
    answer = _answer(title, d, scalars + [(f"{k} {kk}", vv) for k, v in money.items() for kk, vv in v.items()])
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(answer)}</p>'
                      + H.figures(*figs[:MAX_FIGURES]))]
    texts = [(_label(k), "", v) for k, v in d.items() if isinstance(v, str) and (k.endswith("source") or k == "why")]
    if full:
        secs.append(inputs_section(kind_name, values, "<h3>Sources and reasons</h3>" + sources_table(texts)
                                   if texts else ""))
    out = ""
    for k, v in dicts.items():
        nums = {kk: vv for kk, vv in v.items() if _is_num(vv)}
        if len(nums) >= 2 and len(nums) == len(v) - sum(1 for x in v.values() if x is None):
            out += _breakdown_chart(k, nums, H.usd if k in money else None)
        else:
            rows = [(_label(kk), cell(kk, vv)) for kk, vv in v.items() if not isinstance(vv, (dict, list))]
            if rows:
                out += f"<h3>{escape(_label(k))}</h3>" + H.table(["", "value"], rows)
    for k, v in d.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            out += _list_table(k, v)
    secs.append(H.Section("breakdown", "Breakdowns", out))
    spread = [(k, _label(k), unit_formatter(k)) for k, v in scalars if isinstance(v, dict)]
    secs.append(uncertainty_section(d, spread, "the main figure"))
    if full:
        cost = next((H.p50(v.get("cloud") or next(iter(v.values()))) for v in money.values() if v), None)
        if cost is None:
            cost = next((H.p50(v) for k, v in scalars if k.endswith("_usd")), None)
        if d.get("date") and cost:
            secs.append(context_section(cost, d["date"], "cost of the same work"))
        secs.append(reproduce_section(command, [n for n in d.get("notes") or () if isinstance(n, str)]))
    return secs
