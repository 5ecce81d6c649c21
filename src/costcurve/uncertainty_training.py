"""Monte Carlo of :func:`costcurve.estimate_training` (see :mod:`costcurve.uncertainty`).

Uncertain defaults under ``uncertainty=True`` when the user gives no range:
* MFU: logit-normal around the default model's prediction with the scatter of the published runs
  it was fitted on (``MFUModel.residual_sd_logit``, costcurve.mfu);
* price: lognormal around the chosen catalog price with the spread of ln(price) of the quotes
  it was chosen from (:func:`costcurve.prices.price_spread_log`).
Cost-assumption fields (PUE, electricity price, ...) given as ranges are sampled too.
"""

from __future__ import annotations

import dataclasses

from .costs import DEFAULT_ASSUMPTIONS
from .uncertainty import Dist, UncertainEstimate, is_distribution, parse_dist, price_spread, run_monte_carlo

NUMERIC = ("params", "active_params", "tokens", "training_flop", "gpus", "days", "mfu", "goodput",
           "price_usd_per_gpu_hour", "chip_price_usd", "seq_len")


def monte_carlo_training(kwargs: dict, *, samples=None, seed=None, uncertainty=False) -> UncertainEstimate:
    """Sample every uncertain input of estimate_training, run it once on the arrays, wrap the result."""
    from .training import estimate_training

    A = kwargs.get("assumptions") or DEFAULT_ASSUMPTIONS
    a_dists = {f.name: parse_dist(getattr(A, f.name), f.name) for f in dataclasses.fields(A)
               if is_distribution(getattr(A, f.name))}

    def apply(kw, values):  # assumption fields go into a CostAssumptions object
        return dict(kw, assumptions=dataclasses.replace(A, **values))

    def spreads(base):
        extra = {}
        if uncertainty and kwargs.get("mfu") is None and base.mfu_source == "default model":
            from .mfu import default_mfu_model

            sd = default_mfu_model(kwargs["catalog"]).residual_sd_logit
            extra["mfu"] = Dist("logit-normal", (float(base.mfu), sd), "default MFU scatter")
        if uncertainty and kwargs.get("price_usd_per_gpu_hour") is None:
            extra.update(price_spread(kwargs["catalog"], base, kwargs.get("provider"), kwargs.get("price_kind", "on-demand")))
        return extra

    return run_monte_carlo(estimate_training, kwargs, NUMERIC, samples=samples, seed=seed, default_spreads=spreads,
                           integer=("seq_len",),
                           constant="tokens" if kwargs.get("training_flop") is None else "training_flop",
                           extra_dists=a_dists, apply=apply)
