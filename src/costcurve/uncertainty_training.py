"""Monte Carlo of :func:`costcurve.estimate_training` (see :mod:`costcurve.uncertainty`).

Uncertain defaults under ``uncertainty=True`` when the user gives no range:
* MFU: logit-normal around the default model's prediction with the scatter of the published runs
  it was fitted on (``MFUModel.residual_sd_logit``, costcurve.mfu);
* price: lognormal around the chosen catalog price with the spread of ln(price) of the quotes
  it was chosen from (:func:`costcurve.prices.price_spread_log`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .costs import DEFAULT_ASSUMPTIONS
from .uncertainty import DEFAULT_SAMPLES, Dist, UncertainEstimate, is_distribution, parse_dist

BOUNDS = {"mfu": (0.0, 1.0), "goodput": (0.0, 1.0), "power_utilization": (0.0, 1.0), "pue": (1.0, math.inf)}
NUMERIC = ("params", "active_params", "tokens", "training_flop", "gpus", "days", "mfu", "goodput",
           "price_usd_per_gpu_hour", "chip_price_usd")


def _check_n(samples):
    from .errors import InputError

    if samples is None:
        return DEFAULT_SAMPLES
    if isinstance(samples, str):
        from .units import parse_quantity

        samples = parse_quantity(samples, "samples")
    if not float(samples).is_integer() or not 2 <= samples <= 10_000_000:
        raise InputError(f"got {samples!r}; allowed: a whole number 2..10,000,000", field="samples")
    return int(samples)


def monte_carlo_training(kwargs: dict, *, samples=None, seed=None, uncertainty=False) -> UncertainEstimate:
    """Sample every uncertain input, run the vectorized estimator once, wrap the arrays."""
    from .errors import InputError
    from .training import estimate_training

    n = _check_n(samples)
    if seed is not None and (not float(seed).is_integer() or seed < 0):
        raise InputError(f"got {seed!r}; allowed: a whole number >= 0", field="seed")
    rng = np.random.default_rng(None if seed is None else int(seed))
    inputs, point = {}, dict(kwargs)
    dists = {}
    for name in NUMERIC:
        v = kwargs.get(name)
        if is_distribution(v):
            dists[name] = parse_dist(v, name)
    A = kwargs.get("assumptions") or DEFAULT_ASSUMPTIONS
    a_dists = {}
    for f in dataclasses.fields(A):
        v = getattr(A, f.name)
        if is_distribution(v):
            a_dists[f.name] = parse_dist(v, f.name)
    # the point estimate at the inputs' medians gives the default MFU and price to spread around
    for name, d in dists.items():
        point[name] = d.median
    point["assumptions"] = dataclasses.replace(A, **{k: d.median for k, d in a_dists.items()}) if a_dists else A
    base = estimate_training(**point)
    if uncertainty and kwargs.get("mfu") is None and base.mfu_source == "default model":
        from .mfu import default_mfu_model

        sd = default_mfu_model(kwargs["catalog"]).residual_sd_logit
        dists["mfu"] = Dist("logit-normal", (float(base.mfu), sd), f"default MFU {float(base.mfu):.3f}, logit sd {sd:.2f}")
    if uncertainty and kwargs.get("price_usd_per_gpu_hour") is None and math.isfinite(base.price_usd_per_gpu_hour):
        from .prices import price_spread_log

        cat = kwargs["catalog"]
        sd = price_spread_log(cat, base.gpu, base.date, provider=kwargs.get("provider"), kind=kwargs.get("price_kind", "on-demand"))
        if sd:
            p = float(base.price_usd_per_gpu_hour)
            dists["price_usd_per_gpu_hour"] = Dist("lognormal", (p * math.exp(-1.6448536 * sd), p * math.exp(1.6448536 * sd)),
                                                   "catalog price spread")
    call = dict(kwargs)
    for name, d in dists.items():
        lo, hi = BOUNDS.get(name, (0.0, math.inf))
        call[name] = inputs[name] = d.sample(rng, n, lo, hi)
    if a_dists:
        vals = {}
        for name, d in a_dists.items():
            lo, hi = BOUNDS.get(name, (0.0, math.inf))
            vals[name] = inputs[name] = d.sample(rng, n, lo, hi, low_inclusive=name in ("pue", "grid_kg_co2_per_kwh"))
        call["assumptions"] = dataclasses.replace(A, **vals)
    if not inputs:
        # nothing varies (degenerate ranges): the arrays are constant, the summaries equal the point estimate
        call = dict(point)
        call["tokens"] = np.full(n, base.tokens) if base.tokens is not None else None
        if call["tokens"] is None:
            call["training_flop"] = np.full(n, base.training_flop)
    est = estimate_training(**call)
    return UncertainEstimate(samples=est, inputs=inputs, n_samples=n, seed=seed)
