"""The shared cost chain of the decisions: one call of :func:`costcurve.training.estimate.estimate_training`
for time and dollars, and the Monte Carlo wrapper that lets every numeric input be a range."""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..uncertainty import Dist, is_distribution, price_spread, run_monte_carlo

#: keyword arguments of estimate_training that the decisions pass through unchanged
CHAIN_KEYS = ("gpu", "gpus", "days", "mfu", "dtype", "goodput", "price_usd_per_gpu_hour", "provider", "price_kind",
              "date", "assumptions", "calibration", "catalog")


def run_training(chain: dict, **run):
    """Time and dollars of a run through ``estimate_training`` (never its own Monte Carlo: the decision
    samples first and passes arrays). ``run``: params/tokens or training_flop."""
    from costcurve.training.estimate import estimate_training

    return estimate_training(**{k: chain.get(k) for k in CHAIN_KEYS if chain.get(k) is not None}, **run)


def require_price(est) -> None:
    """Raise when the chain has no rental price for the accelerator (NaN): the user must give one."""
    if not np.all(np.isfinite(np.asarray(est.price_usd_per_gpu_hour, dtype=float))):
        raise InputError(f"{est.price_source}", field="price_usd_per_gpu_hour")


def any_range(kwargs: dict, numeric) -> bool:
    """Whether any of the ``numeric`` arguments is a range or distribution."""
    return any(is_distribution(kwargs.get(k)) for k in numeric)


def monte_carlo(estimator, kwargs: dict, numeric, *, samples, seed, uncertainty, target, constant, integer=("gpus",)):
    """Seeded Monte Carlo of a vectorized decision: ranges sampled; with ``uncertainty`` also the
    default MFU (logit-normal, the scatter of the runs it was fitted on) and the catalog price spread,
    as ``costcurve train --uncertainty`` does. ``constant`` names a numeric argument the estimator takes,
    broadcast to the sample count when nothing varies."""

    def spreads(base):
        extra = {}
        if not uncertainty:
            return extra
        cat = kwargs["catalog"]
        if kwargs.get("mfu") is None and getattr(base, "mfu", None) is not None:
            from costcurve.training.efficiency import default_mfu_model

            sd = default_mfu_model(cat).residual_sd_logit
            m = float(np.nanmedian(np.asarray(base.mfu, dtype=float)))
            if math.isfinite(m):
                extra["mfu"] = Dist("logit-normal", (m, sd), "default MFU scatter")
        if kwargs.get("price_usd_per_gpu_hour") is None and hasattr(base, "price_usd_per_gpu_hour"):
            extra.update(price_spread(cat, base, kwargs.get("provider"), kwargs.get("price_kind", "on-demand")))
        return extra

    return run_monte_carlo(estimator, kwargs, numeric, samples=samples, seed=seed, default_spreads=spreads,
                           integer=integer, target=target, constant=constant)


def plain(x):
    """A 0-d array or numpy scalar as float; arrays unchanged."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return float(x)
    if isinstance(x, np.generic):
        return x.item()
    return x
