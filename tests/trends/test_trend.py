"""Trend fits (exponential, random walk, Wright's law) and the bundled series they run on."""

from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pytest
from conftest import shared_file
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve.errors import CatalogError, InputError, UnknownNameError
from costcurve.trends.bundled import SERIES, get_series
from costcurve.trends.fit import (
    compose_declines,
    decline_between,
    decline_from_halving_time,
    exponent_from_learning_rate,
    fit_exponential,
    fit_random_walk,
    fit_series,
    fit_wright,
    wright_to_time,
)
from costcurve.trends.series import Point, Series
from costcurve.trends.sources import read_csv_series
from costcurve.units import date_of, decimal_year, parse_date

DATA = __import__("pathlib").Path(__file__).parents[1] / "data"


def synthetic(rate=0.6, n=60, sigma=0.3, seed=1, t0=2015.0, span=10.0, start=1e6):
    """Values falling by ``rate`` a year with log-normal noise of ``sigma``."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(t0, t0 + span, n))
    y = start * (1 - rate) ** (t - t0) * np.exp(rng.normal(0, sigma, n))
    return t, y


# ---- exponential trend ---------------------------------------------------------------------------
def test_exact_exponential_is_recovered():
    t = np.arange(2010, 2021, dtype=float)
    fit = fit_exponential(t, 500 * 0.3 ** (t - 2010))
    assert fit.annual_decline == pytest.approx(0.7, abs=1e-12)
    assert fit.factor_per_year == pytest.approx(0.3)
    assert fit.halving_time_years == pytest.approx(math.log(2) / -math.log(0.3))
    assert fit.doubling_time_years is None
    assert fit.predict(2025) == pytest.approx(500 * 0.3 ** 15)


@pytest.mark.parametrize("rate", [0.25, 0.6, 0.9, -0.4])
def test_noisy_rates_recovered_within_interval(rate):
    t, y = synthetic(rate=rate, n=200, seed=7)
    fit = fit_exponential(t, y)
    lo, hi = fit.conf_int(0.99)["annual_decline"]
    assert lo <= rate <= hi
    assert fit.annual_decline == pytest.approx(rate, abs=0.03 if rate < 0.8 else 0.01)


def test_ark_two_points_give_68_7_percent():
    """ARK Invest Big Ideas 2023: $4.6M (2020) to $450K (2022) is 68.7% a year, which ARK rounds to 70%."""
    fit = fit_exponential([2020, 2022], [4.6e6, 4.5e5])
    assert fit.annual_decline == pytest.approx(1 - (450 / 4600) ** 0.5, rel=1e-12)
    assert round(fit.annual_decline, 3) == 0.687
    assert decline_between(4.6e6, 4.5e5, 2) == pytest.approx(fit.annual_decline)
    lo, hi = fit.conf_int()["slope_per_year"]  # two points: no interval
    assert math.isinf(lo) and math.isinf(hi)
    assert fit.to_dict()["residual_sd_ln"] is None


def test_interval_coverage_of_slope_is_nominal():
    """Over 400 synthetic data sets the 90% CI of the annual decline contains the truth about 90% of the time."""
    hits = 0
    for seed in range(400):
        t, y = synthetic(rate=0.5, n=12, sigma=0.5, seed=seed)
        lo, hi = fit_exponential(t, y).conf_int(0.9)["annual_decline"]
        hits += lo <= 0.5 <= hi
    assert 0.85 <= hits / 400 <= 0.95


def test_bootstrap_interval_is_reproducible_and_close_to_t():
    t, y = synthetic(rate=0.5, n=80, sigma=0.3, seed=3)
    a = fit_exponential(t, y, ci="bootstrap", n_boot=2000, seed=5)
    b = fit_exponential(t, y, ci="bootstrap", n_boot=2000, seed=5)
    tt = fit_exponential(t, y)
    assert a.conf_int() == b.conf_int()
    for x, z in zip(a.conf_int()["annual_decline"], tt.conf_int()["annual_decline"]):
        assert x == pytest.approx(z, abs=0.03)


def test_result_object_api():
    t, y = synthetic()
    fit = fit_exponential(t, y, unit="USD", name="demo")
    d = fit.to_dict()
    for key in ("annual_decline", "annual_decline_ci", "factor_per_year", "halving_time_years", "n_points",
                "start_year", "end_year"):
        assert key in d
    assert d["n_points"] == 60 and d["start_year"] < d["end_year"]
    assert len(d["annual_decline_ci"]) == 2 and d["annual_decline_ci"][0] < d["annual_decline"] < d["annual_decline_ci"][1]
    assert fit.conf_int(0.5)["annual_decline"][1] - fit.conf_int(0.5)["annual_decline"][0] < \
        fit.conf_int(0.95)["annual_decline"][1] - fit.conf_int(0.95)["annual_decline"][0]
    assert "annual decline" in fit.summary() and "demo" in fit.summary()


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(1e-6, 1e9), shift=st.floats(-50, 50), seed=st.integers(0, 1000))
def test_slope_invariant_to_units_and_time_origin(scale, shift, seed):
    t, y = synthetic(n=15, seed=seed)
    base = fit_exponential(t, y).slope_per_year
    assert fit_exponential(t + shift, y * scale).slope_per_year == pytest.approx(base, rel=1e-7, abs=1e-9)
    assert fit_exponential(t, 1 / y).slope_per_year == pytest.approx(-base, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("t,y,msg", [
    ([2020], [1.0], "too few points"),
    ([2020, 2020, 2020], [1.0, 2.0, 3.0], "same date"),
    ([2020, 2021, 2022], [1.0, 0.0, 3.0], "> 0"),
    ([2020, 2021], [1.0, 2.0, 3.0], "differ in length"),
])
def test_fit_errors(t, y, msg):
    with pytest.raises(InputError, match=msg):
        fit_exponential(t, y)


def test_level_is_checked():
    with pytest.raises(InputError, match="between 0 and 1"):
        fit_exponential([2020, 2021, 2022], [3, 2, 1], level=90)


# ---- random walk with drift ---------------------------------------------------------------------
def test_random_walk_drift_is_endpoint_slope():
    t = np.array([2018.0, 2019.0, 2020.5, 2024.0])
    y = np.array([100.0, 50.0, 40.0, 1.0])
    fit = fit_random_walk(t, y)
    assert fit.slope_per_year == pytest.approx(math.log(1 / 100) / 6)
    assert fit.m == 3 and fit.predict(2024.0) == pytest.approx(1.0)


def test_random_walk_averages_same_date_points():
    fit = fit_random_walk([2018, 2018, 2020, 2021], [10, 1000, 10, 1])
    assert fit.m == 2 and fit.t_first == 2018
    assert fit.slope_per_year == pytest.approx((math.log(1) - math.log(100)) / 3)


# ---- Wright's law -------------------------------------------------------------------------------
def test_wright_recovers_learning_rate_from_csv():
    s = read_csv_series(DATA / "user_wright.csv")
    fit = fit_wright([p.extra["cumulative"] for p in s.points], s.values)
    assert fit.learning_rate == pytest.approx(0.20, abs=1e-9)
    assert fit.progress_ratio == pytest.approx(0.80)
    assert "Wright" in fit.summary() and fit.to_dict()["learning_rate"] == pytest.approx(0.2)


def test_wright_noisy_and_time_conversion():
    rng = np.random.default_rng(0)
    q = np.cumsum(rng.uniform(1, 3, 40))
    w = exponent_from_learning_rate(0.25)
    fit = fit_wright(q, 7 * q ** -w * np.exp(rng.normal(0, 0.05, 40)))
    lo, hi = fit.conf_int(0.99)["learning_rate"]
    assert lo <= 0.25 <= hi
    # production doubling every year: the decline in time equals the decline per doubling (Nagy et al. 2013)
    assert wright_to_time(w, 1.0) == pytest.approx(0.25)
    # m = w g in logs
    assert -math.log(1 - wright_to_time(w, 0.3)) == pytest.approx(w * math.log(1.3))


def test_composition_as_ark_does_it():
    assert compose_declines(0.53, 0.47) == pytest.approx(1 - 0.47 * 0.53)
    assert compose_declines() == 0
    assert decline_from_halving_time(1.0) == pytest.approx(0.5)
    assert decline_from_halving_time(16 / 12) == pytest.approx(1 - 2 ** -0.75)


# ---- series ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [dt.date(2020, 1, 1), dt.date(2020, 12, 31), dt.date(2023, 7, 2)])
def test_decimal_year_round_trip(d):
    assert date_of(decimal_year(d)) == d


@pytest.mark.parametrize("text,expect", [("2020-05-28", dt.date(2020, 5, 28)), ("2020-05", dt.date(2020, 5, 15)),
                                         ("2020", dt.date(2020, 7, 1)), ("2020.0", dt.date(2020, 1, 1))])
def test_parse_date(text, expect):
    assert parse_date(text) == expect


@pytest.mark.parametrize("bad", ["2020-13-01", "yesterday", "1800", ""])
def test_parse_date_errors(bad):
    with pytest.raises(InputError):
        parse_date(bad)


def test_records_beat_every_earlier_point():
    pts = [Point(dt.date(2020, 1, 1), 10), Point(dt.date(2020, 6, 1), 12), Point(dt.date(2021, 1, 1), 5),
           Point(dt.date(2021, 1, 1), 4), Point(dt.date(2022, 1, 1), 6), Point(dt.date(2023, 1, 1), 1)]
    s = Series("x", "x", "USD", tuple(pts))
    assert [p.value for p in s.records().points] == [10, 4, 1]
    up = Series("y", "y", "FLOP/s per USD", tuple(pts), better="higher")
    assert [p.value for p in up.records().points] == [10, 12]


@pytest.mark.parametrize("name", list(SERIES))
def test_bundled_series_build(name):
    s = get_series(name)
    assert len(s) >= 3, name
    assert np.all(s.values > 0) and np.all(np.isfinite(s.values))
    assert all(p.source for p in s.points), "every point cites a source"
    fit = fit_series(s)
    assert math.isfinite(fit.slope_per_year)


def test_gpt3_level_threshold_decides_who_qualifies():
    s = get_series("gpt3-level")
    names = {p.label for p in s.points}
    assert "GPT-3 175B (davinci)" in names
    assert all(p.extra["mmlu_5shot"] >= 43.9 for p in s.points)
    assert {"GPT-3 175B (davinci)", "MosaicML GPT-3-quality 30B (estimate)"} <= {p.label for p in s.reference}
    strict = get_series("gpt3-level", threshold=60)
    assert "GPT-3 175B (davinci)" not in {p.label for p in strict.points}
    assert len(strict) < len(s)


def test_gpt3_level_priced_at_prices_of_its_time():
    """GPT-3: Epoch's 3.55M V100-hours at a 2020 catalog price; Lambda's $4.6M used $1.50/h (cheapest cloud)."""
    p = next(p for p in get_series("gpt3-level").points if p.label.startswith("GPT-3 175B"))
    assert p.extra["gpu"].startswith("v100")
    assert p.extra["gpu_hours"] == pytest.approx(3.552e6, rel=1e-6)
    assert 1.0 < p.extra["price_usd_per_gpu_hour"] < 5.0
    assert p.value == pytest.approx(p.extra["gpu_hours"] * p.extra["price_usd_per_gpu_hour"], rel=1e-9)
    assert p.extra["reported_usd"] == 4.6e6


def test_gpt3_level_trend_is_steep_decline():
    fit = fit_series(get_series("gpt3-level"))
    assert fit.points == "records"
    assert 0.4 < fit.annual_decline < 0.9


def test_get_series_errors():
    with pytest.raises(UnknownNameError, match="unknown series"):
        get_series("gpt3")
    with pytest.raises(InputError, match="applies to: gpt3-level"):
        get_series("cifar10", threshold=50)


def test_user_csv_series():
    s = read_csv_series(DATA / "user_series.csv")
    assert len(s) == 5 and s.values[-1] == 25
    assert [p.date for p in s.points][:3] == [dt.date(2018, 1, 1), dt.date(2019, 7, 1), dt.date(2020, 6, 15)]
    with pytest.raises(CatalogError, match="row 3, column 'date'"):
        read_csv_series(DATA / "user_bad_date.csv")


def test_dawnbench_points_match_the_reference_data():
    """The bundled DAWNBench rows carry the same costs as the shared derived table (build tools/build_series.py)."""
    path = shared_file("dawnbench-derived", "dawnbench_training_derived.csv")
    ref = {}
    with open(path, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["cost_to_threshold_usd"]:
                ref.setdefault((r["task"], r["timestamp"]), set()).add(round(float(r["cost_to_threshold_usd"]), 2))
    n = 0
    for name, task in (("resnet50-imagenet", "ImageNet"), ("cifar10", "CIFAR10")):
        for p in get_series(name).points:
            if "DAWNBench" in p.source:
                assert round(p.value, 2) in ref[(task, p.date.isoformat())]
                n += 1
    assert n == sum(len(v) for v in ref.values())
