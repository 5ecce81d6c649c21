"""Dollars of a plan through the same cost chain as :func:`costcurve.training.estimate.estimate_training`.

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
    A = assumptions or DEFAULT_ASSUMPTIONS
    price, source = resolve_price(catalog, acc.name, date, price_usd_per_gpu_hour, provider=provider, kind=price_kind)
    chip = chip_price_usd if chip_price_usd is not None else (acc.price_usd or math.nan)
    energy = costs.energy_kwh(gpus, acc.tdp_w or math.nan, wall_clock_s, server_power_overhead=A.server_power_overhead,
                              power_utilization=A.power_utilization, pue=A.pue)
    capex = costs.acquisition_cost_usd(gpus, chip, A.server_overhead)
    amortized = costs.amortized_capex_usd(capex, wall_clock_s, A.depreciation_per_year) + energy * A.electricity_usd_per_kwh
    return ({"cloud": costs.cloud_cost_usd(gpu_hours, price), "amortized": amortized, "acquisition": capex},
            price, source)
