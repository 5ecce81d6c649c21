"""`costcurve train` and `costcurve catalog`: output, JSON keys, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HF = Path(__file__).parents[1] / "data" / "hf"


def test_train_table(run_cli):
    r = run_cli("train", "--model", "llama3.1-405b", "--gpu", "h100", "--gpus", "16384")
    assert r.code == 0, r.err
    assert "training FLOP" in r.out and "cloud rental" in r.out


def test_train_json_keys(run_cli):
    r = run_cli("train", "--params", "7B", "--tokens", "2T", "--gpu", "a100", "--gpus", "256", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("training_flop", "flop_method", "mfu", "gpu_hours", "wall_clock_hours", "cost_usd", "energy_kwh"):
        assert key in d
    assert d["flop_method"] == "6ND"
    assert d["training_flop"] == pytest.approx(6 * 7e9 * 2e12)
    assert set(d["cost_usd"]) >= {"cloud", "amortized", "acquisition"}


def test_train_flop_and_days(run_cli):
    r = run_cli("train", "--flop", "3.8e25", "--gpu", "h100", "--days", "54", "--mfu", "0.4", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["flop_method"] == "given" and d["wall_clock_days"] <= 54


@pytest.mark.parametrize("name", ["llama2-7b", "mixtral-8x7b", "deepseek-v3", "gemma2-9b", "gpt2", "qwen2.5-7b"])
def test_train_from_hf_config(run_cli, name):
    r = run_cli("train", "--model", str(HF / f"{name}.json"), "--tokens", "1T", "--gpu", "h100", "--gpus", "64", "--json")
    assert r.code == 0, r.err
    assert r.json()["flop_method"] == "architecture"


def test_catalog_listings(run_cli):
    for what in ("gpus", "models", "prices", "presets", "mfu"):
        r = run_cli("catalog", what)
        assert r.code == 0, (what, r.err)
        j = run_cli("catalog", what, "--json")
        assert j.code == 0 and j.json()


BAD = [
    (["train", "--params", "0", "--tokens", "1T"], "params"),
    (["train", "--params", "-7B", "--tokens", "1T"], "params"),
    (["train", "--params", "nan", "--tokens", "1T"], "params"),
    (["train", "--params", "7X", "--tokens", "1T"], "params"),
    (["train", "--params", "7B", "--tokens", "1T", "--mfu", "1.2"], "mfu"),
    (["train", "--params", "7B", "--tokens", "1T", "--gpus", "-3"], "gpus"),
    (["train", "--params", "7B", "--tokens", "1T", "--gpu", "h1000"], "h100"),
    (["train", "--model", "llama9-7b", "--tokens", "1T"], "model"),
    (["train", "--model", str(HF / "malformed.json"), "--tokens", "1T"], "not valid JSON"),
    (["train", "--model", str(HF / "missing-key.json"), "--tokens", "1T"], "num_hidden_layers"),
    (["train", "--model", "/nonexistent/config.json", "--tokens", "1T"], "cannot read"),
    (["train", "--params", "7B", "--tokens", "1T", "--price", "-2"], "--price"),
    (["train", "--params", "7B", "--tokens", "1T", "--date", "2024-02-30"], "date"),
    (["train", "--params", "7B", "--tokens", "1T", "--dtype", "fp4"], "--dtype"),
    (["train", "--params", "7B", "--tokens", "1T", "--gpu", "v100", "--dtype", "fp8"], "fp8"),
    (["train", "--params", "7B", "--tokens", "1T", "--pue", "0.5"], "--pue"),
    (["train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--days", "3"], "either"),
    (["train", "--params", "7B", "--tokens", "1T", "--provider", "nosuchcloud"], "provider"),
    (["trian"], "train"),
]


@pytest.mark.parametrize("args,needle", BAD, ids=[" ".join(a[1:4]) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2(run_cli, args, needle):
    r = run_cli(*args)
    assert r.code == 2, (r.out, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("error:") and needle in lines[0]
    assert "Traceback" not in r.err


def test_bad_user_catalog_via_env(run_cli, tmp_path, monkeypatch):
    p = tmp_path / "bad.csv"
    p.write_text("gpu,provider,date_observed,kind,price_usd_per_gpu_hour,instance,source\nh100,aws,2024-01-01,hourly,2,,x\n")
    monkeypatch.setenv("COSTCURVE_CATALOG", str(p))
    r = run_cli("train", "--params", "7B", "--tokens", "1T")
    assert r.code == 2 and "row 2" in r.err and "kind" in r.err and len(r.err.strip().splitlines()) == 1


def test_module_entry_point_and_help():
    out = subprocess.run([sys.executable, "-m", "costcurve", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "train" in out.stdout


def test_import_is_light():
    code = ("import sys, costcurve; heavy = [m for m in ('pandas','matplotlib','torch','scipy','rich','click','flask','fastapi')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_json_carries_the_quotes_behind_the_price(run_cli):
    """train/infer --json: price_quotes and price_providers agree with the price rule's own text."""
    import re

    for args in (["train", "--model", "llama3-8b", "--gpu", "h100", "--gpus", "8"], ["infer", "--model", "llama3-8b"],
                 ["train", "--model", "llama3-8b", "--gpus", "8", "--mfu", "0.3..0.5", "--samples", "200"]):
        d = run_cli(*args, "--json").json()
        m = re.search(r"(\d+) quote\(s\) from (\d+) provider\(s\)", d["price_source"])
        assert (d["price_quotes"], d["price_providers"]) == (int(m[1]), int(m[2]))
        assert d["price_quotes"] >= 3 and d["price_providers"] >= 2  # the default-price rule
    given = run_cli("infer", "--model", "llama3-8b", "--price", "2", "--json").json()
    assert given["price_quotes"] is None and given["price_providers"] is None


def test_train_table_for_a_run_given_by_its_flop(run_cli):
    """The table (not only --json) reads a run given by its FLOP: no parameters or tokens to print."""
    r = run_cli("train", "--flop", "3e24", "--gpu", "h100", "--days", "30")
    assert r.code == 0, r.err
    assert "a run given by its FLOP" in r.out and "not given" in r.out


@pytest.mark.parametrize("args, label", [
    (["--params", "70B", "--tokens", "15T"], "a 70B-parameter model"),
    (["--params", "671B", "--active-params", "37B", "--tokens", "15T"], "a 671B-parameter model (37B active)"),
    (["--model", "llama3-70b", "--tokens", "15T"], "llama3-70b"),
])
def test_train_table_names_the_model(run_cli, args, label):
    r = run_cli("train", *args, "--gpu", "h100", "--gpus", "2048")
    assert r.code == 0, r.err
    assert f"Training estimate: {label} on h100-sxm5" in " ".join(r.out.split())
