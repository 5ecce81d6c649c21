"""The least value at a capability level so far (training FLOP needed, active parameters) as a record process.

A record at a level moves only when a model that beats it is released. Between records it holds; at a
record it steps down, and the steps at these levels are lumpy: ten of the training-FLOP records steps
in the models catalog are under 1.3× while LLaMA-7B (2023) and Phi-3-mini (2024) cut the FLOP needed by
4–8× in one release. So the record is modelled as a compound Poisson process in ln x (Ho et al. 2024
measure algorithmic progress in language models as a rate, halving the compute every ~8 months, but
from fits across many models; the least-compute curve at one level falls in such steps):

    ln x(t) = ln x_a − min(J₁ + … + J_K, ln(x_a / F)),   K ~ Poisson(λ · τ)

* **rate** λ of new records a year, partially pooled over the levels of the family (the training-cost
  MMLU levels, or Epoch AI's API-price levels): a Gamma prior worth one level's exposure, with the
  family's mean count and mean span per level, updated by the level's own records,
  λ ~ Gamma(α₀ + k, β₀ + T) with α₀ = Σk_l / L, β₀ = ΣT_l / L (empirical Bayes; Gelman et al.,
  *Bayesian Data Analysis*, 3rd ed., ch. 5: the level with little data borrows from the others);
* **step sizes** J, drawn from the empirical distribution of every record step (drop of ln x) seen at
  any level of the family before the forecast's origin, each step once (the levels are nested, so one
  model's step shows at several levels): heavy-tailed as the data are, no Gaussian assumed;
* **floor** F: x never goes below it (the saturating bound; :data:`~costcurve.trends.drivers.FLOOR_FACTOR`
  below the last record); a step that would pass it stops at it.

Everything is fitted on the histories cut at the forecast's origin (``until``), so a hindcast knows only
the records before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RecordPool:
    """The record steps of a family's levels before a date: what a level's record process borrows."""

    steps: tuple  #: (from label, to label, drop of ln x) at records, each model pair once [1]
    jumps: int  #: record steps counted per level (a step shared by nested levels counts at each)
    exposure_years: float  #: sum over levels of the span from the first record to the last observation [year]
    levels: int  #: levels with at least one record

    @property
    def drops(self) -> tuple:
        """The distinct step sizes. [1]"""
        return tuple(x[2] for x in self.steps)

    def with_steps(self, steps) -> tuple:
        """The distinct step sizes of the pool and of ``steps`` (a level's own, which may be outside it). [1]"""
        seen = {(a, b): d for a, b, d in self.steps}
        for a, b, d in steps:
            seen.setdefault((a, b), d)
        return tuple(seen.values())

    @property
    def alpha0(self) -> float:
        """Prior shape of the rate: the mean count of steps per level."""
        return self.jumps / self.levels if self.levels else 0.0

    @property
    def beta0(self) -> float:
        """Prior rate parameter: the mean exposure per level. [year]"""
        return self.exposure_years / self.levels if self.levels else 0.0

    def to_dict(self) -> dict:
        return {"levels": self.levels, "record_steps": self.jumps, "distinct_steps": len(self.drops),
                "exposure_years": self.exposure_years,
                "rate_per_year": self.jumps / self.exposure_years if self.exposure_years > 0 else None}


def record_steps(history) -> list[tuple[str, str, float]]:
    """(from label, to label, drop of ln x) at each record of ``history`` after its first."""
    r = history.records()
    labels = r.labels or tuple(f"{y:.3f}" for y in r.years)
    ln = np.log(r.values)
    return [(labels[i], labels[i + 1], float(ln[i] - ln[i + 1])) for i in range(ln.size - 1)]


def record_pool(histories, until=None) -> RecordPool:
    """Pool the record steps of ``histories`` (one per level, the same driver) dated before ``until``."""
    seen: dict = {}
    jumps, exposure, levels = 0, 0.0, 0
    for h in histories:
        h = h.until(until)
        if h.years.size == 0:
            continue
        steps = record_steps(h)
        levels += 1
        jumps += len(steps)
        exposure += float(h.years.max() - h.records().years.min())
        for a, b, d in steps:
            seen.setdefault((a, b), (a, b, d))
    return RecordPool(tuple(seen.values()), jumps, exposure, levels)


def poisson_quantile(u, lam, k_max: int) -> np.ndarray:
    """Poisson quantile capped at ``k_max``: the least k with P(K ≤ k) ≥ u for mean ``lam`` (broadcast).

    The same as ``min(scipy.stats.poisson.ppf(u, lam), k_max)``, from the cumulative sum of the first
    ``k_max`` probabilities (pmf_k = pmf_{k−1} · lam / k), which is ~20× faster than scipy's ppf on the
    samples × horizons grid of a forecast (tested against it)."""
    u, lam = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(lam, dtype=float))
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    count = np.zeros(u.shape, dtype=int)
    for k in range(1, k_max + 1):
        below = cdf < u  # P(K ≤ k − 1) < u: the quantile is at least k
        if not below.any():
            break
        count += below
        pmf = pmf * lam / k
        cdf = cdf + pmf
    return count


def sample_record_drops(*, own_jumps: int, own_years: float, drops, pool: RecordPool | None, tau, u_rate, u_count,
                        distance: float, rng, max_jumps: int) -> np.ndarray:
    """Draws of the fall of ln x after the last observation, shape (samples, len(tau)), each in [0, distance].

    tau: years after the last observation, (len,) or a row per draw (samples, len) [year]; u_rate, u_count: uniforms (samples,) that draw the rate
    (its Gamma posterior) and the count (a Poisson quantile, so a draw's count only grows with tau);
    drops: the step sizes to resample [1]; distance: ln(last record / floor) [1]."""
    from scipy import stats

    a0, b0 = (pool.alpha0, pool.beta0) if pool is not None else (0.0, 0.0)
    shape, span = a0 + own_jumps, b0 + own_years
    rate = stats.gamma.ppf(u_rate, max(shape, 1e-9), scale=1.0 / max(span, 1e-9))
    tau = np.asarray(tau, dtype=float)
    count = poisson_quantile(u_count[:, None], rate[:, None] * (tau[None, :] if tau.ndim == 1 else tau), max_jumps)
    d = np.asarray(drops, dtype=float)
    n = u_rate.shape[0]
    sizes = rng.choice(d, size=(n, max_jumps)) if d.size else np.zeros((n, max_jumps))
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(sizes, axis=1)], axis=1)
    return np.minimum(np.take_along_axis(cum, count, axis=1), distance)


def rate_summary(own_jumps: int, own_years: float, pool: RecordPool | None) -> float:
    """Posterior mean rate of new records. [1/year]"""
    a0, b0 = (pool.alpha0, pool.beta0) if pool is not None else (0.0, 0.0)
    span = b0 + own_years
    return (a0 + own_jumps) / span if span > 0 else math.nan


def shared_records(driver_histories, series_histories) -> tuple[int, int]:
    """(records of the driver that were also records of the series, distinct records of the driver), each model's
    record counted once over the family's levels (its first level, nested levels repeat it): how often a new least
    FLOP (size) at a level was also a new cheapest cost (price) there."""
    shared = total = 0
    seen = set()
    for h, s in zip(driver_histories, series_histories):
        r, sr = h.records(), s.records()
        own = {(lab, round(float(t), 6)) for t, lab in zip(sr.years, sr.labels)}
        for t, lab in list(zip(r.years, r.labels))[1:]:
            key = (lab, round(float(t), 6))
            if key in seen:
                continue
            seen.add(key)
            total += 1
            shared += key in own
    return shared, total
