"""The last crashes and silent nonsense of the held-out corpus, the likely slips, and the defaults a newcomer
trips over: each was a traceback, a null or absurd figure, or a quiet assumption before."""

from __future__ import annotations

import json
import math

import pytest

from costcurve import estimate_inference, estimate_training
from costcurve.errors import InputError


def _one_line(r, option):
    assert r.code == 2, (r.code, r.out[-500:], r.err[-2000:])
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}"), r.err
    return lines[0]


# ---- infer: --gpus 1e308 was a KeyError (34-line traceback), --price 1e308 printed null dollars ------------------
def test_infer_huge_gpus_is_one_line(run_cli):
    _one_line(run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--gpus", "1e308"), "--gpus")


@pytest.mark.parametrize("price", ["1e308", "1e306"])
def test_infer_huge_price_refused_not_null(run_cli, price):
    _one_line(run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--price", price, "--json"), "--price")


def test_infer_large_finite_price_answers_finite(run_cli):
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--price", "1e290", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for k in ("usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_query", "usd_per_billion_queries"):
        assert d[k] is not None and math.isfinite(d[k])


def test_check_result_without_the_blamed_input_in_given():
    """The KeyError's cause: the input blamed for an overflow was not among the numbers given."""
    from costcurve.inputs import check_result

    with pytest.raises(InputError) as e:
        check_result(math.inf, "time", {"gpus": "1e308"})
    assert e.value.field == "gpus"


# ---- distributions whose spread overflows or cannot be meant --------------------------------------------------------
@pytest.mark.parametrize("option,value", [
    ("--price", "normal(2,1e300)"), ("--flop", "normal(1e24,1e300)"), ("--electricity-price", "normal(0.1,1e300)"),
    ("--grid-intensity", "normal(0.4,1e300)"), ("--server-overhead", "normal(2,1e300)"),
    ("--depreciation", "1..1e308"), ("--chip-price", "1..1e300"), ("--price", "lognormal(1e300,1.7e308)"),
])
def test_enormous_spread_refused(run_cli, option, value):
    line = _one_line(run_cli("train", "--params", "7B", "--tokens", "1T", "--gpus", "8", option, value, "--samples",
                             "500", "--seed", "1"), option)
    assert "spread" in line or "overflow" in line or "not finite" in line


@pytest.mark.parametrize("option,value,figure", [
    ("--price", "1..4", "cost_cloud_usd"), ("--mfu", "normal(0.4,0.1)", "cost_cloud_usd"),
    ("--price", "lognormal(0.5,8)", "cost_cloud_usd"), ("--grid-intensity", "normal(0,0.1)", "co2_kg")])
def test_ordinary_spreads_still_answer(run_cli, option, value, figure):
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpus", "8", option, value, "--samples", "500",
                "--seed", "1", "--json")
    assert r.code == 0, r.err
    cost = r.json()[figure]
    assert all(math.isfinite(cost[k]) for k in ("p5", "p50", "p95", "mean"))


def test_spread_refusal_in_the_library_names_the_field():
    with pytest.raises(InputError) as e:
        estimate_training(params=7e9, tokens=1e12, gpus=8, gpu="h100", price_usd_per_gpu_hour="normal(2,1e300)",
                          samples=200, seed=1)
    assert e.value.field == "price_usd_per_gpu_hour"


# ---- likely slips ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv,option,hint", [
    (["train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--mfu", "40"], "--mfu", "0.40"),
    (["infer", "--model", "llama3-8b", "--utilization", "70"], "--utilization", "0.70"),
    (["rent-vs-buy", "--gpu", "h100", "--gpus", "8", "--utilization", "70"], "--utilization", "0.70"),
    (["train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--goodput", "95"], "--goodput", "0.95"),
])
def test_percentage_gets_the_fraction_suggested(run_cli, argv, option, hint):
    line = _one_line(run_cli(*argv), option)
    assert hint in line and "percentage" in line


def test_no_percentage_hint_beyond_100(run_cli):
    line = _one_line(run_cli("train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--mfu", "400"), "--mfu")
    assert "percentage" not in line


def test_seventy_parameters_is_warned(run_cli):
    est = estimate_training(params=70, tokens=1e12, gpus=8, gpu="h100", price_usd_per_gpu_hour=2)
    assert any(n.startswith("warning:") and "fewer than a million" in n for n in est.notes)
    r = run_cli("train", "--params", "70", "--tokens", "1T", "--gpu", "h100", "--gpus", "8")
    assert r.code == 0 and "fewer than a million" in r.out.split("training tokens")[0]  # in the parameters row
    assert not any("fewer than a million" in n for n in estimate_training(
        params=7e9, tokens=1e12, gpus=8, gpu="h100", price_usd_per_gpu_hour=2).notes)


# ---- defaults shown where the answer is ----------------------------------------------------------------------------
def test_train_shows_the_assumed_count_in_its_row(run_cli):
    r = run_cli("train", "--model", "llama3-70b", "--gpu", "h100", "--mfu", "0.4")
    assert r.code == 0, r.err
    row = next(line for line in r.out.splitlines() if "× h100" in line)
    assert "1,024" in row and "ASSUMED" in row
    est = estimate_training(model="llama3-70b", gpu="h100", mfu=0.4)
    assert est.gpus_source == "assumed" and est.to_dict()["gpus_source"] == "assumed"
    assert estimate_training(model="llama3-70b", gpu="h100", mfu=0.4, gpus=64).gpus_source == "given"


def test_infer_default_batch_keeps_a_per_user_speed():
    """Llama 3 8B on one H100: 1,387 sequences fit, at 11 tokens/s each; the default keeps 25 tokens/s
    (40 ms per output token, MLPerf Inference v5.0 interactive)."""
    from costcurve.serving.estimate import DEFAULT_TOKENS_PER_S_PER_USER

    est = estimate_inference(model="llama3-8b", gpu="h100", price_usd_per_gpu_hour=2)
    assert DEFAULT_TOKENS_PER_S_PER_USER == 25.0
    assert est.batch < est.max_batch
    assert est.time_per_output_token_s <= 1 / DEFAULT_TOKENS_PER_S_PER_USER + 1e-12
    bigger = estimate_inference(model="llama3-8b", gpu="h100", price_usd_per_gpu_hour=2, batch=est.batch + 1)
    assert bigger.time_per_output_token_s > 1 / DEFAULT_TOKENS_PER_S_PER_USER  # the largest that keeps the speed
    assert "25 tokens/s" in est.batch_rule
    old = estimate_inference(model="llama3-8b", gpu="h100", price_usd_per_gpu_hour=2, min_tokens_per_s_per_user=None)
    assert old.batch == min(old.max_batch, 2048) and old.batch_rule == "largest that fits"
    given = estimate_inference(model="llama3-8b", gpu="h100", price_usd_per_gpu_hour=2, batch=64)
    assert given.batch == 64 and given.batch_rule == "given"


def test_infer_cli_says_which_batch(run_cli):
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100")
    assert r.code == 0, r.err
    row = next(line for line in r.out.splitlines() if line.startswith("│ batch"))
    assert "25 tokens/s per user" in row


def test_json_of_a_monte_carlo_has_no_nan(run_cli):
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--price", "1..1e5", "--samples", "300",
                "--seed", "2", "--json")
    assert r.code == 0, r.err
    json.loads(r.out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_overflow_warnings_do_not_break_the_one_line_rule():
    """A real process: numpy's RuntimeWarning used to print its own lines before the error line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    r = subprocess.run([sys.executable, "-m", "costcurve", "budget", "--usd", "1M", "--gpus", "64", "--price", "2",
                        "--inference-tokens", "1e308"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("error: --inference-tokens")
