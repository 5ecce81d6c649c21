"""HTML pieces shared by the report file, the web page and notebooks: readable numbers, figures with
their raw value attached (``data-key``/``data-value``, so a test or a script reads the number, not the
text), tables, sections and the self-contained page (inline CSS, print styles for A4 and letter)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape



# ---- numbers with units: the one formatter table, shared with the terminal and to_frame() ------------
from costcurve.display import count, days, duration, flop, gb, gib, hours, num, p50, pct, si, usd, with_interval  # noqa: E402,F401


# ---- elements -------------------------------------------------------------------------------------
def figure(key: str, value, fmt, label: str, note: str = "") -> str:
    """One headline figure: the formatted value, its label and a line saying what it means."""
    raw = p50(value)
    data = "" if raw is None else f' data-value="{escape(repr(float(raw)) if isinstance(raw, (int, float)) else str(raw))}"'
    n = f'<div class="note">{escape(note)}</div>' if note else ""
    rng = ""
    if isinstance(value, dict) and "p50" in value:
        rng = f'<div class="range">90%: {escape(fmt(value["p5"]))} – {escape(fmt(value["p95"]))}</div>'
    return (f'<div class="figure" data-key="{escape(key)}"{data}><div class="value">{escape(fmt(raw))}</div>{rng}'
            f'<div class="label">{escape(label)}</div>{n}</div>')


def figures(*items: str) -> str:
    return f'<div class="figures">{"".join(items)}</div>'


def table(headers, rows, *, cls: str = "") -> str:
    """A table; cells are escaped unless wrapped in :class:`Raw`."""
    def cell(x):
        if isinstance(x, Raw):
            return x.html
        text = escape("" if x is None else str(x))
        # an option as typed ("--seq-len") never breaks at its hyphens
        return f'<span class="opt">{text}</span>' if text.startswith("--") and " " not in text else text

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@dataclass(frozen=True)
class Raw:
    """Trusted HTML for a table cell (already escaped)."""

    html: str


_URL = re.compile(r"https?://[^\s)\"'<>,;]+")


def linkify(text: str) -> str:
    """Escape ``text`` and turn its URLs into links."""
    out, last = [], 0
    for m in _URL.finditer(text or ""):
        out.append(escape(text[last:m.start()]))
        url = m.group(0).rstrip(".")
        out.append(f'<a href="{escape(url)}" rel="noreferrer">{escape(url)}</a>')
        last = m.start() + len(url)
    out.append(escape((text or "")[last:]))
    return "".join(out)


def chart(svg: str, caption: str) -> str:
    """A chart with the one line under it that says what it shows."""
    if not svg:
        return ""
    return f'<figure class="chartbox">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


@dataclass(frozen=True)
class Section:
    """A titled part of a report: ``id`` (answer, inputs, breakdown, uncertainty, context, reproduce)."""

    id: str
    title: str
    html: str


def render_sections(sections) -> str:
    """The sections in order; sources that cite a link become numbered references to one bibliography."""
    body = "".join(f'<section id="{escape(s.id)}" class="sec-{escape(s.id)}"><h2>{escape(s.title)}</h2>{s.html}'
                   f'</section>' for s in sections if s.html)
    return bibliography(body)


_SRC = re.compile(r'<span class="src">(.*?)</span>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _short(inner: str) -> str:
    """A source's short name: its text up to the first comma, colon or semicolon (at most 48 characters)."""
    text = _TAG.sub("", inner)
    head = re.split(r"[,:;]\s|\s\(|\s—\s", text, maxsplit=1)[0].strip()
    return head if len(head) <= 48 else head[:47].rstrip() + "…"


def bibliography(body: str) -> str:
    """Each cited source (a ``span.src`` holding a link) printed once, numbered, in a closing "Sources"
    section; every place that cited it keeps its short name and the number ("Cottier et al. 2024 [2]")."""
    refs: dict[str, int] = {}

    def cite(m):
        inner = m.group(1)
        if "<a href" not in inner:
            return m.group(0)
        n = refs.setdefault(inner, len(refs) + 1)
        return f'<span class="src">{_short(inner)} <a class="ref" href="#ref-{n}">[{n}]</a></span>'

    body = _SRC.sub(cite, body)
    if not refs:
        return body
    items = "".join(f'<li id="ref-{n}" class="src">{inner}</li>' for inner, n in refs.items())
    return body + f'<section id="sources" class="sec-sources"><h2>Sources</h2><ol class="refs">{items}</ol></section>'



# ---- the page -------------------------------------------------------------------------------------
CSS = """
:root{--ink:#1d2330;--mute:#5b6475;--line:#d9dee7;--accent:#2f6fb3;--soft:#eef3fa;--warn:#a33}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:980px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:1.5rem;margin:.2rem 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.sub{color:var(--mute);margin:0 0 1rem}
.answer{font-size:1.15rem;background:var(--soft);border-left:4px solid var(--accent);padding:.7rem 1rem;margin:.6rem 0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px;margin:.6rem 0}
.figure{border:1px solid var(--line);border-radius:6px;padding:.55rem .7rem}
.figure .value{overflow-wrap:anywhere;font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
.figure .label{font-weight:500}.figure .range{font-size:.85rem;color:var(--ink)}.figure .note,.note{color:var(--mute);font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:break-word;word-break:normal;hyphens:manual}
td:first-child{overflow-wrap:normal}.opt{white-space:nowrap}ol.refs{padding-left:1.6rem;font-size:.85rem}ol.refs li{margin:.15rem 0;overflow-wrap:break-word}
th{background:#f6f8fb;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.sources th,table.nums th,table.sources td:nth-child(-n+2),table.nums td:not(:first-child){white-space:nowrap;overflow-wrap:normal}
figure.chartbox{margin:.6rem 0 1rem}figcaption{color:var(--mute);font-size:.85rem;margin-top:.15rem}
svg.chart{max-width:100%;height:auto;overflow:visible}
svg .bar{fill:var(--accent)}svg .axis{stroke:#888;stroke-width:1}svg .grid{stroke:#e4e7ee;stroke-width:1}
svg .tick{fill:#555;font-size:11px}svg .axislabel{fill:#333;font-size:12px;font-weight:600}svg .val{fill:#222;font-size:11px}
svg .range{stroke:var(--accent);stroke-width:6;stroke-linecap:round;opacity:.55}svg .mid{fill:#123}
svg .pt{fill:#555;opacity:.75}svg .fit{fill:none;stroke:var(--accent);stroke-width:2}
svg .seg0{fill:#2f6fb3}svg .seg1{fill:#6fa8dc}svg .seg2{fill:#b35c00}svg .seg3{fill:#e8a35c}svg .seg4{fill:#5b8a3c}
svg .seg5{fill:#9aa4b5}svg .cap{stroke:#a33;stroke-width:2;stroke-dasharray:4 3}
svg .band{fill:var(--accent);opacity:.15}svg .err{stroke:#b35c00;stroke-width:2}svg .mark{fill:#b35c00}
pre.cmd{background:#f4f5f7;border:1px solid var(--line);padding:.6rem .8rem;white-space:pre-wrap;word-break:break-all;font-size:.85rem}
details{margin:.4rem 0}summary{cursor:pointer;color:var(--accent)}
a{color:var(--accent)}.src{font-size:.85rem;color:var(--mute)}
.foot{color:var(--mute);font-size:.8rem;margin-top:2rem;border-top:1px solid var(--line);padding-top:.5rem}
@page{size:auto;margin:14mm 12mm}
@media print{body{font-size:9pt;line-height:1.3}main{max-width:none;padding:0}details{display:none}
 figure.chartbox,tr,.figure,.answer{break-inside:avoid}svg.chart{max-height:58mm;width:auto;max-width:100%}
 h1{font-size:14pt}h2{break-after:avoid;font-size:11pt;margin:.9rem 0 .3rem}a{color:inherit;text-decoration:none}.noprint{display:none}
 .figures{grid-template-columns:repeat(4,1fr);gap:5px}.figure{padding:.3rem .45rem}.figure .value{font-size:11pt}
 .answer{font-size:10pt;padding:.4rem .7rem}table{font-size:8pt}th,td{padding:.15rem .3rem}
 figcaption,.note,.figure .note,.src,ol.refs{font-size:7.5pt}pre.cmd{font-size:7.5pt}}
"""


def page(title: str, subtitle: str, body: str, data: dict) -> str:
    """A complete, self-contained HTML document: inline CSS, the inputs and results as JSON."""
    blob = json.dumps(data, default=str).replace("</", "<\\/")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{escape(title)}</title><style>{CSS}</style></head><body><main>'
            f'<h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>{body}'
            f'<script type="application/json" id="costcurve-data">{blob}</script>'
            f'<p class="foot">Made by costcurve. Inputs and results are embedded in this file as JSON '
            f'(element <code>#costcurve-data</code>).</p></main></body></html>')
