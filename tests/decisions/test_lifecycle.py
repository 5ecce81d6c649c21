"""lifecycle: the invariants of issue 22 (zero growth and a flat day reproduce deploy and rent-vs-buy;
the API wins at small volume, self-hosting at large, with one break-even), paths, profiles, bad input."""

import json
import math

import numpy as np
import pytest

from costcurve.decisions import lifecycle as lc
from costcurve.decisions import lifecycle_inputs as li
from costcurve.errors import CostcurveError

DATE = "2026-12-01"
FLAT = dict(model="llama3.1-8b", gpu="h100", growth=1, peak_to_mean=1, years=2, date=DATE, discount_rate=0.07,
            samples=50)


@pytest.fixture(scope="module")
def flat():
    return lc.plan_lifecycle(queries_per_day="100M", options="rent,rent_committed,own", rent_scaling="peak", **FLAT)


def test_zero_growth_flat_day_reproduces_deploy(flat):
    from costcurve.decisions.price_trend import price_trend
    from costcurve.serving.deploy import plan_deployment

    dep = plan_deployment(model="llama3.1-8b", queries_per_day=1e8, gpu_options=["h100"], date=DATE,
                          input_tokens=li_mean("in"), output_tokens=li_mean("out")).best
    g = price_trend("gpu-price-performance").growth_per_year
    monthly = np.array(flat.options["rent"]["monthly_usd"])
    m = np.arange(1, monthly.size + 1)
    # rent = the deploy answer's dollars per day × days per month, falling with the trend as rent-vs-buy's rent
    np.testing.assert_allclose(monthly / np.exp(-g * m / 12), dep.usd_per_day * lc.DAYS_PER_MONTH, rtol=1e-9)


def li_mean(which):
    from costcurve.serving.load import SHAREGPT_INPUT_MEAN, SHAREGPT_OUTPUT_MEAN

    return SHAREGPT_INPUT_MEAN if which == "in" else SHAREGPT_OUTPUT_MEAN


def test_zero_growth_flat_day_reproduces_rent_vs_buy(flat):
    from costcurve.decisions.rent_vs_buy import rent_vs_buy

    own = flat.options["own"]
    n = own["accelerators_end"]
    rvb = rent_vs_buy(gpu="h100", gpus=n, utilization=1.0, years=2, discount_rate=0.07, date=DATE,
                      price_usd_per_gpu_hour=flat.options["rent_committed"]["price_usd_per_gpu_hour"])
    assert own["npv_usd"] == pytest.approx(rvb.npv_own_usd, rel=1e-9)
    assert flat.options["rent_committed"]["npv_usd"] == pytest.approx(rvb.npv_rent_usd, rel=1e-9)


def test_json_keys_as_the_issue_states():
    from click.testing import CliRunner

    from costcurve.cli import cli

    r = CliRunner().invoke(cli, ["lifecycle", "--model", "llama3.1-8b", "--gpu", "h100", "--queries-per-day", "1M",
                                 "--growth", "3", "--peak-to-mean", "2", "--years", "1", "--date", DATE,
                                 "--samples", "50", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"options", "cheapest", "switch_points", "assumptions"} <= set(d)
    for k in ("api", "rent", "own"):
        assert len(d["options"][k]["monthly_usd"]) == 12
        assert math.isfinite(d["options"][k]["npv_usd"])
    assert d["cheapest"].split("→")[0] in d["options"]
    assert d["cheapest_npv_usd"] <= min(o["npv_usd"] for o in d["options"].values()) * (1 + 1e-9)


def test_api_small_self_hosting_large_one_break_even():
    """At the same yearly decline for both, the API wins at small volume and renting at large, once."""
    diffs = []
    for q in (1e4, 1e6, 1e8, 3e9):
        r = lc.plan_lifecycle(queries_per_day=q, options="api,rent", rent_scaling="peak", api_price_decline=0.278,
                              **FLAT)
        diffs.append(r.options["rent"]["npv_usd"] - r.options["api"]["npv_usd"])
    assert diffs[0] > 0 and diffs[-1] < 0
    assert int(np.sum(np.diff(np.sign(diffs)) != 0)) == 1


def test_growth_makes_a_switch_and_the_path_is_cheapest():
    r = lc.plan_lifecycle(queries_per_day="300K", growth=4, peak_to_mean=2, years=3, options="api,rent",
                          api_price_decline=0.278, model="llama3.1-8b", gpu="h100", date=DATE, samples=50)
    assert r.cheapest == "api→rent"
    sp = r.switch_points[0]
    assert 1 < sp["month"] <= 36 and sp["from"] == "api" and sp["to"] == "rent"
    api, rent = (np.array(r.options[k]["monthly_usd"]) for k in ("api", "rent"))
    assert api[0] < rent[0] and api[-1] > rent[-1]  # the switch sits between the cheaper ends
    assert r.cheapest_npv_usd < min(r.options["api"]["npv_usd"], r.options["rent"]["npv_usd"])


def test_reasoning_tokens_are_billed_as_output_by_the_api():
    base = dict(queries_per_day="1M", options="api", **FLAT)
    a = lc.plan_lifecycle(**base).options["api"]
    b = lc.plan_lifecycle(reasoning_tokens=1000, **base).options["api"]
    assert a["provider"] == b["provider"] or b["usd_per_query"] > a["usd_per_query"]
    assert b["usd_per_query"] > a["usd_per_query"]


@pytest.mark.parametrize("ratio", [1.0, 1.7, 3.0, 10.0])
def test_profile_has_mean_one_and_the_peak_given(ratio):
    w = li.hourly_weights(ratio)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() == pytest.approx(ratio, rel=1e-6)
    assert w.min() > 0


def test_hourly_weights_are_normalised():
    w = li.hourly_weights(weights=[1] * 12 + [3] * 12)
    assert w.mean() == pytest.approx(1.0) and w.max() == pytest.approx(1.5)


def test_examples_parse():
    from pathlib import Path

    for p in Path(__file__).parents[2].joinpath("examples").glob("*.toml"):
        v = lc.check_scenario(li.merge(li.read_scenario(p), {}))
        assert v["model"] and v["queries_per_day"] > 0


@pytest.mark.parametrize("args, option", [
    (["--growth", "0"], "--growth"), (["--peak-to-mean", "30"], "--peak-to-mean"),
    (["--years", "50"], "--years"), (["--options", "api,cloud"], "--options"),
    (["--queries-per-day", "-5"], "--queries-per-day"), (["--discount-rate", "2"], "--discount-rate"),
])
def test_bad_input_is_one_line_exit_2(args, option):
    from click.testing import CliRunner

    from costcurve.cli import main

    base = ["lifecycle", "--model", "llama3.1-8b", "--queries-per-day", "1M", "--gpu", "h100"]
    with pytest.raises(SystemExit) as e:
        main(base + args)
    assert e.value.code == 2


def test_bad_scenario_files(tmp_path, capsys):
    from costcurve.cli import main

    bad = tmp_path / "bad.toml"
    for text in ("model = ", "model = 'llama3.1-8b'\nqueries_per_day = '1M'\nfoo = 1\n", "\xff\xfe"):
        bad.write_bytes(text.encode("latin-1"))
        with pytest.raises(SystemExit) as e:
            main(["lifecycle", str(bad)])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "SCENARIO" in err
    with pytest.raises(CostcurveError):
        lc.plan_lifecycle(model="llama3.1-8b", queries_per_day=1e6, nonsense=1)


def test_monthly_chart_rings_spikes_and_keeps_every_option():
    """The report's line chart: one line per option, points beyond a clipped axis ringed at its edge."""
    import re

    from costcurve.report.sections_lifecycle import lines

    own = [50.0] + [1.0] * 18 + [-80.0]  # a purchase in month 1, the resale in month 20
    svg = lines([("own", own), ("api", [1.0 + 0.1 * m for m in range(20)])], xs=list(range(1, 21)),
                fmt=lambda v: f"{v:g}", xlabel="month", ylabel="USD per month", title="t", clip=True)
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 2  # month 1 and month 20 of own
    ys = [float(y) for pts in re.findall(r'points="([^"]+)"', svg) for y in re.findall(r",([\d.]+)", pts)]
    assert min(ys) >= 26 and max(ys) <= 262  # inside the plot area
    assert lines([("a", [1.0])], xs=[1], fmt=str, xlabel="m", ylabel="y", title="t") == ""


def test_pretrain_phase_costs_what_train_says():
    """A pretraining phase is charged once, at what `estimate_training` gives for the same run."""
    from costcurve import estimate_training

    res = lc.plan_lifecycle(queries_per_day="1M", options="api,rent", phase="pretrain", phase_tokens="20B",
                            phase_gpus=64, **{**FLAT, "samples": 20})
    d = res.to_dict()
    est = estimate_training(model="llama3.1-8b", tokens=20e9, gpu="h100", gpus=64, date=DATE)
    phase = d["assumptions"]["model_phase"]
    assert phase["phase"] == "pretrain" and phase["tokens"] == 20e9
    assert math.isclose(phase["cost_usd"], float(est.cost_cloud_usd), rel_tol=1e-9)
    with pytest.raises(CostcurveError) as e:
        lc.plan_lifecycle(queries_per_day="1M", options="api,rent", phase="pretrain", **FLAT)
    assert e.value.field == "phase_tokens"
