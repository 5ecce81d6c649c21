"""Capability levels: ``BENCH>=X`` selects, at each date, the cheapest model at or above the level.

    cheapest_at_level(dates, prices, scores, X):  keep rows with score >= X; one per date (the cheapest);
                                                   then the records: rows cheaper than every earlier one.

That is Epoch AI's selection in Cottier et al. 2025 ("LLM inference prices have fallen rapidly but
unequally across tasks"; code github.com/epoch-research/llm-benchmark-efficiency): the lowest-priced
model at or above a threshold, a new point only when it is cheaper than the previous one, one point per
release date, then a log-linear fit. The same rule, on training cost, gives the ``gpt3-level`` series.

Presets name the levels people quote; each is the level model's own score in the same source as the
scores it is compared with (Artificial Analysis / Epoch AI for API prices):

=============  ===================  =====================================================================
preset         level                the level model
=============  ===================  =====================================================================
gpt-3          mmlu >= 43.9         GPT-3 175B, MMLU 5-shot (Hendrycks et al. 2021, Table 1)
gpt-3.5        mmlu >= 68           GPT-3.5 Turbo (Artificial Analysis; Epoch's "GPT-3.5 Turbo" level)
gpt-4          mmlu >= 86           GPT-4-0314 (Artificial Analysis; OpenAI reports 86.4)
gpt-4-gpqa     gpqa >= 33           GPT-4-0314 on GPQA Diamond (Epoch's "GPT-4 level on PhD-level science")
=============  ===================  =====================================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .api_prices import BENCHMARKS

#: what a user may type -> benchmark column
ALIASES = {"mmlu": "mmlu", "gpqa": "gpqa_diamond", "gpqa_diamond": "gpqa_diamond", "gpqa-diamond": "gpqa_diamond",
           "math": "math_500", "math500": "math_500", "math-500": "math_500", "math_500": "math_500",
           "math5": "math_l5", "math_l5": "math_l5", "humaneval": "humaneval", "arena": "arena_elo",
           "elo": "arena_elo", "arena_elo": "arena_elo"}
PRESETS = {
    "gpt-3": ("mmlu", 43.9, "GPT-3 175B, MMLU 5-shot 43.9 (Hendrycks et al. 2021, Table 1)"),
    "gpt-3.5": ("mmlu", 68.0, "GPT-3.5 Turbo, MMLU 68 (Artificial Analysis, in Epoch AI's data)"),
    "gpt-4": ("mmlu", 86.0, "GPT-4-0314, MMLU 86 (Artificial Analysis, in Epoch AI's data; OpenAI reports 86.4)"),
    "gpt-4-gpqa": ("gpqa_diamond", 33.0, "GPT-4-0314, GPQA Diamond 33 (Epoch AI's data)"),
}
_SPEC = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*>=\s*([^\s]+)\s*$")


@dataclass(frozen=True)
class Capability:
    """A capability level: benchmark column ``bench`` at or above ``threshold`` (% or Elo)."""

    bench: str
    threshold: float
    label: str = ""  #: preset name, or the spec as typed
    note: str = ""  #: the level model and its source

    @property
    def spec(self) -> str:
        return f"{_short(self.bench)}>={self.threshold:g}"

    @property
    def title(self) -> str:
        name = BENCHMARKS[self.bench][0]
        return f"{name} >= {self.threshold:g}" + (f" ({self.label} level)" if self.label in PRESETS else "")

    def to_dict(self) -> dict:
        return {"bench": self.bench, "threshold": self.threshold, "spec": self.spec, "preset": self.label
                if self.label in PRESETS else None, "note": self.note}


def _short(bench: str) -> str:
    return {"gpqa_diamond": "gpqa", "math_500": "math", "math_l5": "math5", "arena_elo": "arena"}.get(bench, bench)


def parse_capability(spec, *, field: str = "capability") -> Capability:
    """``BENCH>=X`` (mmlu, gpqa, math, math5, humaneval, arena) or a preset name (:data:`PRESETS`)."""
    if isinstance(spec, Capability):
        return spec
    s = str(spec).strip().lower() if spec is not None else ""
    if s in PRESETS:
        bench, x, note = PRESETS[s]
        return Capability(bench, x, s, note)
    m = _SPEC.match(s)
    allowed = (f"BENCH>=X with BENCH one of {', '.join(sorted({_short(b) for b in ALIASES.values()}))}, "
               f"or a preset: {', '.join(PRESETS)}")
    if not m:
        raise InputError(f"got {str(spec)[:60]!r}; allowed: {allowed}", field=field)
    bench = ALIASES.get(m.group(1))
    if bench is None:
        raise InputError(f"unknown benchmark {m.group(1)[:30]!r}; allowed: {allowed}", field=field)
    try:
        x = float(m.group(2))
    except ValueError:
        raise InputError(f"got {m.group(2)[:30]!r} as the level; allowed: a number, e.g. mmlu>=68", field=field) from None
    _, lo, hi = BENCHMARKS[bench]
    if not (math.isfinite(x) and lo <= x <= hi):
        raise InputError(f"level {x:g} is outside {lo:g}..{hi:g} for {BENCHMARKS[bench][0]}", field=field)
    return Capability(bench, x, s, "")


def cheapest_at_level(dates, prices, scores, threshold: float) -> np.ndarray:
    """Indices of the records among rows with ``scores >= threshold``: one row per date (the cheapest
    of that date), kept only when cheaper than every earlier kept row. Ties keep the earlier row.

    dates: decimal years [year]; prices: [any unit]; scores: [% or Elo], NaN where not published.
    """
    t = np.asarray(dates, dtype=float)
    p = np.asarray(prices, dtype=float)
    s = np.asarray(scores, dtype=float)
    if not (t.shape == p.shape == s.shape):
        raise InputError("dates, prices and scores differ in length", field="capability")
    ok = np.flatnonzero(np.isfinite(s) & (s >= threshold) & np.isfinite(p) & np.isfinite(t))
    order = ok[np.lexsort((p[ok], t[ok]))]  # by date, then price
    out, best, last_date = [], math.inf, None
    for i in order:
        if t[i] == last_date:  # a dearer model of the same date
            continue
        last_date = t[i]
        if p[i] < best:
            out.append(int(i))
            best = p[i]
    return np.array(out, dtype=int)
