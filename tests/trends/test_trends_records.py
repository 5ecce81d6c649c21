"""The record process of a level's least FLOP (size) and of its cost: pooling over levels, bounds, event dates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costcurve.trends.bundled import get_series
from costcurve.trends.drivers import DriverHistory, InsufficientDataError, fit_driver, training_flop_history
from costcurve.trends.records import record_pool, record_steps, sample_record_drops
from costcurve.trends.structural import build_structural
from costcurve.trends.validation import TRAINING_LEVELS, family_histories, pooled_backtest


def _h(years, values, labels):
    return DriverHistory("x", "FLOP", "", "saturating", np.array(years, float), np.array(values, float), tuple(labels))


def test_record_steps_are_the_drops_of_ln_x_at_records():
    h = _h([2020, 2021, 2022, 2023], [100.0, 120.0, 25.0, 5.0], "abcd")  # b is not a record
    steps = record_steps(h)
    assert [(a, b) for a, b, _ in steps] == [("a", "c"), ("c", "d")]
    assert [d for _, _, d in steps] == pytest.approx([math.log(4.0), math.log(5.0)])


def test_pool_counts_every_level_but_each_shared_step_once():
    """Nested levels share records: the step sizes are counted once, the rate's counts at each level."""
    lo = _h([2020, 2022, 2023], [100.0, 25.0, 5.0], "acd")
    hi = _h([2021, 2023], [25.0, 5.0], "cd")  # the higher level shares c -> d
    p = record_pool([lo, hi])
    assert p.levels == 2 and p.jumps == 3 and len(p.drops) == 2
    assert p.exposure_years == pytest.approx(3.0 + 2.0)
    assert p.alpha0 == pytest.approx(1.5) and p.beta0 == pytest.approx(2.5)
    # cut at a date: only what was known then
    p0 = record_pool([lo, hi], until=2022.5)
    assert p0.jumps == 1 and p0.drops == pytest.approx((math.log(4.0),))


def test_drops_stay_within_the_distance_to_the_floor_and_grow_with_the_horizon():
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(2, 2000))
    tau = np.array([0.0, 0.5, 2.0, 10.0])
    f = sample_record_drops(own_jumps=2, own_years=3.0, drops=(0.1, 2.0, 0.5), pool=None, tau=tau, u_rate=u[0],
                            u_count=u[1], distance=math.log(10.0), rng=rng, max_jumps=60)
    assert np.all(f[:, 0] == 0) and np.all(f <= math.log(10.0) + 1e-12) and np.all(np.diff(f, axis=1) >= 0)
    assert np.mean(f[:, -1] == math.log(10.0)) > 0.5  # ten years at ~0.7 records a year: most draws reach the floor


def test_a_level_with_one_record_forecasts_only_with_a_pool():
    h = _h([2024.5], [4e11], ["one"])
    with pytest.raises(InsufficientDataError):
        fit_driver(h)
    sizes, _ = family_histories("training-cost")
    f = fit_driver(h, pool=record_pool(sizes))
    r = f.sample_log_ratio(f.t_obs, [f.t_obs + 3], np.zeros(50), np.linspace(-2, 2, 50), np.random.default_rng(0))
    assert np.all(r <= 1e-12) and np.all(r >= math.log(1 / 10) - 1e-12)


def test_the_trend_drivers_reach_the_record_only_at_new_records():
    """The record in force holds until a cheaper model appears: at the anchor's date no draw has moved, and
    the dates the trend drivers are read at never pass the forecast year."""
    m = build_structural(get_series("gpt3-level"))
    years = m.anchor_year + np.array([0.0, 0.25, 1.0, 5.0])
    at = m._event_years(years, np.random.default_rng(0))
    assert np.all(at >= m.anchor_year) and np.all(at <= years[None, :] + 1e-12)
    assert np.all(at[:, 0] == m.anchor_year)
    assert np.all(np.diff(at, axis=1) >= 0)
    # some draws see no new record in a quarter year: the record in force is then the upper bound
    assert np.mean(at[:, 1] == m.anchor_year) > 0.05
    assert m.interval(m.anchor_year + 0.25)[1] == pytest.approx(m.anchor_value)


def test_training_flop_pool_holds_the_2023_steps_before_phi3():
    """At the start of 2024 the family had seen LLaMA-7B's ~8x cut in FLOP at MMLU >= 30 (GPT-3 3.14e23 ->
    4.02e22), so a step of Phi-3-mini's size (2.4e23 -> 7.5e22 at MMLU >= 55) was in the data before it came."""
    sizes = [training_flop_history(get_series("training-cost", capability=c)) for c in TRAINING_LEVELS]
    p = record_pool(sizes, until=2024.0)
    assert max(p.drops) == pytest.approx(math.log(3.14e23 / 4.02e22), rel=0.02)
    assert max(p.drops) > math.log(2.4e23 / 7.5e22)


def test_pooled_training_cost_coverage_is_in_the_goal():
    """The issue's coverage goal on the training-cost levels pooled (docs/trends.md section 3a: 149 of 173)."""
    ols, rwd, st = pooled_backtest("training-cost")
    assert st.n_forecasts > 150 and 0.80 <= st.coverage <= 0.95
