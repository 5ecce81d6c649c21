"""LLM API list prices with benchmark scores: the bundled table ``data/api_prices_<DATA_VERSION>.csv``.

Rows are facts from Epoch AI's data for Cottier et al. 2025, "LLM inference prices have fallen rapidly
but unequally across tasks" (prices and scores compiled by Artificial Analysis and Epoch AI; credit
"Epoch AI; Artificial Analysis"), extended to 2025-2026 with published list prices, each row citing
its source and date (``tools/build_api_prices.py`` rebuilds the file).

Prices are USD per million tokens; ``usd_per_m_blended`` is Epoch's 3:1 blend,
(3 × input + output) / 4. ``price_basis`` says what a row is: ``first-party`` (the developer's own
API), ``median of providers`` (as compiled by Artificial Analysis) or ``provider`` (one provider's
list price for an open-weight model). :func:`price_points` turns per-provider rows into the median
across providers of each model and date, as Epoch does for open models.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np

from ..catalog import data_file
from ..errors import CatalogError, InputError
from ..files import csv_number

FILE = data_file("api_prices")
PATH = f"costcurve/data/{FILE}"
#: benchmark columns: key -> (name, lowest, highest allowed score)
BENCHMARKS = {"mmlu": ("MMLU", 0.0, 100.0), "gpqa_diamond": ("GPQA Diamond", 0.0, 100.0),
              "math_500": ("MATH-500", 0.0, 100.0), "math_l5": ("MATH level 5", 0.0, 100.0),
              "humaneval": ("HumanEval", 0.0, 100.0), "arena_elo": ("Chatbot Arena Elo", 500.0, 2500.0)}
PRICE_BASES = ("first-party", "median of providers", "provider")
BLEND_INPUT_SHARE = 0.75  #: Epoch's blend: 3 input tokens per output token
SOURCE = f"Epoch AI; Artificial Analysis (Cottier et al. 2025) and published list prices (data/{FILE})"


@dataclass(frozen=True)
class ApiPrice:
    """One list price of an LLM API on a date, with the model's published benchmark scores."""

    model: str
    date: dt.date
    provider: str
    price_basis: str  #: first-party | median of providers | provider
    open_weights: bool
    usd_per_m_blended: float  #: (3 × input + output) / 4 [USD per 1M tokens]
    usd_per_m_input: float | None = None  #: [USD per 1M input tokens]
    usd_per_m_output: float | None = None  #: [USD per 1M output tokens]
    params: float | None = None  #: total parameters [count]
    active_params: float | None = None  #: parameters active per token (MoE) [count]
    scores: dict = field(default_factory=dict, compare=False)  #: benchmark key -> score (% or Elo)
    reasoning: bool = False  #: a reasoning model (Epoch excludes these: their tokens per answer differ)
    source: str = ""
    n_providers: int = 1  #: providers behind a median (1 for a single list price)
    architecture: str = ""  #: costcurve architecture preset of an open-weight model (e.g. llama3.1-8b), else ""

    def usd_per_query(self, input_tokens: float, output_tokens: float) -> float:
        """Price of one query [USD]: input × in-price + output × out-price, or the blend when no split is known."""
        check_tokens(input_tokens, output_tokens)
        if self.usd_per_m_input is not None and self.usd_per_m_output is not None:
            return (input_tokens * self.usd_per_m_input + output_tokens * self.usd_per_m_output) / 1e6
        return (input_tokens + output_tokens) * self.usd_per_m_blended / 1e6

    def to_dict(self) -> dict:
        return {"model": self.model, "date": self.date.isoformat(), "provider": self.provider,
                "price_basis": self.price_basis, "open_weights": self.open_weights,
                "usd_per_m_input": self.usd_per_m_input, "usd_per_m_output": self.usd_per_m_output,
                "usd_per_m_blended": self.usd_per_m_blended, "params": self.params,
                "active_params": self.active_params, **self.scores, "reasoning": self.reasoning,
                "n_providers": self.n_providers, "architecture": self.architecture or None, "source": self.source}


def _num(r, col, i, *, lo=0.0, hi=math.inf, positive=False):
    return csv_number(r, col, PATH, i, lo=lo, hi=hi, positive=positive)


def _bool(r, col, i):
    s = (r.get(col) or "").strip().lower()
    if s not in ("true", "false"):
        raise CatalogError(PATH, i, col, f"got {s!r}; allowed: true, false")
    return s == "true"


def parse_rows(text: str) -> tuple[ApiPrice, ...]:
    """Rows of the table's CSV ``text``, validated (file, row and column named in every error)."""
    reader = csv.DictReader(text.splitlines())
    out = []
    for i, r in enumerate(reader, start=2):
        try:
            date = dt.date.fromisoformat((r.get("date") or "").strip())
        except ValueError:
            raise CatalogError(PATH, i, "date", f"got {r.get('date')!r}; allowed: YYYY-MM-DD") from None
        basis = (r.get("price_basis") or "").strip()
        if basis not in PRICE_BASES:
            raise CatalogError(PATH, i, "price_basis", f"got {basis!r}; allowed: {', '.join(PRICE_BASES)}")
        if not (r.get("model") or "").strip() or not (r.get("source") or "").strip():
            raise CatalogError(PATH, i, "source" if r.get("model") else "model", "is empty; every row names its model and source")
        blend = _num(r, "usd_per_m_blended", i, positive=True)
        if blend is None:
            raise CatalogError(PATH, i, "usd_per_m_blended", "is empty; a price is required")
        inp, outp = _num(r, "usd_per_m_input", i, positive=True), _num(r, "usd_per_m_output", i, positive=True)
        if (inp is None) != (outp is None):
            raise CatalogError(PATH, i, "usd_per_m_output", "input and output prices go together")
        if inp is not None:
            implied = BLEND_INPUT_SHARE * inp + (1 - BLEND_INPUT_SHARE) * outp
            if abs(implied - blend) > max(0.02 * blend, 0.005):
                raise CatalogError(PATH, i, "usd_per_m_blended", f"{blend:g} but (3 x input + output) / 4 = {implied:g}")
        scores = {k: v for k, (_, lo, hi) in BENCHMARKS.items() if (v := _num(r, k, i, lo=lo, hi=hi)) is not None}
        out.append(ApiPrice(r["model"].strip(), date, r["provider"].strip(), basis, _bool(r, "open_weights", i), blend,
                            inp, outp, _num(r, "params", i, positive=True), _num(r, "active_params", i, positive=True),
                            scores, _bool(r, "reasoning", i), r["source"].strip(),
                            architecture=(r.get("architecture") or "").strip().lower()))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def load_api_prices() -> tuple[ApiPrice, ...]:
    """Every row of the bundled API price table (per-provider rows included), validated on load."""
    text = resources.files("costcurve").joinpath("data", FILE).read_text(encoding="utf-8")
    return parse_rows(text)


def _median_row(rows: list[ApiPrice]) -> ApiPrice:
    """The median across providers of one model on one date (input, output and blend each a median)."""
    med = lambda xs: float(np.median(xs)) if xs else None
    splits = [r for r in rows if r.usd_per_m_input is not None]
    first = rows[0]
    return replace(first, provider=f"median of {len(rows)} providers ({', '.join(sorted(r.provider for r in rows))})",
                   price_basis="median of providers", usd_per_m_blended=med([r.usd_per_m_blended for r in rows]),
                   usd_per_m_input=med([r.usd_per_m_input for r in splits]),
                   usd_per_m_output=med([r.usd_per_m_output for r in splits]), n_providers=len(rows),
                   source="; ".join(sorted({r.source for r in rows})))


def price_points(rows=None, *, include_reasoning: bool = False) -> list[ApiPrice]:
    """One price per model and date: first-party and compiled rows as they are, per-provider rows as
    their median across providers (Epoch's rule for open models). Reasoning models are left out unless
    ``include_reasoning`` (Epoch leaves them out: their price per token is not their price per answer)."""
    rows = load_api_prices() if rows is None else tuple(rows)
    groups: dict = {}
    out = []
    for r in rows:
        if r.reasoning and not include_reasoning:
            continue
        if r.price_basis == "provider":
            groups.setdefault((r.model, r.date), []).append(r)
        else:
            out.append(r)
    out += [_median_row(g) for g in groups.values()]
    return sorted(out, key=lambda r: (r.date, r.usd_per_m_blended, r.model))


def provider_prices(model: str, rows=None) -> list[ApiPrice]:
    """Every listed price of ``model`` (case-insensitive exact name), cheapest first; [] when none."""
    rows = load_api_prices() if rows is None else rows
    key = str(model).strip().lower()
    return sorted((r for r in rows if r.model.lower() == key), key=lambda r: (r.usd_per_m_blended, r.date))


def prices_for_architecture(architecture: str, rows=None, *, include_reasoning: bool = False) -> list[ApiPrice]:
    """Every listed API price of the open-weight model that costcurve's preset ``architecture`` describes
    (e.g. ``llama3.1-8b``): compiled medians and per-provider prices, by date then price; [] when none.
    Serving-cost estimates for that preset can be set next to these (a list price, not a cost)."""
    rows = load_api_prices() if rows is None else rows
    key = str(architecture).strip().lower()
    return sorted((r for r in rows if r.architecture == key and (include_reasoning or not r.reasoning)),
                  key=lambda r: (r.date, r.usd_per_m_blended))


def check_tokens(input_tokens, output_tokens):
    """Token counts of a query [count] must be finite numbers >= 0, not both 0; InputError otherwise."""
    for name, v in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise InputError(f"got {v!r}; allowed: a token count >= 0", field=name)
    if input_tokens + output_tokens <= 0:
        raise InputError("a query needs at least one token", field="output_tokens")
