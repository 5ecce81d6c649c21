"""Calibration profiles: fit, round-trip, validation on load, and their effect on the estimates (no torch)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from costcurve import count_params, estimate_training, load_catalog
from costcurve.calibration import (
    CalibrationError,
    calibrated_efficiency,
    calibrated_mfu,
    dense_efficiency,
    fit_step_time_model,
    load_profile,
    make_profile,
    predict_step_time,
    save_profile,
    width_for_params,
)

TRUE = {"u": 1.25, "v": 40.0, "w": 2.0, "c_layer_s": 1e-3, "c_step_s": 4e-4}  # a made-up device
P = 2e11  # its measured GEMM peak [FLOP/s]


def _runs(model=TRUE, peak=P):
    """Runs whose step times follow ``model`` exactly, over a spread of widths, depths and sequences."""
    out = []
    for L, d, T, B in ((2, 128, 128, 8), (2, 256, 128, 8), (2, 512, 128, 4), (1, 768, 128, 4), (2, 256, 512, 2),
                       (4, 128, 64, 4), (1, 384, 256, 8)):
        dense = 6.0 * 12 * L * d * d * T * B
        attn = 6.0 * L * d * (T + 1) * T * B
        t = predict_step_time(model, peak, dense, attn, d, L)
        out.append({"label": f"L{L} d{d}", "n_layers": L, "d_model": d, "seq_len": T, "batch_size": B,
                    "params": 12.0 * L * d * d, "dense_flop_per_step": dense, "attention_flop_per_step": attn,
                    "training_flop_per_step": dense + attn, "step_time_s": t, "efficiency": (dense + attn) / (t * peak)})
    return out


def _profile(accelerator=None, dtype="fp32", peak=P, model=TRUE, **kw):
    return make_profile(device=kw.pop("device", "test device"), device_type="cpu", accelerator=accelerator, dtype=dtype,
                        measured_peak_flop_per_s=peak, catalog_peak_flop_per_s=kw.pop("catalog_peak", None),
                        runs=_runs(model, peak), measured_memory_bandwidth_bytes_per_s=kw.pop("bandwidth", 1e11))


def test_fit_recovers_the_model_that_made_the_runs():
    fit = fit_step_time_model(_runs(), P)
    for k, v in TRUE.items():
        assert fit[k] == pytest.approx(v, rel=1e-6, abs=1e-9), k
    assert fit["fit_median_abs_error"] < 1e-9


def test_profile_round_trips_through_a_file(tmp_path):
    prof = _profile()
    path = tmp_path / "cal.json"
    save_profile(prof, path)
    back = load_profile(path)
    assert back == json.loads(json.dumps(prof))
    assert calibrated_efficiency(path, params=1e9) == calibrated_efficiency(prof, params=1e9)


def test_dense_efficiency_saturates_with_width():
    m = TRUE
    e = dense_efficiency(m, np.array([128.0, 1024.0, 8192.0, 1e9]))
    assert np.all(np.diff(e) > 0)
    assert e[-1] == pytest.approx(1 / m["u"], rel=1e-6)
    # the typical shape: N ≈ 12·L·d² with d/L = 128 → Llama-2-7B-like width
    assert width_for_params(6.5e9) == pytest.approx(4096, rel=0.03)


def test_calibration_sets_the_estimate_from_the_measured_rate():
    """Calibrated wall clock = FLOP / (accelerators × measured peak × efficiency at that size)."""
    cat = load_catalog()
    acc = cat.accelerator("h100")
    prof = _profile(accelerator=acc.name, dtype="bf16", peak=7e14, catalog_peak=acc.peak_flop_per_s("bf16"))
    base = estimate_training(params=7e9, tokens=1e12, gpu="h100", gpus=64, mfu=0.4, catalog=cat)
    est = estimate_training(params=7e9, tokens=1e12, gpu="h100", gpus=64, calibration=prof, catalog=cat)
    eff = dense_efficiency(TRUE, width_for_params(7e9))
    assert est.mfu_source == "calibration"
    assert est.mfu == pytest.approx(eff * 7e14 / acc.peak_flop_per_s("bf16"), rel=1e-9)
    assert est.wall_clock_s == pytest.approx(6 * 7e9 * 1e12 / (64 * 7e14 * eff), rel=1e-9)
    # a faster device profile (smaller u) → proportionally shorter run and lower cost
    fast = dict(TRUE, u=TRUE["u"] * 0.8)
    prof2 = _profile(accelerator=acc.name, dtype="bf16", peak=7e14, model=fast)
    est2 = estimate_training(params=7e9, tokens=1e12, gpu="h100", gpus=64, calibration=prof2, catalog=cat)
    assert est2.wall_clock_s < est.wall_clock_s
    assert est2.wall_clock_s / est.wall_clock_s == pytest.approx(dense_efficiency(TRUE, width_for_params(7e9))
                                                                 / dense_efficiency(fast, width_for_params(7e9)))
    assert base.wall_clock_s != est.wall_clock_s


def test_mfu_is_capped_at_one_and_arrays_broadcast():
    cat = load_catalog()
    acc = cat.accelerator("h100")
    prof = _profile(accelerator=acc.name, dtype="bf16", peak=5 * acc.peak_flop_per_s("bf16"))
    m = calibrated_mfu(prof, acc, "bf16", np.array([1e8, 1e10, 1e12]))
    assert m.shape == (3,) and np.all(m <= 1.0) and np.all(m > 0)


def test_profile_applies_to_its_own_device_and_dtype_only():
    cat = load_catalog()
    prof = _profile(accelerator=cat.accelerator("h100").name, dtype="bf16", peak=7e14)
    with pytest.raises(CalibrationError, match="calibrates that device only"):
        calibrated_mfu(prof, cat.accelerator("a100"), "bf16", 7e9)
    with pytest.raises(CalibrationError, match="`dtype` bf16"):
        calibrated_mfu(prof, cat.accelerator("h100"), "fp32", 7e9)
    assert calibrated_mfu(prof, cat.accelerator("h100"), "fp16", 7e9) > 0  # same 16-bit peak class
    with pytest.raises(CalibrationError, match="not a catalog accelerator"):
        calibrated_mfu(_profile(), cat.accelerator("h100"), "fp32", 7e9)


def test_efficiency_for_inference():
    cat = load_catalog()
    acc = cat.accelerator("h100")
    prof = _profile(accelerator=acc.name, dtype="bf16", peak=7e14, bandwidth=2.8e12)
    eff = calibrated_efficiency(prof, acc, "bf16", 7e9)
    assert eff.flop_fraction == pytest.approx(calibrated_mfu(prof, acc, "bf16", 7e9))
    assert eff.bandwidth_fraction == pytest.approx(min(1.0, 2.8e12 / acc.memory_bandwidth_bytes_per_s))
    mine = calibrated_efficiency(prof, params=7e9)  # no accelerator: fractions of what was measured
    assert mine.flop_fraction == pytest.approx(dense_efficiency(TRUE, width_for_params(7e9)))


@pytest.mark.parametrize("text, message", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"format": "something-else"}', "field 'format'"),
    (None, "field 'measured_peak_flop_per_s'"),  # negative peak
    ("missing-model", "field 'model'"),
])
def test_malformed_profiles_give_one_clear_line(tmp_path, run_cli, text, message):
    path = tmp_path / "cal.json"
    good = _profile(accelerator="h100-sxm5", dtype="bf16", peak=7e14)
    if text is None:
        good["measured_peak_flop_per_s"] = -1.0
        text = json.dumps(good)
    elif text == "missing-model":
        del good["model"]
        text = json.dumps(good)
    path.write_text(text)
    with pytest.raises(CalibrationError, match=message):
        load_profile(path)
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--calibration", str(path))
    assert r.code == 2
    assert r.err.count("\n") == 1 and r.err.startswith("error: --calibration:") and message.split("'")[0] in r.err


def test_train_cli_uses_the_profile(tmp_path, run_cli):
    cat = load_catalog()
    acc = cat.accelerator("h100")
    path = tmp_path / "h100.json"
    save_profile(_profile(accelerator=acc.name, dtype="bf16", peak=7e14), path)
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--gpus", "64", "--calibration", str(path),
                "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["mfu_source"] == "calibration"
    assert d["mfu"] == pytest.approx(calibrated_mfu(path, acc, "bf16", 7e9))


def test_measure_without_torch_says_how_to_install(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch → ImportError
    r = run_cli("measure", "--preset", "tiny")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "pip install 'costcurve[measure]'" in r.err and "torch==2.13.0" in r.err


def test_costcurve_import_does_not_import_torch():
    code = ("import sys, costcurve, costcurve.calibration, costcurve.measure, costcurve.measure.config, "
            "costcurve.cli.measure; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fit_needs_enough_runs():
    with pytest.raises(CalibrationError, match="at least 3 runs"):
        fit_step_time_model(_runs()[:2], P)
    assert math.isfinite(fit_step_time_model(_runs()[:3], P)["u"])


def test_infer_uses_the_profile(tmp_path, run_cli):
    """A calibration profile of the serving accelerator replaces the default serving efficiencies."""
    from costcurve import estimate_inference

    cat = load_catalog()
    acc = cat.accelerator("h100")
    path = tmp_path / "h100.json"
    save_profile(_profile(accelerator=acc.name, dtype="bf16", peak=7e14, bandwidth=2.8e12), path)
    eff = calibrated_efficiency(path, acc, "bf16", count_params(cat.architecture("llama3-8b"), active=True))
    est = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch=32, calibration=str(path))
    assert est.efficiencies["flop_efficiency"] == pytest.approx(eff.flop_fraction)
    assert est.efficiencies["bandwidth_efficiency"] == pytest.approx(eff.bandwidth_fraction)
    base = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch=32)
    assert est.time_per_output_token_s != pytest.approx(base.time_per_output_token_s)
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--gpus", "1", "--batch", "32", "--calibration", str(path),
                "--json")
    assert r.code == 0, r.err
    assert r.json()["efficiencies"]["flop_efficiency"] == pytest.approx(eff.flop_fraction)
    wrong = run_cli("infer", "--model", "llama3-8b", "--gpu", "a100", "--calibration", str(path))
    assert wrong.code == 2 and wrong.err.count("\n") == 1
