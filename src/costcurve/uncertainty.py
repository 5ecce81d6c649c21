"""Inputs as ranges, Monte Carlo through the vectorized estimators, percentiles and sensitivity out.

Any numeric input of :func:`costcurve.estimate_training` (and ``estimate_inference``) may be a
distribution, written as text or given as an object:

* ``LOW..HIGH`` — a 90% interval: lognormal with p5 = LOW and p95 = HIGH (positive quantities, as
  Epoch AI does for its cost estimates, Cottier et al. 2024, App. A.7); ``LOW = HIGH`` is a fixed value;
* ``lognormal(p5,p95)``, ``normal(mu,sd)``, ``uniform(a,b)``, ``triangular(a,mode,b)``.

Numbers take the usual suffixes (``7B..8B``). Samples outside a quantity's bounds (MFU in (0, 1],
counts > 0) are redrawn from the same distribution (truncation), so bounded inputs stay in bounds.

The Monte Carlo draws ``samples`` values of every uncertain input (seeded), calls the estimator once
with arrays, and summarises every output that varies by p5, p50, p95 and mean. Sensitivity ranks the
inputs by their share of the output's rank variance: the squared Spearman correlation of each input
with the output, normalised to sum to 1 (a first-order, monotone measure; Saltelli et al. 2008, §1.2.5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .report.notebook import NotebookMixin

from .errors import InputError
from .units import parse_quantity, show

Z95 = 1.6448536269514722  #: standard normal quantile of 0.95
MAX_REDRAWS = 50  #: rounds of redrawing out-of-bounds samples before a distribution is refused
DEFAULT_SAMPLES = 10_000
MAX_SAMPLES = 10_000_000  #: a Monte Carlo beyond this would need more than ~1 GB per output array


@dataclass(frozen=True)
class Dist:
    """A distribution of one input. ``kind``: fixed | lognormal | normal | uniform | triangular."""

    kind: str
    params: tuple
    text: str = ""

    def sample(self, rng: np.random.Generator, n: int, low: float = 0.0, high: float = math.inf,
               low_inclusive: bool = False, field: str = "distribution") -> np.ndarray:
        """Draw ``n`` values, redrawing any outside (low, high] or not finite (truncation)."""
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            x = self._draw(rng, n)
            for _ in range(MAX_REDRAWS):
                bad = ~((x > low) | (low_inclusive & (x >= low))) | (x > high) | ~np.isfinite(x)
                if not bad.any():
                    return x
                x[bad] = self._draw(rng, int(bad.sum()))
        raise InputError(f"{self.text or self.kind}: almost no probability inside the allowed range "
                         f"{'[' if low_inclusive else '('}{low:g}, {high:g}] of finite numbers", field=field)

    def _draw(self, rng, n):
        k, p = self.kind, self.params
        if k == "fixed":
            return np.full(n, p[0])
        if k == "lognormal":
            lo, hi = math.log(p[0]), math.log(p[1])
            return np.exp(rng.normal((lo + hi) / 2, (hi - lo) / (2 * Z95), n))
        if k == "logit-normal":  # (median, sd on the logit): the scatter of a fitted fraction
            z = math.log(p[0] / (1 - p[0]))
            return 1 / (1 + np.exp(-rng.normal(z, p[1], n)))
        if k == "normal":
            return rng.normal(p[0], p[1], n)
        if k == "uniform":
            return rng.uniform(p[0], p[1], n)
        if k == "triangular":
            return rng.triangular(p[0], p[1], p[2], n)
        raise InputError(f"unknown distribution {k!r}", field="distribution")

    @property
    def median(self) -> float:
        k, p = self.kind, self.params
        return {"fixed": lambda: p[0], "lognormal": lambda: math.sqrt(p[0] * p[1]), "logit-normal": lambda: p[0],
                "normal": lambda: p[0], "uniform": lambda: (p[0] + p[1]) / 2,
                "triangular": lambda: _tri_median(*p)}[k]()


def _tri_median(a, c, b):
    if c >= (a + b) / 2:
        return a + math.sqrt((b - a) * (c - a) / 2)
    return b - math.sqrt((b - a) * (b - c) / 2)


_FUNC = re.compile(r"^\s*(lognormal|normal|uniform|triangular)\s*\((.*)\)\s*$", re.I)
_ARITY = {"lognormal": 2, "normal": 2, "uniform": 2, "triangular": 3}
SYNTAX = "LOW..HIGH (90% interval), lognormal(p5,p95), normal(mu,sd), uniform(a,b), triangular(a,mode,b)"


def is_distribution(value) -> bool:
    """True for a :class:`Dist` or text in range syntax."""
    if isinstance(value, Dist):
        return True
    return isinstance(value, str) and (".." in value or bool(_FUNC.match(value)))


def parse_dist(value, field: str) -> Dist:
    """Parse range syntax (see module doc) into a :class:`Dist`; errors name ``field`` and the syntax."""
    if isinstance(value, Dist):
        return value
    text = str(value).strip()
    m = _FUNC.match(text)
    if m:
        kind = m.group(1).lower()
        parts = [s for s in m.group(2).split(",")]
        if len(parts) != _ARITY[kind] or not all(s.strip() for s in parts):
            raise InputError(f"{text!r}: {kind} takes {_ARITY[kind]} numbers; allowed: {SYNTAX}", field=field)
        nums = tuple(_number(s, field, text) for s in parts)
        if kind == "lognormal" and not (0 < nums[0] <= nums[1]):
            raise InputError(f"{text!r}: lognormal needs 0 < p5 <= p95", field=field)
        if kind == "normal" and nums[1] < 0:
            raise InputError(f"{text!r}: normal needs sd >= 0", field=field)
        if kind == "uniform" and not nums[0] <= nums[1]:
            raise InputError(f"{text!r}: uniform needs a <= b", field=field)
        if kind == "triangular" and not nums[0] <= nums[1] <= nums[2]:
            raise InputError(f"{text!r}: triangular needs a <= mode <= b", field=field)
        if kind in ("normal",) and nums[1] == 0 or kind in ("uniform", "lognormal") and nums[0] == nums[1] \
                or kind == "triangular" and nums[0] == nums[2]:
            return Dist("fixed", (nums[0] if kind != "lognormal" else nums[0],), text)
        return Dist(kind, nums, text)
    if ".." in text:
        parts = text.split("..")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(f"{text!r} is not a range; allowed: {SYNTAX}", field=field)
        lo, hi = (_number(s, field, text) for s in parts)
        if not (0 < lo <= hi):
            raise InputError(f"{text!r}: a LOW..HIGH range needs 0 < LOW <= HIGH; allowed: {SYNTAX}", field=field)
        return Dist("fixed", (lo,), text) if lo == hi else Dist("lognormal", (lo, hi), text)
    raise InputError(f"{text!r} is not a distribution; allowed: {SYNTAX}", field=field)


#: how the numbers of a range are read, by field (see costcurve.units.parse_quantity); default: count
QUANTITY_KIND = {
    "max_time_per_output_token_s": ("time", "s"), "max_time_to_first_token_s": ("time", "s"),
    "allreduce_latency_s": ("time", "s"), "days": ("time", "d"),
    "price_usd_per_gpu_hour": ("money", "s"), "chip_price_usd": ("money", "s"),
    **{k: ("plain", "s") for k in ("mfu", "goodput", "utilization", "flop_efficiency", "bandwidth_efficiency",
                                   "interconnect_efficiency", "memory_utilization", "pue", "server_overhead",
                                   "server_power_overhead", "power_utilization", "electricity_usd_per_kwh",
                                   "grid_kg_co2_per_kwh", "depreciation_per_year")},
}


def _number(s, field, text):
    kind, unit = QUANTITY_KIND.get(field, ("count", "s"))
    try:
        v = parse_quantity(s.strip(), field, kind, default_unit=unit)
    except InputError as e:
        raise InputError(f"{show(text)}: {e.message}; ranges: {SYNTAX}", field=field) from None
    if not math.isfinite(v):
        raise InputError(f"{show(text)}: numbers must be finite", field=field)
    return v


# ---- summaries -------------------------------------------------------------------------------
def summarize(x) -> dict | None:
    """p5, p50, p95 and mean of a sample array.

    Samples that are NaN (e.g. a configuration that does not fit in memory) are left out and their
    share is reported as ``invalid_share``; None when no sample is finite.
    """
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    if not ok.all():
        if not ok.any():
            return None
        out = summarize(x[ok])
        out["invalid_share"] = float(1 - ok.mean())
        return out
    p5, p50, p95 = _quantiles(x)
    with np.errstate(over="ignore"):
        mean = float(np.sum(x / len(x)))  # the mean of huge finite figures, without the sum overflowing first
    return {"p5": p5, "p50": p50, "p95": p95, "mean": mean}


_Q = np.array([0.05, 0.5, 0.95])


def _quantiles(x) -> tuple:
    """p5, p50, p95 with linear interpolation (numpy's default method), from one partial sort."""
    n = len(x)
    pos = _Q * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(x, np.unique(np.concatenate([lo, hi])))
    q = part[lo] + (pos - lo) * (part[hi] - part[lo])
    return float(q[0]), float(q[1]), float(q[2])


SENSITIVITY_MAX_SAMPLES = 20_000  #: rank correlations use at most this many draws (standard error ~0.007)


def sensitivity(inputs: dict, output) -> list[dict]:
    """Rank inputs by share of the output's spread: squared Spearman correlation, normalised.

    Spearman's rho by :func:`scipy.stats.spearmanr` (tied values get their average rank, as
    integer inputs such as a batch size have many ties). Uses the first
    :data:`SENSITIVITY_MAX_SAMPLES` draws (they are independent). Returns a list of
    ``{"input", "spearman", "share"}`` sorted by share, largest first; an input or output that
    does not vary has rho 0.
    """
    from scipy.stats import spearmanr

    m = SENSITIVITY_MAX_SAMPLES
    y = np.asarray(output, dtype=float)[:m]
    rows = []
    for name, x in inputs.items():
        x = np.asarray(x, dtype=float)[:m]
        if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
            rho = 0.0
        else:
            rho = float(spearmanr(x, y).statistic)
        rows.append({"input": name, "spearman": rho if math.isfinite(rho) else 0.0})
    total = sum(r["spearman"] ** 2 for r in rows) or 1.0
    for r in rows:
        r["share"] = r["spearman"] ** 2 / total
    return sorted(rows, key=lambda r: -r["share"])


@dataclass(frozen=True)
class UncertainEstimate(NotebookMixin):
    """Monte Carlo result: the estimator's result with sample arrays, plus the sampled inputs.

    ``summary(name)`` gives p5/p50/p95/mean of an output; ``sensitivity(name)`` ranks the inputs.
    """

    samples: object  #: the estimator's result object, numeric fields as arrays of length n
    inputs: dict  #: name -> sampled array of each uncertain input
    n_samples: int
    seed: int | None
    target: str = "cost_cloud_usd"  #: the output the sensitivity table explains by default

    def __getattr__(self, name):
        # numeric figures of the wrapped result, as arrays
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "samples"), name)

    def summary(self, name: str) -> dict | object:
        v = getattr(self.samples, name)
        if isinstance(v, np.ndarray) and v.ndim and v.size > 1:
            return summarize(v)
        return v

    def sensitivity(self, output: str | None = None) -> list[dict]:
        out = np.asarray(getattr(self.samples, output or self.target), dtype=float)
        ok = np.isfinite(out)
        if ok.sum() < 10 or not self.inputs:
            return []
        return sensitivity({k: np.asarray(v)[ok] if np.ndim(v) else v for k, v in self.inputs.items()}, out[ok])

    def to_dict(self) -> dict:
        """Like the estimator's ``to_dict``; each figure that varies becomes {p5, p50, p95, mean}."""
        n = self.n_samples
        seen = {}

        def convert(v):
            if isinstance(v, dict):
                return {k: convert(x) for k, x in v.items()}
            if isinstance(v, np.ndarray) and v.size == n:
                if id(v) not in seen:  # the same array under two names is summarised once
                    seen[id(v)] = (v, _summary_or_value(v))
                return seen[id(v)][1]
            if isinstance(v, (tuple, list)):
                return [convert(x) for x in v]
            if isinstance(v, (float, np.floating)):
                return float(v) if math.isfinite(v) else None
            return v

        d = self.samples.to_dict(convert)
        d["samples"] = n
        d["seed"] = self.seed
        d["sensitivity"] = {"output": self.target, "inputs": self.sensitivity()}
        return d


def _summary_or_value(v):
    v = np.asarray(v)
    if v.dtype == bool:
        return float(v.mean())  # share of samples where it holds
    if v.dtype.kind in "OUS":
        values, counts = np.unique(v, return_counts=True)
        return str(values[np.argmax(counts)])  # the most common outcome
    v = np.asarray(v, dtype=float).ravel()
    if v[0] == v[-1] and np.isfinite(v[0]) and (v == v[0]).all():
        return float(v[0])
    return summarize(v)


def price_spread(catalog, base, provider, kind) -> dict:
    """Lognormal spread on a catalog price, from the quotes it was chosen from."""
    from .prices import price_spread_log

    if not math.isfinite(base.price_usd_per_gpu_hour):
        return {}
    sd = price_spread_log(catalog, base.gpu, base.date, provider=provider, kind=kind)
    if not sd:
        return {}
    p = float(base.price_usd_per_gpu_hour)
    return {"price_usd_per_gpu_hour": Dist("lognormal", (p * math.exp(-Z95 * sd), p * math.exp(Z95 * sd)),
                                           "catalog price spread")}


# ---- the generic Monte Carlo -----------------------------------------------------------------
BOUNDS = {"mfu": (0.0, 1.0), "goodput": (0.0, 1.0), "power_utilization": (0.0, 1.0), "pue": (1.0, math.inf),
          "utilization": (0.0, 1.0), "flop_efficiency": (0.0, 1.0), "bandwidth_efficiency": (0.0, 1.0),
          "interconnect_efficiency": (0.0, 1.0), "memory_utilization": (0.0, 1.0)}
LOW_INCLUSIVE = {"pue", "grid_kg_co2_per_kwh", "allreduce_latency_s"}


def check_samples(samples) -> int:
    """Validate a sample count (default :data:`DEFAULT_SAMPLES`)."""
    from .units import number_input, show

    if samples is None:
        return DEFAULT_SAMPLES
    v = number_input(samples, "samples", integer=True)
    if not 2 <= v <= MAX_SAMPLES:
        raise InputError(f"got {show(v)}; allowed: a whole number 2..{MAX_SAMPLES:,}", field="samples")
    return int(v)


def check_seed(seed) -> int | None:
    """Validate a seed: None or a whole number >= 0 (an int, or text of one)."""
    from .units import number_input

    if seed is None:
        return None
    return int(number_input(seed, "seed", integer=True, allow_zero=True, upper=2.0**63))


#: the draws of an input may reach at most this many times its distribution's centre (median) at their
#: 95th percentile [1]: ``normal(2,1e300)`` for a price truncates to draws of ~1e300, a spread no one means
#: (a 90% interval ``1e-3..1e9`` of a price, twelve orders of magnitude, still passes)
MAX_SPREAD_FACTOR = 1e6


def check_spread(d: Dist, x: np.ndarray, field: str) -> None:
    """Refuse draws ``x`` of ``d`` whose sum overflows or that run far past the centre.

    The sum must be finite (a mean of the draws exists) and the draws' 95th percentile at most
    :data:`MAX_SPREAD_FACTOR` times the distribution's median (where that median is > 0).
    Raises InputError naming ``field``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(x / max(x.size, 1)))  # the mean, without the sum overflowing first
        p95 = float(np.quantile(x, 0.95)) if x.size else 0.0
    centre = d.median
    text = d.text or d.kind
    if not math.isfinite(total) or not math.isfinite(p95):
        raise InputError(f"{show(text)}: its draws are too large to add up (they overflow); give a spread of "
                         f"numbers you mean, e.g. a 90% interval LOW..HIGH", field=field)
    if centre > 0 and p95 > MAX_SPREAD_FACTOR * centre:
        raise InputError(f"{show(text)}: a spread that cannot be meant: its draws reach {p95:.3g} (95th percentile), "
                         f"more than {MAX_SPREAD_FACTOR:g} times its centre {centre:g}; give the spread you mean, "
                         f"e.g. a 90% interval LOW..HIGH", field=field)


def draw(dists: dict, rng, n: int, integer=()) -> dict:
    """Sample each named distribution within its bounds (:func:`check_spread` on each); integer-valued
    inputs are rounded (>= 1)."""
    out = {}
    for name, d in dists.items():
        lo, hi = BOUNDS.get(name, (0.0, math.inf))
        x = d.sample(rng, n, lo, hi, low_inclusive=name in LOW_INCLUSIVE, field=name)
        check_spread(d, x, name)
        out[name] = np.maximum(np.round(x), 1.0) if name in integer else x
    return out


def run_monte_carlo(estimator, kwargs: dict, numeric, *, samples=None, seed=None, default_spreads=None,
                    integer=(), target="cost_cloud_usd", constant=None, extra_dists=None, apply=None) -> UncertainEstimate:
    """Monte Carlo of a vectorized estimator.

    ``numeric`` names the keyword arguments that may be distributions. ``extra_dists`` are more
    distributions that ``apply(kwargs, values) -> kwargs`` puts into the call (e.g. fields of an
    assumptions object). The estimator is first run at the inputs' medians; ``default_spreads(result)``
    may add distributions (spread on defaults). Then every distribution is sampled (seeded) and the
    estimator runs once on the arrays. ``constant`` names a result field to broadcast to ``samples``
    when nothing varies, so that summaries still come from arrays of the right length.
    """
    n = check_samples(samples)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    dists = {k: parse_dist(kwargs[k], k) for k in numeric if is_distribution(kwargs.get(k))}
    extra = dict(extra_dists or {})
    point = dict(kwargs)
    for k, d in dists.items():
        point[k] = round(d.median) if k in integer else d.median
    if extra:
        point = apply(point, {k: d.median for k, d in extra.items()})
    # the run at the medians only serves spreads on defaults and the no-range case: samples of a
    # range may be valid where its median is not (a batch range past what fits in memory)
    base = estimator(**point) if default_spreads is not None or not (dists or extra) else None
    if default_spreads is not None:
        dists.update(default_spreads(base))
    inputs = draw({**dists, **extra}, rng, n, integer)
    call = dict(kwargs)
    call.update({k: v for k, v in inputs.items() if k in dists})
    if extra:
        call = apply(call, {k: inputs[k] for k in extra})
    if not inputs and constant:
        call = dict(point)
        call[constant] = np.full(n, float(getattr(base, constant)))
    return UncertainEstimate(samples=estimator(**call), inputs=inputs, n_samples=n, seed=seed, target=target)
