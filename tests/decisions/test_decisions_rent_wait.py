"""Rent-vs-buy and start-now-or-wait decisions: hand computations, invariants, the slacking result."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve.decisions.price_trend import price_trend
from costcurve.decisions.rent_vs_buy import rent_vs_buy
from costcurve.decisions.wait import decide_wait, earliest_finish_wait, finish_years, latest_start_for_deadline
from costcurve.errors import InputError, NoAnswerError

# ---- price trend ------------------------------------------------------------------------------------


def test_trend_matches_the_trend_command():
    from costcurve.trends.bundled import get_series
    from costcurve.trends.fit import fit_series

    t = price_trend()
    fit = fit_series(get_series("gpu-price-performance"), method="ols", points="all")
    assert t.growth_per_year == pytest.approx(fit.slope_per_year)
    assert t.annual_price_decline == pytest.approx(1 - 1 / fit.factor_per_year)
    lo, hi = t.annual_price_decline_ci
    assert lo < t.annual_price_decline < hi
    # Epoch AI's ML GPU price-performance trend is 0.14 OOM/yr (Cottier et al. 2024 §2.2): g = 0.322
    assert lo < 1 - 10 ** -0.14 < hi


# ---- rent vs buy ----------------------------------------------------------------------------------------
KW = dict(gpu="h100", gpus=8, price_usd_per_gpu_hour=2.0, chip_price_usd=25000.0, years=1, discount_rate=0.0,
          power_usd_per_kwh=0.1, colocation_usd_per_kw_month=200.0, date="2026-01-01")


def test_rent_vs_buy_hand_computation():
    """docs/decisions.md worked example: 8 H100 for one year, no discounting."""
    from costcurve.costs import DEFAULT_ASSUMPTIONS as A

    r = rent_vs_buy(utilization=1.0, resale=0.0, **KW)
    capex = 8 * 25000 * A.server_overhead
    kw = 8 * 700 * A.server_power_overhead / 1000
    power = kw * A.power_utilization * A.pue * 8766 * 0.1
    colo = kw * 200 * 12
    g = price_trend().growth_per_year
    rent = 8 * 2.0 * 8766 / 12 * sum(math.exp(-g * m / 12) for m in range(1, 13))
    assert r.own_breakdown_usd["capex"] == pytest.approx(capex)
    assert r.own_breakdown_usd["power"] == pytest.approx(power)
    assert r.own_breakdown_usd["colocation"] == pytest.approx(colo)
    assert r.own_usd == pytest.approx(capex + power + colo)
    assert r.rent_usd == pytest.approx(rent)
    assert r.npv_own_usd == pytest.approx(r.own_usd) and r.npv_rent_usd == pytest.approx(r.rent_usd)
    assert r.break_even_utilization == pytest.approx((capex + colo) / (rent - power))


def test_break_even_is_where_npvs_meet():
    base = rent_vs_buy(utilization=1.0, **dict(KW, years=5, discount_rate=0.07, price_usd_per_gpu_hour=4.0))
    u = base.break_even_utilization
    assert 0 < u < 1
    at = rent_vs_buy(utilization=u, **dict(KW, years=5, discount_rate=0.07, price_usd_per_gpu_hour=4.0))
    assert at.npv_own_usd == pytest.approx(at.npv_rent_usd, rel=1e-9)
    assert base.payback_months < 60
    lo, hi = base.trend_interval["break_even_utilization"]
    assert lo < u < hi  # a faster price decline lowers rents and resale: the interval brackets the point


def test_resale_falls_with_trend():
    r = rent_vs_buy(utilization=1.0, resale=1.0, **dict(KW, years=3))
    g = price_trend().growth_per_year
    assert -r.own_breakdown_usd["resale"] == pytest.approx(r.own_breakdown_usd["capex"] * math.exp(-3 * g))


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 1.0), st.floats(0.0, 0.3, allow_subnormal=False))
def test_owning_gains_with_utilization(u, r):
    a = rent_vs_buy(utilization=u, **dict(KW, years=4, discount_rate=r))
    b = rent_vs_buy(utilization=min(1.0, u * 1.2), **dict(KW, years=4, discount_rate=r))
    assert (b.npv_rent_usd - b.npv_own_usd) >= (a.npv_rent_usd - a.npv_own_usd) - 1e-6


def test_rent_vs_buy_bad_input_and_range(run_cli):
    with pytest.raises(InputError) as e:
        rent_vs_buy(utilization=1.5, **KW)
    assert e.value.field == "utilization"
    r = run_cli("rent-vs-buy", "--gpu", "h100", "--gpus", "512", "--utilization", "0.5..0.9", "--samples", "300",
                "--seed", "1", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["npv_own_usd"]["p5"] < d["npv_own_usd"]["p95"]
    for k in ("own_usd", "rent_usd", "break_even_utilization", "payback_months", "npv_own_usd", "npv_rent_usd",
              "assumptions"):
        assert k in d
    r = run_cli("rent-vs-buy", "--gpus", "8", "--discount-rate", "x")
    assert r.code == 2 and r.err.startswith("error: --discount-rate")


# ---- wait -----------------------------------------------------------------------------------------------


def test_gottbrath_optimum():
    """Gottbrath et al. 1999: a run longer than 1/g should wait until it takes exactly 1/g."""
    g, t0 = math.log(2) / 1.5, 6.0  # speed doubles every 18 months; a 6-year run
    s = earliest_finish_wait(g, t0)
    assert s == pytest.approx(math.log(g * t0) / g)
    assert t0 * math.exp(-g * s) == pytest.approx(1 / g)
    f = finish_years(s, g, t0)
    assert f < t0 and f <= finish_years(s * 0.9, g, t0) and f <= finish_years(s * 1.1, g, t0)
    assert earliest_finish_wait(g, 0.5 / g) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 1.0), st.floats(0.01, 5.0), st.floats(0.1, 10.0))
def test_latest_start_meets_deadline(g, t0, extra):
    s_min = earliest_finish_wait(g, t0)
    deadline = finish_years(s_min, g, t0) + extra
    s = latest_start_for_deadline(g, t0, deadline)
    assert s >= s_min - 1e-9
    assert finish_years(s, g, t0) == pytest.approx(deadline, rel=1e-6)


def test_wait_with_deadline():
    d = decide_wait(training_flop=3e25, gpu="h100", gpus=2048, deadline="2028-06-01", price_usd_per_gpu_hour=2.0,
                    date="2026-12-01", mfu=0.4)
    assert d.cost_at_best_usd < d.cost_now_usd
    assert d.finish_at_best_date <= d.deadline
    g = price_trend().growth_per_year
    assert d.cost_at_best_usd == pytest.approx(d.cost_now_usd * math.exp(-g * d.wait_years))
    # hand: cost now = FLOP / (peak × MFU) / 3600 × price
    assert d.cost_now_usd == pytest.approx(3e25 / (989e12 * 0.4) / 3600 * 2.0, rel=0.01)
    j = d.to_dict()
    for k in ("best_start_date", "cost_now_usd", "cost_at_best_usd", "finish_now_date", "finish_at_best_date",
              "annual_price_decline"):
        assert k in j


def test_wait_short_run_starts_now_and_impossible_deadline():
    d = decide_wait(training_flop=1e23, gpus=512, price_usd_per_gpu_hour=2.0, date="2026-12-01")
    assert d.wait_years == 0 and d.best_start_date == d.date
    with pytest.raises(NoAnswerError, match="needed"):
        decide_wait(training_flop=3e25, gpus=64, deadline="2027-01-01", price_usd_per_gpu_hour=2.0, date="2026-12-01")


def test_wait_fixed_budget():
    """Gottbrath et al.'s fixed budget: start once the run costs B; hand: s_B = ln(C₀/B)/g."""
    kw = dict(training_flop=3e25, gpus=2048, price_usd_per_gpu_hour=2.0, date="2026-12-01", mfu=0.4)
    now = decide_wait(**kw)
    d = decide_wait(usd=now.cost_now_usd / 2, **kw)
    g = price_trend().growth_per_year
    assert d.wait_years == pytest.approx(math.log(2) / g, rel=1e-9)
    assert d.cost_at_best_usd == pytest.approx(now.cost_now_usd / 2, rel=1e-9)
    assert decide_wait(usd=now.cost_now_usd * 2, **kw).wait_years == now.wait_years
    with pytest.raises(NoAnswerError) as e:
        decide_wait(usd=now.cost_now_usd / 2, deadline="2027-06-01", **kw)
    assert e.value.field == "usd"


def test_cli_wait(run_cli):
    r = run_cli("wait", "--flop", "3e25", "--gpus", "2048", "--deadline", "2028-06-01", "--price", "2", "--json")
    assert r.code == 0, r.err
    assert r.json()["best_start_date"] > r.json()["date"]
    r = run_cli("wait", "--flop", "3e25", "--gpus", "2048", "--deadline", "tomorrow")
    assert r.code == 2 and r.err.startswith("error: --deadline")
    r = run_cli("wait", "--flop", "3e25", "--gpus", "64", "--deadline", "2027-01-01", "--price", "2", "--date", "2026-12-01")
    assert r.code == 2 and "needed" in r.err
    r = run_cli("wait", "--flop", "3e25", "--gpus", "2048", "--mfu", "0.3..0.5", "--samples", "200", "--seed", "2",
                "--price", "2", "--json")
    assert r.code == 0, r.err
    assert r.json()["cost_now_usd"]["p5"] < r.json()["cost_now_usd"]["p95"]


def test_arrays_broadcast():
    s = earliest_finish_wait(np.array([0.2, 0.3]), np.array([10.0, 1.0]))
    assert s.shape == (2,) and s[0] > 0 and s[1] == 0
