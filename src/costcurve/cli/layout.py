"""Fitting a table to the terminal without splitting words.

:func:`fit` decides, for columns of text and a terminal width [characters], how the table prints:
each column at least as wide as its longest word (so a cell wraps on spaces, never inside
"replicas"), headers abbreviated word by word when the words alone do not fit, then without vertical rules, and as stacked
records ("header: value" lines, one block per row) when even that (with one space between columns)
is too wide.
"""

from __future__ import annotations

from dataclasses import dataclass

#: rich's table draws "│ " before each column, " " after, and one closing border: 3 per column + 1
PER_COLUMN, EDGE = 3, 1
BORDERLESS_PER_COLUMN = 2  #: a space each side, no rules
COMPACT_PER_COLUMN = 1  #: one space between columns, no rules
#: header words shortened first when a table is too wide
ABBREVIATIONS = {"accelerators": "accel.", "accelerator": "accel.", "replicas": "repl.", "forecasts": "fcsts",
                 "forecast": "fcst", "percentile": "pct.", "parameters": "params", "throughput": "thrpt",
                 "interval": "int.", "coverage": "cov.", "observed": "obs.", "predicted": "pred.",
                 "training": "train.", "million": "M", "tokens": "tok.", "memory": "mem.", "per": "/"}


@dataclass(frozen=True)
class Layout:
    """How a table prints: ``stacked`` records, or columns with ``headers`` and ``min_widths`` (each column's
    width [characters]: at least its longest word)."""

    headers: tuple[str, ...]
    min_widths: tuple[int, ...]
    stacked: bool
    borderless: bool = False  #: without vertical rules (2 characters per column instead of 3)
    compact: bool = False  #: borderless with one space between columns


def longest_word(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def abbreviate(header: str) -> str:
    """A header with its long words shortened (:data:`ABBREVIATIONS`)."""
    return " ".join(ABBREVIATIONS.get(w.lower(), w) for w in header.split())


def fit(columns, rows, width: int) -> Layout:
    """The layout of ``columns`` × ``rows`` (strings) in ``width`` characters."""
    headers = tuple(str(c) for c in columns)
    cells = [[str(x) for x in r] for r in rows]

    def widths(hs):
        return tuple(max([longest_word(h)] + [longest_word(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(hs))

    def natural(hs):
        return [max([len(h)] + [len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(hs)]

    def spread(hs, low, room):
        """Column widths: each at least its longest word, the room left shared by what the rest needs."""
        nat = natural(hs)
        if sum(nat) <= room:
            return tuple(nat)
        out, slack = list(low), room - sum(low)
        need = [n - m for n, m in zip(nat, low)]
        total = sum(need) or 1
        for i, n in enumerate(need):
            out[i] += slack * n // total
        return tuple(out)

    overhead = PER_COLUMN * len(headers) + EDGE
    w = widths(headers)
    if sum(w) + overhead <= width:
        return Layout(headers, spread(headers, w, width - overhead), False)
    short = tuple(abbreviate(h) for h in headers)
    w = widths(short)
    if sum(w) + overhead <= width:
        return Layout(short, spread(short, w, width - overhead), False)
    room = width - BORDERLESS_PER_COLUMN * len(headers)
    if sum(w) <= room:
        return Layout(short, spread(short, w, room), False, borderless=True)
    room = width - COMPACT_PER_COLUMN * len(headers)
    if sum(w) <= room:
        return Layout(short, spread(short, w, room), False, borderless=True, compact=True)
    return Layout(headers, w, True)


def stacked_lines(title: str, columns, rows) -> list[str]:
    """Rows as blocks of "header: value" lines (values wrap on spaces under their header's indent)."""
    import textwrap

    out = [title] if title else []
    pad = max((len(str(c)) for c in columns), default=0)
    for r in rows:
        out.append("")
        for c, v in zip(columns, r):
            lines = textwrap.wrap(str(v), 78 - pad - 2, break_long_words=False, break_on_hyphens=False) or [""]
            out.append(f"{str(c):>{pad}}: {lines[0]}")
            out += [" " * (pad + 2) + x for x in lines[1:]]
    return out
