"""`costcurve measure` on CPU with tiny models: accounting checks, learning, calibration, bad input.

Each check compares costcurve's formulas with the real PyTorch module (CONVENTIONS §7).
"""

from __future__ import annotations

import json
import statistics

import pytest

torch = pytest.importorskip("torch")

from costcurve.calibration import load_profile
from costcurve.errors import InputError
from costcurve.measure import config, device, run, validate
from costcurve.measure.config import ModelShape
from costcurve.measure.model import GPT, num_params

TINY = config.resolve_shape("tiny", "cpu")
CPU = torch.device("cpu")
SHAPES = [TINY, ModelShape(3, 96, 3, 32, 2, 300), ModelShape(1, 128, 2, 128, 4, 256)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.label())
def test_param_count_formula_equals_numel(shape):
    assert config.params(shape) == num_params(GPT(shape))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.label())
def test_flop_accounting_agrees_with_flop_counter_mode(shape):
    """Tolerance: exact (1e-9) where both count the same thing.

    FlopCounterMode counts attention scores over the full S×S square and, in the backward pass,
    the flash kernel's recomputation (5 matmuls vs 2 forward); costcurve counts the causal half,
    3 × forward. So: forward with ``causal=False`` matches exactly, the weight matmuls of a training
    step match exactly, and the attention kernels count ``14·L·d·B·S²`` — which puts the whole-step
    ratio at ``(F_w + 6·L·d·B·S·(S+1)) / (F_w + 14·L·d·B·S²)``.
    """
    c = run.count_flop_torch(shape, CPU)
    L, d, B, S = shape.n_layers, shape.d_model, shape.batch_size, shape.seq_len
    fwd_full = sum(config.forward_flop_per_step_breakdown(shape, causal=False).values())
    assert c["forward"] == pytest.approx(fwd_full, rel=1e-9)
    ours = config.training_flop_per_step(shape)
    attn = 3.0 * config.forward_flop_per_step_breakdown(shape)["attention/scores"]
    assert c["matmul"] == pytest.approx(ours - attn, rel=1e-9)
    assert c["attention"] == pytest.approx(14.0 * L * d * B * S * S, rel=1e-9)
    assert ours / c["total"] == pytest.approx((ours - attn + 6.0 * L * d * B * S * (S + 1)) / (ours - attn + c["attention"]))
    assert 0.8 < ours / c["total"] <= 1.0


@pytest.mark.slow
def test_loss_goes_down():
    trainer = run.Trainer(TINY, CPU, "fp32", lr=3e-3)
    data = run.load_data(TINY, CPU)
    times = run.run_steps(trainer, data, steps=40, warmup=0)
    first, last = sum(times.losses[:5]) / 5, sum(times.losses[-5:]) / 5
    assert first == pytest.approx(torch.log(torch.tensor(256.0)).item(), abs=0.3)  # uniform start: ln V
    assert last < first - 1.0


@pytest.mark.slow
def test_measure_cli_json(run_cli):
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", "--steps", "3", "--warmup", "1", "--price", "2.0",
                "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("device", "tokens_per_second", "step_time_s", "achieved_flop_per_s", "flop_counter_ratio",
                "measured_peak_flop_per_s", "mfu_vs_measured_peak", "mfu_vs_catalog_peak", "peak_memory_bytes", "usd"):
        assert key in d, key
    assert d["device"].startswith("cpu") and d["mfu_vs_catalog_peak"] is None
    assert d["params"] == d["params_torch"]
    assert d["tokens_per_second"] == pytest.approx(TINY.tokens_per_step / d["step_time_s"])
    assert d["achieved_flop_per_s"] == pytest.approx(d["training_flop_per_step"] / d["step_time_s"])
    assert d["mfu_vs_measured_peak"] == pytest.approx(d["achieved_flop_per_s"] / d["measured_peak_flop_per_s"])
    assert d["usd"] == pytest.approx(2.0 * 3 * d["step_time_s"] / 3600)
    assert 0.8 < d["flop_counter_ratio"] <= 1.0 and d["flop_counter_ratio_matmul"] == pytest.approx(1.0)
    assert d["peak_memory_bytes"] > 0


@pytest.mark.slow
def test_time_to_target_on_a_text_file(run_cli, tmp_path):
    text = tmp_path / "input.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 400)
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", "--steps", "1", "--warmup", "0", "--data", str(text),
                "--lr", "3e-3",
                "--target-loss", "2.5", "--eval-interval", "10", "--max-steps", "600", "--price", "1", "--json")
    assert r.code == 0, r.err
    t = r.json()["target"]
    assert t["reached"] and t["val_loss"] <= 2.5
    assert t["usd"] == pytest.approx(t["wall_s"] / 3600)
    assert t["tokens"] == t["steps"] * TINY.tokens_per_step


@pytest.mark.slow
def test_calibrate_write_and_validate(run_cli, tmp_path, monkeypatch):
    """Small grids keep this fast; the real grids are exercised by ``measure --validate``."""
    grid = [ModelShape(1, 64, 1, 32, 4), ModelShape(2, 128, 2, 32, 4), ModelShape(1, 128, 2, 128, 2),
            ModelShape(2, 64, 1, 64, 8)]
    held_out = [ModelShape(1, 96, 2, 64, 4), ModelShape(2, 96, 2, 32, 2)]
    monkeypatch.setitem(validate.CALIBRATION_GRID, "cpu", grid)
    monkeypatch.setitem(validate.VALIDATION_GRID, "cpu", held_out)
    path = tmp_path / "cal.json"
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", "--steps", "3", "--warmup", "1",
                "--write-calibration", str(path), "--json")
    assert r.code == 0, r.err
    prof = load_profile(path)
    assert prof["dtype"] == "fp32" and prof["device_type"] == "cpu" and len(prof["runs"]) == len(grid) + 1
    assert prof["measured_peak_flop_per_s"] == pytest.approx(r.json()["measured_peak_flop_per_s"])
    r = run_cli("measure", "--device", "cpu", "--validate", "--calibration", str(path), "--json")
    assert r.code == 0, r.err
    v = r.json()
    assert len(v["runs"]) == 2 and all(x["held_out"] for x in v["runs"])
    assert v["median_abs_error"] == pytest.approx(statistics.median(abs(x["error"]) for x in v["runs"]))
    assert all(x["predicted_step_time_s"] > 0 for x in v["runs"])


@pytest.mark.parametrize("args, needle", [
    (("--preset", "huge"), "--preset"),
    (("--steps", "-1"), "--steps"),
    (("--steps", "0"), "--steps"),
    (("--preset", "tiny", "--width", "64", "--heads", "5"), "--heads"),
    (("--preset", "tiny", "--dtype", "tf32"), "--dtype"),
    (("--preset", "tiny", "--price", "-3"), "--price"),
    (("--preset", "tiny", "--data", "/nonexistent/file.txt"), "--data"),
    (("--validate", "--calibration", "BAD"), "calibration"),
])
def test_bad_input_is_one_line_and_exit_2(run_cli, tmp_path, args, needle):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "costcurve-calibration", "version": 1}))
    args = tuple(str(bad) if a == "BAD" else a for a in args)
    r = run_cli("measure", "--device", "cpu", *args)  # on CUDA, tf32 would be allowed and a run would start
    assert r.code == 2
    assert r.err.count("\n") == 1 and r.err.startswith("error:") and needle in r.err


def test_device_match_to_catalog():
    from costcurve import load_catalog

    cat = load_catalog()
    for name, want in (("NVIDIA H100 80GB HBM3", "h100-sxm5"), ("NVIDIA A100-SXM4-80GB", "a100-sxm4-80gb"),
                       ("Tesla V100-SXM2-32GB", "v100-sxm2-32gb"), ("NVIDIA GeForce RTX 4090", "rtx-4090"),
                       ("NVIDIA H200", "h200-sxm")):
        acc = device.match_accelerator(name, cat)
        assert acc is not None and acc.name == want, name
    assert device.match_accelerator("cpu: AMD EPYC (2 threads)", cat) is None


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (the CPU build has none)")


@needs_cuda
@pytest.mark.slow
def test_measure_on_cuda():
    """The CUDA path: bf16 autocast (fp16 where the GPU has no bf16), synchronised timing, CUDA peak memory.

    Autocast keeps fp32 weights, so 4 (weights) + 4 (gradients) + 8 (AdamW moments) bytes per parameter are
    resident at the optimizer step: a lower bound on ``torch.cuda.max_memory_allocated``. The weight matmuls
    count the same FLOP as on the CPU; the attention kernels (flash, memory-efficient or cuDNN) all carry
    "attention" in their names, so the weights-only ratio stays exact.
    """
    shape = config.resolve_shape("tiny", "cuda")
    r = run.measure(shape, device="cuda", dtype="auto", steps=3, warmup=1, price_usd_per_hour=1.0)
    assert r.device_type == "cuda" and r.dtype == ("bf16" if torch.cuda.is_bf16_supported() else "fp16")
    assert r.peak_memory_kind == "torch.cuda.max_memory_allocated"
    assert r.peak_memory_bytes >= 16 * r.params_torch
    assert r.params == r.params_torch
    assert r.flop_counter_ratio_matmul == pytest.approx(1.0, rel=1e-6)
    assert 0.5 < r.flop_counter_ratio <= 1.0
    assert r.tokens_per_second == pytest.approx(shape.tokens_per_step / r.step_time_s)
    assert r.usd == pytest.approx(1.0 * 3 * r.step_time_s / 3600)


@needs_cuda
def test_cuda_dtype_choice():
    dev = device.pick_device("cuda")
    assert device.pick_dtype("auto", dev) in ("bf16", "fp16") and device.pick_dtype("tf32", dev) == "tf32"


def test_cuda_refused_where_there_is_none():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(InputError) as e:
        device.pick_device("cuda")
    assert e.value.field == "device"


def _hostile(tmp_path, kind):
    """A hostile input file of ``kind``, made in tmp_path (or a device path)."""
    import os

    p = tmp_path / f"{kind}.txt"
    if kind == "not-utf8":
        p.write_bytes(b"caf\xe9 au lait " * 200)
    elif kind == "utf16":
        p.write_bytes("hello world ".encode("utf-16") * 200)
    elif kind == "escape":
        p.write_text("text with a terminal escape \x1b[31m red " * 100)
    elif kind == "nul":
        p.write_bytes(b"abc\x00def " * 300)
    elif kind == "folder":
        p.mkdir()
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "dev-zero":
        return "/dev/zero"
    elif kind == "missing":
        return str(tmp_path / "nope" / "x.txt")
    elif kind == "deep-json":
        p.write_text("[" * 200_000 + "]" * 200_000)
    elif kind == "infinity-json":
        p.write_text('{"format": "costcurve-calibration", "version": 1, "measured_peak_flop_per_s": Infinity}')
    elif kind == "huge-number-json":
        p.write_text('{"format": "costcurve-calibration", "version": 1, "measured_peak_flop_per_s": 1e999}')
    return str(p)


DATA_KINDS = ("not-utf8", "utf16", "escape", "nul", "folder", "fifo", "dev-zero", "missing")
CAL_KINDS = DATA_KINDS + ("deep-json", "infinity-json", "huge-number-json")


@pytest.mark.parametrize("kind", DATA_KINDS)
def test_hostile_data_file_is_refused_in_one_line(run_cli, tmp_path, kind):
    if kind == "fifo" and not hasattr(__import__("os"), "mkfifo"):
        pytest.skip("no FIFOs on this system")
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", "--steps", "1", "--warmup", "0",
                "--data", _hostile(tmp_path, kind))
    assert r.code == 2, r.err
    assert r.err.startswith("error: --data") and r.err.count("\n") == 1 and "Traceback" not in r.err, r.err
    assert "\x1b" not in r.err and r.out == ""


@pytest.mark.parametrize("kind", CAL_KINDS)
def test_hostile_calibration_file_is_refused_in_one_line(run_cli, tmp_path, kind):
    if kind == "fifo" and not hasattr(__import__("os"), "mkfifo"):
        pytest.skip("no FIFOs on this system")
    r = run_cli("measure", "--device", "cpu", "--validate", "--calibration", _hostile(tmp_path, kind))
    assert r.code == 2, r.err
    assert r.err.startswith("error: --calibration") and r.err.count("\n") == 1 and "Traceback" not in r.err, r.err


def test_text_data_library_error_is_typed(tmp_path):
    from costcurve.errors import FileInputError

    with pytest.raises(FileInputError) as e:
        run.load_data(TINY, CPU, _hostile(tmp_path, "not-utf8"))
    assert e.value.field == "data_path"  # the CLI names it --data


@pytest.mark.parametrize("target", ["folder", "missing"])
def test_write_calibration_to_a_bad_place_is_refused_before_timing(run_cli, tmp_path, target):
    path = _hostile(tmp_path, target)
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", "--write-calibration", path)
    assert r.code == 2 and r.err.startswith("error: --write-calibration") and r.err.count("\n") == 1, r.err


def test_memory_option_conflicts(run_cli):
    r = run_cli("measure", "--device", "cpu", "--real")
    assert r.code == 2 and "--real" in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize("args, needle", [
    (("--max-time", "50m"), "ambiguous"),       # minutes or milliseconds? refused, never 50 million seconds
    (("--price", "2,50"), "thousands separator"),
    (("--price", "2M"), "suffix"),               # suffixes belong to counts, not dollars
    (("--lr", "1e999"), "finite"),
    (("--target-loss", "nan"), "--target-loss"),
])
def test_numbers_are_read_by_kind(run_cli, args, needle):
    r = run_cli("measure", "--device", "cpu", "--preset", "tiny", *args)
    assert r.code == 2 and r.err.count("\n") == 1 and needle in r.err, r.err


def test_max_time_takes_units():
    from costcurve.cli.measure import _positive

    assert _positive("30min", "--max-time", "time") == 1800.0 and _positive("2h", "--max-time", "time") == 7200.0


@pytest.mark.parametrize("kwargs, field", [
    ({"steps": 1.5}, "steps"), ({"warmup": -1}, "warmup"), ({"lr": float("nan")}, "lr"),
    ({"lr": -1e-3}, "lr"), ({"price_usd_per_hour": float("inf")}, "price_usd_per_hour"), ({"dtype": "fp8"}, "dtype"),
    ({"device": "tpu"}, "device"),
])
def test_library_measure_refuses_bad_arguments(kwargs, field):
    with pytest.raises(InputError) as e:
        run.measure(TINY, **{"device": "cpu", **kwargs})
    assert e.value.field == field


def test_library_time_to_target_refuses_bad_arguments():
    for kwargs, field in (({"target_loss": 0.0}, "target_loss"), ({"max_time_s": float("nan")}, "max_time_s"),
                          ({"eval_interval": 0}, "eval_interval")):
        args = {"target_loss": 2.0, **kwargs}
        with pytest.raises(InputError) as e:
            run.measure_time_to_target(TINY, args.pop("target_loss"), device="cpu", **args)
        assert e.value.field == field


def test_a_fit_on_noisy_small_widths_gives_a_profile_its_reader_accepts():
    """Runs whose time is all in the v/d term (what load on a shared machine can make of small widths) used to
    fit u ≈ 0.02, a dense efficiency of 60 × the GEMM peak, which load_profile then refused."""
    from costcurve.calibration import U_MIN, fit_step_time_model, make_profile

    P = 1e11
    runs = [{"dense_flop_per_step": 1e9 * d, "attention_flop_per_step": 1e7, "d_model": d, "n_layers": 2,
             "step_time_s": (1e9 * d * (0.02 + 60.0 / d)) / P * (1.0 + 0.03 * (-1) ** i), "label": f"r{i}",
             "params": 1e6, "training_flop_per_step": 1e9 * d + 1e7, "efficiency": 0.5}
            for i, d in enumerate((64, 96, 128, 160, 192))]
    model = fit_step_time_model(runs, P)
    assert model["u"] >= U_MIN
    prof = make_profile(device="cpu: test", device_type="cpu", accelerator=None, dtype="fp32",
                        measured_peak_flop_per_s=P, catalog_peak_flop_per_s=None, runs=runs)
    assert load_profile(prof)["model"]["u"] >= U_MIN
