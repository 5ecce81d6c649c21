"""The trends and decisions packages hold the library contract: a bad argument to a public function
raises a typed costcurve error naming the parameter (never a bare ValueError/TypeError/KeyError, a numpy
warning, or a nan/complex/inf answer)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from costcurve.catalog import load_catalog
from costcurve.decisions import scaling_laws as sl
from costcurve.decisions.budget import plan_budget
from costcurve.decisions.rent_vs_buy import rent_vs_buy
from costcurve.decisions.wait import affordable_wait, decide_wait, earliest_finish_wait, latest_start_for_deadline
from costcurve.errors import CostcurveError
from costcurve.trends.api_prices import check_tokens
from costcurve.trends.bundled import frontier_training, get_series, gpu_price_performance, price_run, training_cost
from costcurve.trends.capability import cheapest_at_level, parse_capability
from costcurve.trends.claims import evaluate_claims
from costcurve.trends.decompose import decompose, decompose_inference
from costcurve.trends.fit import (bootstrap_slopes, compose_declines, decline_between, decline_from_halving_time,
                                  exponent_from_learning_rate, fit_exponential, fit_random_walk, fit_series, fit_wright,
                                  wright_to_time)
from costcurve.trends.forecast import backtest, backtest_all, forecast, forecast_series, when
from costcurve.trends.sources import load_series, load_source, read_csv_series

L = sl.get_law("chinchilla")
FIT = fit_exponential([2010.0, 2012, 2014, 2016], [100.0, 50, 25, 12])

BAD_CALLS = [
    ('fit_exponential years str', lambda: fit_exponential("abc", [1., 2.]), 'series'),
    ('fit_exponential negative values', lambda: fit_exponential([2010., 2011, 2012], [1., -2, 3]), 'series'),
    ('fit_exponential mismatched', lambda: fit_exponential([2010., 2011, 2012], [1., 2]), 'series'),
    ('fit_exponential level 2', lambda: fit_exponential([2010., 2011, 2012], [1., 2, 3], level=2), 'level'),
    ('fit_exponential ci bogus', lambda: fit_exponential([2010., 2011, 2012], [1., 2, 3], ci="x"), 'ci'),
    ('fit_random_walk one point', lambda: fit_random_walk([2010.], [1.]), 'series'),
    ('fit_series method bogus', lambda: fit_series(get_series("gpt3-level"), method="bogus"), 'method'),
    ('fit_series points bogus', lambda: fit_series(get_series("gpt3-level"), points="bogus"), 'points'),
    ('fit_wright zeros', lambda: fit_wright([0., 1, 2], [1., 2, 3]), 'cumulative'),
    ('wright_to_time nan', lambda: wright_to_time(float("nan"), 0.5), 'exponent'),
    ('exponent_from_learning_rate 2', lambda: exponent_from_learning_rate(2.0), 'learning_rate'),
    ('compose_declines 1.5', lambda: compose_declines(1.5, 0.2), 'declines'),
    ('decline_from_halving_time 0', lambda: decline_from_halving_time(0), 'years'),
    ('decline_from_halving_time str', lambda: decline_from_halving_time("x"), 'years'),
    ('decline_between negative', lambda: decline_between(-1, 2, 3), 'value_start'),
    ('bootstrap n_boot 0', lambda: bootstrap_slopes([1., 2, 3], [1., 2, 3], n_boot=0), 'n_boot'),
    ('forecast year list', lambda: forecast(FIT, [2020]), 'year'),
    ('forecast level 0', lambda: forecast(FIT, 2018, level=0), 'level'),
    ('forecast_series method bogus', lambda: forecast_series(get_series("gpt3-level"), 2030, method="x"), 'method'),
    ('when value str', lambda: when(FIT, "30"), 'value'),
    ('when value inf', lambda: when(FIT, float("inf")), 'value'),
    ('when direction bogus', lambda: when(FIT, 30.0, direction="sideways"), 'direction'),
    ('when horizon -1', lambda: when(FIT, 30.0, horizon_years=-1), 'horizon_years'),
    ('backtest cutoffs bad', lambda: backtest(get_series("gpt3-level"), cutoffs=["x"]), 'year'),
    ('backtest_all unknown', lambda: backtest_all(["nope"]), 'series'),
    ('get_series unknown', lambda: get_series("nope"), 'series'),
    ('get_series None', lambda: get_series(None), 'series'),
    ('price_run no flop', lambda: price_run(load_catalog(), date=dt.date(2020, 1, 1)), 'training_flop'),
    ('training_cost capability bogus', lambda: training_cost(capability="bogus>=x"), 'capability'),
    ('gpu_price_performance dtype', lambda: gpu_price_performance(dtype="fp64"), 'dtype'),
    ('frontier_training within -1', lambda: frontier_training(within_oom=-1), 'within_oom'),
    ('read_csv_series missing', lambda: read_csv_series("/nonexistent.csv"), 'csv'),
    ('read_csv_series better bogus', lambda: read_csv_series("/nonexistent.csv", better="sideways"), 'csv'),
    ('load_series nothing', lambda: load_series(), 'series'),
    ('load_series since>until', lambda: load_series("gpt3-level", since=2025, until=2020), 'until'),
    ('load_source bogus', lambda: load_source("bogus:thing"), 'source'),
    ('decompose unknown', lambda: decompose("nope"), 'series'),
    ('decompose_inference cap', lambda: decompose_inference("bogus"), 'capability'),
    ('evaluate_claims ids', lambda: evaluate_claims(ids=["nope"]), 'claim'),
    ('evaluate_claims level', lambda: evaluate_claims(level=5), 'level'),
    ('parse_capability 1', lambda: parse_capability("mmlu>=abc"), 'capability'),
    ('parse_capability 2', lambda: parse_capability(42), 'capability'),
    ('cheapest_at_level mismatched', lambda: cheapest_at_level([1.0], [1.0, 2.0], [1.0], 0.5), 'capability'),
    ('check_tokens negative', lambda: check_tokens(-1, 10), 'input_tokens'),
    ('check_tokens str', lambda: check_tokens("x", 10), 'input_tokens'),
    ('plan_budget usd 0', lambda: plan_budget(usd=0), 'usd'),
    ('plan_budget usd str', lambda: plan_budget(usd="lots"), 'usd'),
    ('plan_budget law', lambda: plan_budget(usd=1e6, law="kaplan"), 'law'),
    ('plan_budget gpu', lambda: plan_budget(usd=1e6, gpu="h1000"), 'gpu'),
    ('plan_budget goodput 2', lambda: plan_budget(usd=1e6, goodput=2), 'goodput'),
    ('plan_budget dtype', lambda: plan_budget(usd=1e6, dtype="int3"), 'dtype'),
    ('rent_vs_buy gpus 0', lambda: rent_vs_buy(gpus=0), 'gpus'),
    ('rent_vs_buy utilization 2', lambda: rent_vs_buy(gpus=8, utilization=2), 'utilization'),
    ('rent_vs_buy years 0', lambda: rent_vs_buy(gpus=8, years=0), 'years'),
    ('rent_vs_buy series', lambda: rent_vs_buy(gpus=8, series="nope"), 'series'),
    ('rent_vs_buy price_kind', lambda: rent_vs_buy(gpus=8, price_kind="forever"), 'price_kind'),
    ('rent_vs_buy date', lambda: rent_vs_buy(gpus=8, date="yesterday"), 'date'),
    ('decide_wait deadline past', lambda: decide_wait(training_flop=1e24, gpus=1024, deadline="2000-01-01"), 'deadline'),
    ('decide_wait nothing', lambda: decide_wait(gpus=1024), 'model'),
    ('decide_wait level', lambda: decide_wait(training_flop=1e24, gpus=1024, level=1.5), 'level'),
    ('earliest_finish_wait str', lambda: earliest_finish_wait("x", 1.0), 'growth'),
    ('affordable_wait neg', lambda: affordable_wait(0.3, -1, 10), 'cost_now_usd'),
    ('latest_start nan', lambda: latest_start_for_deadline(0.3, float("nan"), 1.0), 'duration_years'),
    ('sl.get_law unknown', lambda: sl.get_law("nope"), 'law'),
    ('sl.loss negative', lambda: sl.loss(L, -1, 1e9), 'params'),
    ('sl.compute_optimal 0', lambda: sl.compute_optimal(L, 0), 'training_flop'),
    ('sl.effective_tokens neg', lambda: sl.effective_tokens(1e9, -5), 'unique_tokens'),
    ('sl.inference_optimal', lambda: sl.inference_optimal(L, 0.1, 1e12, 1e12), 'target_loss'),
]


@pytest.mark.parametrize("name, call, field", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_call_raises_a_typed_error_naming_the_parameter(name, call, field):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning is a failure too
        with pytest.raises(CostcurveError) as e:
            call()
    assert e.value.field == field


def test_good_calls_still_answer():
    assert decline_from_halving_time(1.0) == pytest.approx(0.5)
    assert decline_between(100.0, 25.0, 2.0) == pytest.approx(0.5)
    assert compose_declines(0.5, 0.5) == pytest.approx(0.75)
    assert compose_declines(-0.1) == pytest.approx(-0.1)  # a rise composes too
    assert exponent_from_learning_rate(0.5) == pytest.approx(1.0)
    assert wright_to_time(1.0, 1.0) == pytest.approx(0.5)
    assert earliest_finish_wait(-0.3, 2.0) == 0.0  # prices rising: start now
    assert affordable_wait(0.5, 100.0, 100.0) == 0.0
    assert sl.loss(L, 70e9, 1.4e12) == pytest.approx(1.94, abs=0.02)  # Chinchilla 70B (Hoffmann et al. 2022 eq. 10)


@pytest.mark.parametrize("args", [
    ["finetune", "--model", "llama3-8b", "--method", "lora", "--tokens", "10M", "--gpu", "h100", "--rank", "1e308"],
    ["rent-vs-buy", "--gpu", "h100", "--gpus", "1e308"],
    ["wait", "--flop", "1e308", "--gpu", "h100", "--gpus", "256"],
    ["wait", "--flop", "3e24", "--gpu", "h100", "--gpus", "256", "--tokens", "1e308"],
])
def test_huge_decision_inputs_get_one_line(args):
    # found by a sweep of bad values: an OverflowError, a math domain error and null dollars with exit 0
    from click.testing import CliRunner

    from costcurve.cli import cli
    from costcurve.errors import CostcurveError

    r = CliRunner().invoke(cli, args + ["--json"], standalone_mode=False)
    assert isinstance(r.exception, CostcurveError), repr(r.exception)
