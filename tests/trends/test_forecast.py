"""Forecasts, `when`, backtests, plots and the trend commands on the command line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from costcurve.trends.bundled import SAME_AS, SERIES, get_series
from costcurve.trends.fit import fit_exponential, fit_random_walk
from costcurve.trends.forecast import backtest, backtest_all, forecast, forecast_series, when
from costcurve.trends.series import Point, Series
from costcurve.units import date_of

DATA = Path(__file__).parents[1] / "data"


def series_from(t, y, name="synthetic", better="lower"):
    return Series(name, name, "USD", tuple(Point(date_of(a), float(b), f"p{i}") for i, (a, b) in enumerate(zip(t, y))),
                  better)


def noisy(rate=0.5, n=40, sigma=0.4, seed=0, t0=2010.0, span=12.0):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(t0, t0 + span, n))
    return t, 1e6 * (1 - rate) ** (t - t0) * np.exp(rng.normal(0, sigma, n))


# ---- forecast -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fitter", [fit_exponential, fit_random_walk])
def test_intervals_widen_with_horizon(fitter):
    t, y = noisy()
    fit = fitter(t, y)
    widths = []
    for year in (2023, 2025, 2030, 2033):
        fc = forecast(fit, year)
        assert fc.interval[0] < fc.median < fc.interval[1]
        assert fc.mean_interval[0] >= fc.interval[0] and fc.mean_interval[1] <= fc.interval[1]
        widths.append(math.log(fc.interval[1] / fc.interval[0]))
    assert all(b > a for a, b in zip(widths, widths[1:]))


def test_ols_forecast_matches_trend_and_formula():
    t, y = noisy(n=30, seed=2)
    fit = fit_exponential(t, y)
    fc = forecast(fit, 2030, level=0.9)
    assert fc.median == pytest.approx(float(fit.predict(2030)))
    from scipy import stats

    se = fit.sigma * math.sqrt(1 + 1 / fit.n + (2030 - fit.t_mean) ** 2 / fit.sxx)
    q = stats.t.ppf(0.95, fit.n - 2)
    assert fc.interval[1] == pytest.approx(fc.median * math.exp(q * se))
    assert "median_usd" not in fc.to_dict() and fc.to_dict()["median"] == fc.median  # a bare fit has no unit


def test_random_walk_variance_formula():
    """Farmer & Lafond 2016: forecast variance σ²(τ + τ²/T) for horizon τ after a span T."""
    t = np.array([2010.0, 2012.0, 2013.0, 2016.0, 2020.0])
    y = np.array([1000.0, 300.0, 200.0, 50.0, 5.0])
    fit = fit_random_walk(t, y)
    lo, hi = fit.interval(2030.0, 0.9)
    from scipy import stats

    sd = fit.sigma * math.sqrt(10 + 100 / 10)
    assert hi / float(fit.predict(2030.0)) == pytest.approx(math.exp(stats.t.ppf(0.95, fit.m - 1) * sd))


def test_forecast_json_keys_for_usd_series():
    fit, fc = forecast_series(get_series("gpt3-level"), 2030)
    d = fc.to_dict()
    for key in ("year", "median_usd", "interval_usd", "level"):
        assert key in d
    # auto: the method with the best interval score on the training-cost levels' hindcasts (structural since Dec 2026)
    assert d["year"] == 2030 and d["level"] == 0.9 and d["method"] == d["choice"]["picked"] == "structural"
    assert d["choice"]["n_forecasts"] >= 20 and min(d["choice"]["interval_score"].values()) == \
        d["choice"]["interval_score"]["structural"]
    assert d["interval_usd"][0] < d["median_usd"] < d["interval_usd"][1]
    assert d["floor"]["value"] <= d["interval_usd"][0]
    assert [x["name"] for x in d["drivers"]] == ["training FLOP needed", "hardware price-performance",
                                                 "realised utilisation"]


# ---- when ------------------------------------------------------------------------------------------
def test_when_exact_trend():
    t = np.arange(2010, 2021, dtype=float)
    y = 1e6 * 0.5 ** (t - 2010) * np.exp(np.where(np.arange(11) % 2, 0.05, -0.05))
    fit = fit_exponential(t, y)
    cr = when(fit, 1.0)
    expect = fit.t_mean + (math.log(1.0) - fit.intercept) / fit.slope_per_year
    assert cr.year == pytest.approx(expect, abs=0.03)
    assert cr.interval[0] < cr.year < cr.interval[1]
    assert cr.direction == "below"


def test_when_rising_series_and_unreachable():
    t = np.arange(2010, 2021, dtype=float)
    rising = fit_exponential(t, 2.0 ** (t - 2010) * np.exp(np.where(np.arange(11) % 2, 0.1, -0.1)))
    cr = when(rising, 1e6)
    assert cr.direction == "above" and 2029 < cr.year < 2031
    flat = when(rising, 1e-3, direction="below")
    assert flat.year is None and any("does not move below" in n for n in flat.notes)


# ---- backtest ----------------------------------------------------------------------------------
def test_backtest_rows_are_scored_correctly():
    """Coverage is the share of rows whose realised value lies in [low, high], checked by hand."""
    t, y = noisy(n=25, seed=4)
    s = series_from(t, y)
    res = backtest(s, method="ols", cutoffs=[2016.0, 2019.0])
    assert res.cutoffs == (2016.0, 2019.0)
    manual = []
    for c in (2016.0, 2019.0):
        fit = fit_exponential(t[t < c], y[t < c])
        lo, hi = fit.interval(t[t >= c], 0.9)
        manual += list((lo <= y[t >= c]) & (y[t >= c] <= hi))
    assert res.n_forecasts == len(manual)
    assert res.coverage == pytest.approx(np.mean(manual))
    r0 = res.rows[0]
    assert r0["log10_error"] == pytest.approx(math.log10(r0["actual"] / r0["median"]))
    assert r0["inside"] == (r0["low"] <= r0["actual"] <= r0["high"])


@pytest.mark.parametrize("method", ["ols", "rwd"])
def test_backtest_coverage_is_nominal_when_the_model_is_true(method):
    """Data drawn from each model: its 90% intervals cover about 90% of later points."""
    inside = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        t = np.sort(rng.uniform(2000, 2020, 30))
        if method == "ols":
            ly = 10 - 0.3 * (t - 2000) + rng.normal(0, 0.5, t.size)
        else:
            dt_ = np.diff(t, prepend=t[0])
            ly = 10 + np.cumsum(-0.3 * dt_ + 0.5 * np.sqrt(dt_) * rng.normal(size=t.size))
        res = backtest(series_from(t, np.exp(ly)), method=method, cutoffs=[2012.0])
        inside += [r["inside"] for r in res.rows]
    assert 0.84 <= np.mean(inside) <= 0.96


def test_backtest_every_bundled_series():
    results = backtest_all()
    assert {r.series for r in results} == set(SERIES) - set(SAME_AS)
    assert {r.method for r in results} == {"ols", "rwd", "structural"}
    # structural only where costcurve knows the drivers
    assert {r.series for r in results if r.method == "structural"} == {"gpt3-level", "inference-price"}
    for r in results:
        d = r.to_dict()
        assert d["n_forecasts"] == len(r.rows)
        if r.rows:
            assert 0 <= d["coverage"] <= 1
    # the OLS intervals on all points of the price series are not wildly off
    cloud = next(r for r in results if r.series == "gpu-cloud-price-performance" and r.method == "ols")
    assert cloud.n_forecasts > 100 and cloud.coverage > 0.7


# ---- command line -------------------------------------------------------------------------------
def test_cli_trend_json(run_cli):
    r = run_cli("trend", "gpt3-level", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("annual_decline", "annual_decline_ci", "factor_per_year", "halving_time_years", "n_points",
                "start_year", "end_year"):
        assert key in d
    assert d["annual_decline_ci"][0] < d["annual_decline"] < d["annual_decline_ci"][1]


def test_cli_forecast_when_backtest_json(run_cli):
    r = run_cli("forecast", "gpt3-level", "--year", "2030", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["year"] == 2030 and d["level"] == 0.9 and len(d["interval_usd"]) == 2
    r = run_cli("when", "gpt3-level", "--below", "30", "--method", "rwd", "--json")
    assert r.code == 0, r.err
    assert r.json()["year"] > 2024
    # the structural forecast does not reach $30 within the years its drivers can be forecast to: it says so
    r = run_cli("when", "gpt3-level", "--below", "30", "--method", "structural", "--json")
    assert r.code == 0, r.err
    assert r.json()["year"] is None and any("looked for up to" in n for n in r.json()["notes"])
    r = run_cli("when", "gpt3-level", "--below", "30000", "--json")  # auto: the same forecast as `forecast`
    assert r.code == 0, r.err
    assert r.json()["method"] == "structural" and 2025 < r.json()["year"] < 2031
    r = run_cli("backtest", "cifar10", "--json")
    assert r.code == 0, r.err
    assert {x["method"] for x in r.json()} == {"ols", "rwd"}
    for x in r.json():
        assert set(x["median_log10_width"]) == {"1", "3", "5"} and x["interval_score"] > 0 and 0 <= x["coverage"] <= 1


def test_cli_user_csv_and_epoch_source(run_cli):
    r = run_cli("trend", "--csv", str(DATA / "user_series.csv"), "--json")
    assert r.code == 0, r.err
    assert r.json()["n_points"] == 5
    r = run_cli("trend", "--csv", str(DATA / "user_wright.csv"), "--wright", "--production-growth", "1", "--json")
    assert r.code == 0, r.err
    assert r.json()["learning_rate"] == pytest.approx(0.2) and r.json()["annual_decline"] == pytest.approx(0.2)


def test_cli_series_listing(run_cli):
    r = run_cli("series", "--json")
    assert r.code == 0, r.err
    names = {x["name"] for x in r.json()}
    assert {"gpt3-level", "resnet50-imagenet", "gpt2-level", "gpu-price-performance", "frontier-training"} <= names
    r = run_cli("series", "gpt2-level")
    assert r.code == 0 and "llm.c" in r.out


@pytest.mark.parametrize("args,needle", [
    (("trend", "gpt4-level"), "unknown series"),
    (("trend", "--csv", str(DATA / "user_one_point.csv")), "too few points"),
    (("trend", "--csv", str(DATA / "user_bad_date.csv")), "row 3, column 'date'"),
    (("forecast", "gpt3-level", "--year", "soon"), "--year"),
    (("trend", "gpt3-level", "--level", "1.5"), "--level"),
    (("trend",), "give one of"),
    (("when", "gpt3-level"), "--below"),
    (("trend", "cifar10", "--threshold", "50"), "--threshold"),
    (("trend", "gpt3-level", "--plot", "out.txt"), "--plot"),
    (("trend", "--source", "epoch:" + str(DATA / "user_series.csv")), "not an Epoch AI export"),
])
def test_cli_errors_are_one_line_exit_2(run_cli, args, needle):
    r = run_cli(*args)
    assert r.code == 2
    assert needle in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


@pytest.mark.parametrize("args", [
    ("trend", "gpt3-level"), ("forecast", "gpt3-level", "--year", "2030"), ("when", "gpt3-level", "--below", "30"),
    ("backtest",), ("decompose",), ("claims",), ("series", "resnet50-imagenet"),
])
@pytest.mark.parametrize("ext", [".png", ".svg"])
def test_plots_are_written(run_cli, tmp_path, args, ext):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"plot{ext}"
    r = run_cli(*args, "--plot", str(out))
    assert r.code == 0, r.err
    assert out.exists() and out.stat().st_size > 5000
    head = out.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if ext == ".png" else b"<?xml" in out.read_bytes()[:100]


# ---- where the data cannot support an answer -----------------------------------------------------------
@pytest.mark.parametrize("args, says", [
    (("gpt2-level",), "3 fitted point(s)"),  # 3 records: nothing left to test an interval on
    (("resnet50-imagenet",), "longer than the 2.4 years the points span"),  # 9.8 years past 2017.8-2020.2
    (("gpt2-small-level",), "longer than the 2.0 years"),
    (("inference-price", "--capability", "gpt-3.5", "--method", "rwd"), "longer than the 1.6 years"),
    (("gpt3-level", "--method", "ols"), "ask for 2028 or earlier"),
])
def test_forecast_says_plainly_when_the_data_cannot_support_2030(run_cli, args, says):
    r = run_cli("forecast", *args, "--year", "2030")
    assert r.code == 2 and "cannot support" in r.err and says in r.err, r.err
    assert "interval" not in r.out and len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("cap", ["gpt-3", "gpt-3.5", "gpt-4", "gpt-4-gpqa"])
def test_every_preset_answers_2030_from_the_drivers(run_cli, cap):
    """The structural forecast (and auto, which picks it on the pooled hindcasts) answers 2030 at every preset."""
    import json

    for method in ("structural", "auto"):
        r = run_cli("forecast", "inference-price", "--capability", cap, "--year", "2030", "--method", method, "--json")
        assert r.code == 0, r.err
        d = json.loads(r.out)
        assert d["method"] == "structural" and 0 < d["interval"][0] < d["median"] < d["interval"][1]
        assert d["interval"][0] >= d["floor"]["value"]


def test_web_api_refuses_an_unsupported_2030_in_one_message():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from costcurve.web.app import create_app

    r = TestClient(create_app()).post("/api/forecast", json={"name": "gpt2-level", "year": 2030})
    assert r.status_code in (400, 422) and "cannot support" in r.text, r.text
