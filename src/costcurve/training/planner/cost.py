"""Dollars of a plan through the one cost chain, :func:`costcurve.costs.run_costs` (as training).

Cloud: accelerator-hours × the catalog price (:func:`costcurve.prices.resolve_price`); amortized:
the capex used up during the run plus energy; acquisition: buying the cluster
(:mod:`costcurve.costs`, Cottier et al. 2024).
"""

from __future__ import annotations

import math

from costcurve import costs
from costcurve.costs import DEFAULT_ASSUMPTIONS
from costcurve.prices import resolve_price


def plan_cost_usd(catalog, acc, gpus, wall_clock_s, gpu_hours, date, *, price_usd_per_gpu_hour=None,
                  provider=None, price_kind="on-demand", chip_price_usd=None, assumptions=None):
    """({cloud, amortized, acquisition} [USD], price [USD/h], price source) of a run."""
    price, source = resolve_price(catalog, acc.name, date, price_usd_per_gpu_hour, provider=provider, kind=price_kind)
    chip = chip_price_usd if chip_price_usd is not None else (acc.price_usd or math.nan)
    d = costs.run_costs(assumptions or DEFAULT_ASSUMPTIONS, n_accelerators=gpus, tdp_w=acc.tdp_w or math.nan,
                        wall_clock_s=wall_clock_s, accelerator_hours=gpu_hours, usd_per_accelerator_hour=price,
                        chip_price_usd=chip)
    return ({"cloud": d["cost_cloud_usd"], "amortized": d["cost_amortized_usd"],
             "acquisition": d["cost_acquisition_usd"]}, price, source)
