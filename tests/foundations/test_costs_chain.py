"""The one cost chain (costcurve.costs.run_costs): hand-computed figures, and training and the planner on it."""

import math

import numpy as np
import pytest

from costcurve import costs
from costcurve.catalog import load_catalog
from costcurve.training.planner.cost import plan_cost_usd
from costcurve import estimate_training

CAT = load_catalog()


def test_run_costs_by_hand():
    """1,024 accelerators of 700 W for 30 days at $2/h and $25,000 a chip, the default assumptions."""
    A = costs.DEFAULT_ASSUMPTIONS
    s = 30 * 86400.0
    d = costs.run_costs(A, n_accelerators=1024, tdp_w=700.0, wall_clock_s=s, accelerator_hours=1024 * 720.0,
                        usd_per_accelerator_hour=2.0, chip_price_usd=25_000.0)
    kwh = 1024 * 700 * 1.8 * 0.75 * 1.1 * 720 / 1000  # n × TDP × server overhead × utilisation × PUE × hours
    capex = 1024 * 25_000 * 1.64 / 0.81
    years = s / (365.25 * 86400)
    assert d["energy_kwh"] == pytest.approx(kwh, rel=1e-12)
    assert d["cost_cloud_usd"] == pytest.approx(1024 * 720 * 2.0, rel=1e-12)
    assert d["cost_acquisition_usd"] == pytest.approx(capex, rel=1e-12)
    assert d["cost_amortized_usd"] == pytest.approx(capex * (1 - math.exp(-0.14 * math.log(10) * years))
                                                    + kwh * 0.0826, rel=1e-9)
    assert d["co2_kg"] == pytest.approx(kwh * 0.367, rel=1e-12)
    assert tuple(d) == costs.RUN_COST_KEYS


def test_run_costs_broadcast_over_arrays():
    A = costs.DEFAULT_ASSUMPTIONS
    n = np.array([8.0, 64.0, 512.0])
    d = costs.run_costs(A, n_accelerators=n, tdp_w=700.0, wall_clock_s=86400.0, accelerator_hours=n * 24,
                        usd_per_accelerator_hour=2.0, chip_price_usd=25_000.0)
    one = costs.run_costs(A, n_accelerators=64.0, tdp_w=700.0, wall_clock_s=86400.0, accelerator_hours=64 * 24.0,
                          usd_per_accelerator_hour=2.0, chip_price_usd=25_000.0)
    for k in costs.RUN_COST_KEYS:
        assert d[k].shape == (3,) and d[k][1] == pytest.approx(one[k], rel=1e-12)


def test_training_and_planner_dollars_come_from_the_one_chain():
    est = estimate_training(params=70e9, tokens=15e12, gpu="h100", gpus=4096, mfu=0.4, goodput=0.9,
                            date="2024-06-01", catalog=CAT)
    acc = CAT.accelerator("h100")
    got, price, _ = plan_cost_usd(CAT, acc, 4096, est.wall_clock_s, est.gpu_hours, est.date)
    assert price == pytest.approx(est.price_usd_per_gpu_hour)
    assert got["cloud"] == pytest.approx(est.cost_cloud_usd, rel=1e-12)
    assert got["amortized"] == pytest.approx(est.cost_amortized_usd, rel=1e-12)
    assert got["acquisition"] == pytest.approx(est.cost_acquisition_usd, rel=1e-12)
