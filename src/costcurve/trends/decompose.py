"""Split the fall in cost at fixed capability into hardware and algorithms.

    cost = FLOP needed × dollars per FLOP            (per point of a capability series)
    ln cost = ln FLOP + ln(USD/FLOP)  ⇒  b_total = b_algorithms + b_hardware   (same points, OLS is linear)
    (1 − total) = (1 − hardware)·(1 − algorithms)    (annual declines, composed as ARK Invest does)

"Hardware" here is the effective price of a model FLOP (accelerator price-performance, rental
prices and utilisation together); it is split further into the catalog's cloud price-performance
at peak (FLOP per rental dollar) and the remainder (MFU, accelerator and price choices).

Published rates to compare with (:data:`PUBLISHED`): GPU FLOP/s per dollar doubling every 2.46 years
(Hobbhahn & Besiroglu 2022), compute for fixed ImageNet performance halving every 16 months
(Hernandez & Brown 2020), for language models every ~8 months (Ho et al. 2024), and ARK Invest's
hardware −53 %/yr and software −47 %/yr (Big Ideas 2024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .fit import (
    DEFAULT_LEVEL,
    compose_declines,
    decline_from_halving_time,
    fit_exponential,
)

#: published rates: annual decline of the cost driver (fraction), with the figure as published
PUBLISHED = (
    {"id": "hobbhahn2022", "component": "hardware", "annual_decline": decline_from_halving_time(2.46),
     "annual_decline_ci": [decline_from_halving_time(2.72), decline_from_halving_time(2.24)], "ci_level": 0.95,
     "as_published": "GPU FLOP/s per dollar doubles every 2.46 years (95% CI 2.24-2.72), 470 GPUs 2006-2021",
     "source": "Hobbhahn & Besiroglu 2022, Trends in GPU price-performance, Epoch AI, "
               "https://epoch.ai/blog/trends-in-gpu-price-performance"},
    {"id": "hernandez2020", "component": "algorithms", "annual_decline": decline_from_halving_time(16 / 12),
     "annual_decline_ci": None, "ci_level": None,
     "as_published": "compute to reach AlexNet-level ImageNet accuracy halves every 16 months (44x less, 2012-2019)",
     "source": "Hernandez & Brown 2020, Measuring the Algorithmic Efficiency of Neural Networks, arXiv:2005.04305 "
               "(OpenAI, AI and Efficiency)"},
    {"id": "ho2024", "component": "algorithms", "annual_decline": decline_from_halving_time(8 / 12),
     "annual_decline_ci": [decline_from_halving_time(14 / 12), decline_from_halving_time(5 / 12)], "ci_level": 0.95,
     "as_published": "compute to reach a fixed language-model performance halves every ~8 months (95% CI 5-14), 2012-2023",
     "source": "Ho et al. 2024, Algorithmic progress in language models, arXiv:2403.05812"},
    {"id": "ark2024-hardware", "component": "hardware", "annual_decline": 0.53, "annual_decline_ci": None,
     "ci_level": None, "as_published": "AI relative compute unit (RCU) production cost -53%/yr (Wright's law forecast)",
     "source": "ARK Invest, Big Ideas 2024 (via Benzinga, Feb 2024)"},
    {"id": "ark2024-software", "component": "algorithms", "annual_decline": 0.47, "annual_decline_ci": None,
     "ci_level": None, "as_published": "AI software (algorithmic) training cost -47%/yr",
     "source": "ARK Invest, Big Ideas 2024 (via Benzinga, Feb 2024)"},
    {"id": "ark2023-total", "component": "total", "annual_decline": 0.70, "annual_decline_ci": None, "ci_level": None,
     "as_published": "AI training cost -70%/yr (GPT-3 level: $4.6M in 2020 to $450K in 2022)",
     "source": "ARK Invest, Big Ideas 2023, https://www.ark-invest.com/big-ideas-2023/artificial-intelligence"},
)


@dataclass(frozen=True)
class Component:
    """One factor of the decline: its annual decline, interval and slope in ln units per year."""

    name: str
    annual_decline: float  #: [fraction per year]; negative = rising
    annual_decline_ci: list | None
    slope_per_year: float  #: [ln units per year]
    what: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "annual_decline": self.annual_decline, "annual_decline_ci": self.annual_decline_ci,
                "factor_per_year": math.exp(self.slope_per_year), "slope_per_year": self.slope_per_year,
                "what": self.what}


@dataclass(frozen=True)
class Decomposition:
    """Total decline at fixed capability = algorithms ⊗ hardware; ``parts`` sum in ln units to ``total``."""

    series: str
    points: str
    n_points: int
    start_year: float
    end_year: float
    level: float
    total: Component
    parts: tuple[Component, ...]  #: algorithms, hardware; slopes sum to total.slope_per_year
    hardware_parts: tuple[Component, ...]  #: price-performance at peak, utilisation & prices; sum to hardware
    published: tuple[dict, ...] = PUBLISHED
    notes: tuple[str, ...] = ()  #: what the split assumes and what it cannot separate

    @property
    def composed_total(self) -> float:
        """1 − Π(1 − part declines): equals ``total.annual_decline`` (the check ARK's arithmetic makes)."""
        return compose_declines(*(p.annual_decline for p in self.parts))

    def published_totals(self) -> list[dict]:
        """Published hardware and algorithm rates composed into totals, for comparison."""
        by = {p["id"]: p for p in self.published}
        if not all(k in by for k in ("hobbhahn2022", "hernandez2020", "ho2024", "ark2024-hardware", "ark2024-software")):
            return []
        out = []
        for hw, algo in (("hobbhahn2022", "hernandez2020"), ("hobbhahn2022", "ho2024"),
                         ("ark2024-hardware", "ark2024-software")):
            out.append({"hardware": hw, "algorithms": algo,
                        "annual_decline": compose_declines(by[hw]["annual_decline"], by[algo]["annual_decline"])})
        return out

    def to_dict(self) -> dict:
        return {"series": self.series, "points": self.points, "n_points": self.n_points, "start_year": self.start_year,
                "end_year": self.end_year, "level": self.level, "total": self.total.to_dict(),
                "parts": [p.to_dict() for p in self.parts], "hardware_parts": [p.to_dict() for p in self.hardware_parts],
                "composed_total": self.composed_total, "published": list(self.published),
                "published_totals": self.published_totals(), "notes": list(self.notes)}

    def summary(self) -> str:
        pct = lambda v: f"{100 * v:6.1f}%"

        def ci(c):
            return f"[{100 * c.annual_decline_ci[0]:.0f}%, {100 * c.annual_decline_ci[1]:.0f}%]" if c.annual_decline_ci else ""

        lines = [f"Decline of {self.series} ({self.n_points} {self.points} points, {self.start_year:.1f}-{self.end_year:.1f})",
                 f"  total                      {pct(self.total.annual_decline)}/yr {ci(self.total)}"]
        for p in self.parts:
            lines.append(f"  {p.name:26s} {pct(p.annual_decline)}/yr {ci(p)}")
        for p in self.hardware_parts:
            lines.append(f"    {p.name:24s} {pct(p.annual_decline)}/yr {ci(p)}")
        lines.append(f"  composed 1 - prod(1 - part) {pct(self.composed_total)}/yr")
        return "\n".join(lines)


def _component(name, fit, level, what, sign=1.0) -> Component:
    ci = fit.conf_int(level)["slope_per_year"] if fit.n > 2 else None
    slope = sign * fit.slope_per_year
    rng = None if ci is None else sorted((1 - math.exp(sign * ci[0]), 1 - math.exp(sign * ci[1])))
    return Component(name, 1 - math.exp(slope), rng, slope, what)


def decompose(series="gpt3-level", *, points: str = "default", level: float = DEFAULT_LEVEL, catalog=None,
              since=None, until=None) -> Decomposition:
    """Decompose a capability series whose points carry ``training_flop`` (gpt3-level by default).

    On the chosen points: fit ln cost, ln FLOP and ln(cost/FLOP) against time; the slopes add up.
    The hardware part is split with the catalog's cloud price-performance fitted over the same years.
    """
    from ..errors import InputError
    from .bundled import get_series
    from .series import Series

    s = series if isinstance(series, Series) else get_series(series, catalog=catalog)
    s = s.between(since, until)
    which = s.default_points if points == "default" else points
    sel = s.select(points)
    pts = [p for p in sel.points if p.extra.get("training_flop")]
    if len(pts) < 3:
        raise InputError(f"needs at least 3 points with training FLOP; {s.name} has {len(pts)}", field="series")
    sub = Series(s.name, s.title, s.unit, tuple(pts))
    t, cost = sub.years, sub.values
    flop = [p.extra["training_flop"] for p in sub.points]
    f_total = fit_exponential(t, cost, level=level)
    f_algo = fit_exponential(t, flop, level=level)
    f_hw = fit_exponential(t, cost / flop, level=level)
    total = _component("total", f_total, level, "cost to reach the capability [USD]")
    algo = _component("algorithms", f_algo, level, "training FLOP needed for the capability [FLOP]")
    hw = _component("hardware & prices", f_hw, level, "dollars per model FLOP [USD/FLOP]")
    pp_series = get_series("gpu-cloud-price-performance", catalog=catalog).between(float(t.min()), float(t.max()) + 1e-9)
    hw_parts = ()
    if len(pp_series) >= 3:
        f_pp = fit_exponential(pp_series.years, pp_series.values, level=level)
        peak = _component("price-performance at peak", f_pp, level,
                          "catalog rental FLOP per USD at peak, inverted [USD/FLOP]", sign=-1.0)
        rest = Component("utilisation & price mix", 1 - math.exp(hw.slope_per_year - peak.slope_per_year), None,
                         hw.slope_per_year - peak.slope_per_year, "MFU, accelerator and price choices (remainder)")
        hw_parts = (peak, rest)
    return Decomposition(s.name, which, len(pts), float(t.min()), float(t.max()), level, total, (algo, hw), hw_parts)


#: published rates of the inference-price decline to compare with
PUBLISHED_INFERENCE = (
    {"id": "cottier2025", "component": "total", "annual_decline": 1 - 1 / 40, "annual_decline_ci": None,
     "ci_level": None, "as_published": "price to reach GPT-4 level on GPQA Diamond fell 40x a year; 9x-900x a year "
     "depending on the level", "source": "Cottier et al. 2025, 'LLM inference prices have fallen rapidly but unequally "
     "across tasks', Epoch AI, https://epoch.ai/data-insights/llm-inference-price-trends"},
    {"id": "appenzeller2024", "component": "total", "annual_decline": 0.9, "annual_decline_ci": None, "ci_level": None,
     "as_published": "'LLMflation': cost at constant MMLU falls 10x a year (MMLU 42: $60 in Nov 2021 to $0.06 in 2024)",
     "source": "Appenzeller 2024, 'Welcome to LLMflation', a16z, https://a16z.com/llmflation-llm-inference-cost"},
    PUBLISHED[0],
)
INFERENCE_NOTES = (
    "total: OLS on ln price of the records (cheapest so far) at the level, as Epoch AI fits it",
    "hardware: the catalog's rental peak FLOP per dollar over the same years, inverted; decoding is bound by "
    "memory bandwidth more than by peak FLOP, so this is the hardware trend, not the serving cost of a token",
    "smaller models: active parameters (per token) of the cheapest open-weight model at the level so far; "
    "closed models publish no sizes, and cost per token is taken as proportional to active parameters",
    "remainder: software (batching, quantization, speculative decoding, attention kernels), provider margins and "
    "competition, and whatever the first two miss; public prices cannot separate these",
    "the parts are fitted on different points (all qualifying models, open models, accelerators), so only the "
    "measured parts carry intervals; the remainder is total - hardware - models in ln units",
)


def decompose_inference(capability="gpt-3", *, level: float = DEFAULT_LEVEL, catalog=None, since=None,
                        until=None, include_reasoning: bool = False) -> Decomposition:
    """Split the fall of the API price at a capability level into hardware, smaller models and the rest.

        ln price = ln(USD/FLOP) + ln(active params) + remainder   ⇒   b_total = b_hw + b_models + b_rest
        (1 − total) = (1 − hardware)(1 − smaller models)(1 − remainder)

    b_total: OLS on the records of ``inference-price``; b_hw: minus the slope of the catalog's rental
    price-performance (FLOP per USD) over the same years; b_models: the slope of the active parameters
    of the cheapest open-weight model at the level so far; b_rest: what is left. See :data:`INFERENCE_NOTES`.
    The default level (gpt-3, MMLU >= 43.9) has the longest run of records (2021-2024); at higher levels
    the open-model records span months, and their slope says little.
    """
    from ..errors import InputError
    from .bundled import get_series

    s = get_series("inference-price", capability=capability, include_reasoning=include_reasoning,
                   catalog=catalog).between(since, until)
    rec = s.records()
    if len(rec) < 3:
        raise InputError(f"needs at least 3 records at the level; {s.title} has {len(rec)}", field="capability")
    t = rec.years
    total = _component("total", fit_exponential(t, rec.values, level=level), level,
                       "API price at the capability level [USD per 1M tokens]")
    open_pts = [p for p in s.points if p.extra.get("open_weights") and p.extra.get("active_params")]
    open_rec = replace_points(s, open_pts).records()
    if len(open_rec) < 3 or len({p.date for p in open_rec.points}) < 3:
        raise InputError(f"needs at least 3 cheapest-so-far open-weight models with published sizes at the level; "
                         f"{s.title} has {len(open_rec)}", field="capability")
    f_size = fit_exponential(open_rec.years, [p.extra["active_params"] for p in open_rec.points], level=level)
    models = _component("smaller models", f_size, level,
                        f"active parameters of the cheapest open model at the level [count] ({len(open_rec)} models)")
    pp = get_series("gpu-cloud-price-performance", catalog=catalog).between(float(t.min()), float(t.max()) + 1e-9)
    if len(pp) < 3:
        raise InputError(f"needs at least 3 cloud price-performance points in {t.min():.1f}-{t.max():.1f}", field="since")
    hw = _component("hardware price-performance", fit_exponential(pp.years, pp.values, level=level), level,
                    "catalog rental peak FLOP per USD, inverted [USD/FLOP]", sign=-1.0)
    b_rest = total.slope_per_year - models.slope_per_year - hw.slope_per_year
    rest = Component("remainder (software, margins)", 1 - math.exp(b_rest), None, b_rest,
                     "total - hardware - smaller models, in ln units")
    return Decomposition(s.name, "records", len(rec), float(t.min()), float(t.max()), level, total, (hw, models, rest),
                         (), PUBLISHED_INFERENCE, (f"level: {s.title}",) + INFERENCE_NOTES)


def replace_points(series, points):
    """The series with only ``points`` (same name, unit and direction)."""
    from dataclasses import replace

    return replace(series, points=tuple(points))
