"""Ranges in, percentiles out: distributions, Monte Carlo, sensitivity, CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costcurve import estimate_training
from costcurve.errors import InputError
from costcurve.uncertainty import Dist, parse_dist, sensitivity, summarize

BASE = dict(params=7e9, tokens=2e12, gpu="h100", gpus=512, price_usd_per_gpu_hour=2.5)


def test_degenerate_range_reproduces_point_estimate():
    point = estimate_training(**BASE, mfu=0.4)
    u = estimate_training(**BASE, mfu="0.4..0.4", samples=1000, seed=0)
    s = u.summary("cost_cloud_usd")
    assert s["p5"] == pytest.approx(point.cost_cloud_usd) and s["p95"] == pytest.approx(point.cost_cloud_usd)
    d = u.to_dict()
    assert d["cost_usd"]["cloud"] == pytest.approx(point.cost_cloud_usd)  # no spread: a plain number


def test_percentiles_ordered_when_an_input_varies():
    u = estimate_training(**BASE, mfu="0.3..0.5", samples=5000, seed=1)
    s = u.summary("cost_cloud_usd")
    assert s["p5"] < s["p50"] < s["p95"]
    assert u.summary("training_flop") == pytest.approx(6 * 7e9 * 2e12)  # FLOP does not depend on MFU


def test_median_under_symmetric_log_range_is_point_at_geometric_mean():
    lo, hi = 0.3, 0.5
    u = estimate_training(**BASE, mfu=f"{lo}..{hi}", samples=200_000, seed=2)
    point = estimate_training(**BASE, mfu=math.sqrt(lo * hi))
    assert u.summary("cost_cloud_usd")["p50"] == pytest.approx(point.cost_cloud_usd, rel=0.01)
    # the 90% interval of the MFU input is the one asked for
    s = summarize(u.inputs["mfu"])
    assert s["p5"] == pytest.approx(lo, rel=0.02) and s["p95"] == pytest.approx(hi, rel=0.02)


def test_seed_reproduces_and_differs():
    a = estimate_training(**BASE, mfu="0.3..0.5", samples=2000, seed=7).summary("cost_cloud_usd")
    b = estimate_training(**BASE, mfu="0.3..0.5", samples=2000, seed=7).summary("cost_cloud_usd")
    c = estimate_training(**BASE, mfu="0.3..0.5", samples=2000, seed=8).summary("cost_cloud_usd")
    assert a == b and a != c


def test_bounded_inputs_stay_in_bounds():
    u = estimate_training(**BASE, mfu="0.5..0.99", goodput="normal(0.95,0.1)", samples=20000, seed=3)
    assert u.inputs["mfu"].max() <= 1.0 and u.inputs["mfu"].min() > 0
    assert u.inputs["goodput"].max() <= 1.0


def test_uncertain_defaults_spread_mfu_and_price():
    u = estimate_training(model="llama2-7b", tokens=2e12, gpu="a100", gpus=512, uncertainty=True, samples=4000, seed=4,
                          date="2024-01-01")
    assert {"mfu", "price_usd_per_gpu_hour"} <= set(u.inputs)
    names = [r["input"] for r in u.sensitivity()]
    assert set(names) == {"mfu", "price_usd_per_gpu_hour"}
    shares = [r["share"] for r in u.sensitivity()]
    assert sum(shares) == pytest.approx(1.0)


def test_sensitivity_ranks_the_input_that_matters():
    rng = np.random.default_rng(0)
    a, b = rng.lognormal(0, 1, 5000), rng.lognormal(0, 0.1, 5000)
    out = sensitivity({"small": b, "big": a}, a * b)
    assert out[0]["input"] == "big" and out[0]["share"] > 0.9


@pytest.mark.parametrize("text,kind", [("1..2", "lognormal"), ("normal(1,0.1)", "normal"), ("uniform(1,2)", "uniform"),
                                       ("triangular(1,2,4)", "triangular"), ("lognormal(1B,2B)", "lognormal"),
                                       ("3..3", "fixed")])
def test_parse_forms(text, kind):
    assert parse_dist(text, "x").kind == kind


@pytest.mark.parametrize("text", ["2..1", "0..1", "a..b", "1..2..3", "normal(1)", "triangular(3,2,1)", "uniform(2,1)",
                                  "lognormal(-1,2)", "normal(1,-1)", "..5"])
def test_parse_errors(text):
    with pytest.raises(InputError) as e:
        parse_dist(text, "mfu")
    assert e.value.field == "mfu"


def test_dist_medians():
    rng = np.random.default_rng(1)
    for d in (Dist("lognormal", (1, 4)), Dist("triangular", (0, 1, 5)), Dist("uniform", (2, 6)), Dist("normal", (3, 1))):
        assert np.median(d.sample(rng, 200_000, low=-np.inf)) == pytest.approx(d.median, rel=0.02)


def test_cli_range_output_and_json(run_cli, tmp_path):
    r = run_cli("train", "--params", "7B", "--tokens", "1T..2T", "--gpu", "h100", "--gpus", "256", "--mfu", "0.3..0.5",
                "--seed", "1", "--samples", "2000", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert set(d["cost_usd"]["cloud"]) == {"p5", "p50", "p95", "mean"}
    assert d["sensitivity"]["inputs"] and d["samples"] == 2000
    r2 = run_cli("train", "--params", "7B", "--tokens", "1T..2T", "--gpu", "h100", "--gpus", "256", "--mfu", "0.3..0.5",
                 "--seed", "1", "--samples", "2000", "--json")
    assert r2.json()["cost_usd"] == d["cost_usd"]
    t = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--gpus", "256", "--uncertainty", "--seed", "1")
    assert t.code == 0 and "p50 (p5–p95)" in t.out and "share" in t.out
    png = tmp_path / "cost.png"
    p = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--gpus", "256", "--mfu", "0.3..0.5",
                "--pue", "1.1..1.4", "--plot", str(png))
    assert p.code == 0, p.err
    assert png.stat().st_size > 5000


@pytest.mark.parametrize("args,needle", [
    (["--mfu", "0.5..0.3"], "LOW <= HIGH"),
    (["--mfu", "normal(0.4)"], "takes 2 numbers"),
    (["--tokens", "1T..x"], "cannot read"),
    (["--samples", "1.5", "--mfu", "0.3..0.5"], "samples"),
    (["--plot", "x.png"], "needs a range"),
])
def test_cli_range_errors(run_cli, args, needle):
    base = ["train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--gpus", "64"]
    if "--tokens" in args:
        base = ["train", "--params", "7B", "--gpu", "h100", "--gpus", "64"]
    r = run_cli(*base, *args)
    assert r.code == 2 and needle in r.err and len(r.err.strip().splitlines()) == 1, r.err


def test_inference_ranges_and_uncertain_defaults(run_cli):
    from costcurve import estimate_inference

    point = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch=32, price_usd_per_gpu_hour=2.0)
    same = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch="32..32", price_usd_per_gpu_hour=2.0,
                              samples=500, seed=1)
    assert same.to_dict()["usd_per_query"] == pytest.approx(point.usd_per_query)
    u = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch="16..64", input_tokens="200..2000",
                           price_usd_per_gpu_hour=2.0, samples=3000, seed=2)
    s = u.summary("usd_per_query")
    assert s["p5"] < s["p50"] < s["p95"]
    assert set(u.inputs["batch"]) <= set(range(1, 10_000)) and u.inputs["batch"].min() >= 1  # integers
    d = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, uncertainty=True, samples=2000, seed=3, date="2024-06-01")
    assert {"flop_efficiency", "bandwidth_efficiency"} <= set(d.inputs)
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--batch", "16..64", "--price", "1.5..3", "--seed", "1",
                "--samples", "1000", "--json")
    assert r.code == 0, r.err
    j = r.json()
    assert set(j["usd_per_query"]) == {"p5", "p50", "p95", "mean"} and j["sensitivity"]["output"] == "usd_per_query"
    t = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--uncertainty", "--seed", "1", "--samples", "1000")
    assert t.code == 0 and "p50 (p5–p95)" in t.out
    bad = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--batch", "64..16")
    assert bad.code == 2 and "LOW <= HIGH" in bad.err


def test_sequence_length_range_moves_attention_flop():
    u = estimate_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=256, mfu=0.4, seq_len="2048..8192",
                          samples=2000, seed=5)
    s = u.summary("training_flop")
    assert s["p5"] < s["p95"]
    assert set(np.unique(u.inputs["seq_len"] % 1)) == {0.0}
