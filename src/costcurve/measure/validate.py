"""Calibrate the step-time model on this device, and check it on configurations it was not fitted on.

:func:`calibrate` times the models of :data:`CALIBRATION_GRID` and fits the step-time model of
:mod:`costcurve.calibration` (five non-negative coefficients). :func:`validate` then times the
held-out models of :data:`VALIDATION_GRID` (width, depth, sequence and batch varied one at a time
around a base shape; none is in the calibration grid), predicts each step time from the profile and
reports ``predicted / measured - 1``.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..calibration import load_profile, make_profile, predict_step_time
from ..errors import InputError
from . import config
from .config import ModelShape
from .data import synthetic
from .device import catalog_accelerator, catalog_peak, device_name, gemm_dtype
from .peak import gemm_probe, matmul_peak, memory_bandwidth
from .run import MeasureResult, Trainer, run_steps


def _shape(L, d, T, B, V=256) -> ModelShape:
    return ModelShape(n_layers=L, d_model=d, n_heads=max(1, d // 64), seq_len=T, batch_size=B, vocab_size=V)


PROBE_N = {"cpu": 1024, "cuda": 4096}  #: GEMM probe size per device type [count]

#: (layers, width, sequence, batch) of the runs the model is fitted on.
CALIBRATION_GRID = {
    "cpu": [_shape(*c) for c in ((2, 128, 128, 8), (2, 256, 128, 8), (2, 512, 128, 4), (1, 768, 128, 4),
                                 (2, 256, 512, 2), (4, 128, 64, 4), (1, 384, 256, 8))],
    "cuda": [_shape(*c, V=8192) for c in ((4, 512, 1024, 16), (4, 1024, 1024, 8), (4, 2048, 1024, 4),
                                          (2, 1024, 4096, 2), (8, 768, 512, 16), (4, 256, 1024, 32),
                                          (2, 1536, 2048, 4))],
}


def _one_at_a_time(base: ModelShape, widths, depths, seqs, batches):
    grid = [base]
    grid += [base.replace(d_model=d, n_heads=max(1, d // 64)) for d in widths]
    grid += [base.replace(n_layers=L) for L in depths]
    grid += [base.replace(seq_len=T) for T in seqs]
    grid += [base.replace(batch_size=B) for B in batches]
    return grid


#: Held-out runs: one base shape, then width, depth, sequence and batch varied one at a time.
VALIDATION_GRID = {
    "cpu": _one_at_a_time(_shape(2, 384, 256, 4), (192, 320, 640), (1, 4), (96, 448), (2, 8)),
    "cuda": _one_at_a_time(_shape(6, 1024, 1024, 8, V=8192), (512, 1536, 2560), (3, 12), (512, 2048), (4, 16)),
}


def run_record(shape: ModelShape, step_time_s: float, peak_flop_per_s: float) -> dict:
    """One calibration run as a profile stores it: shape, FLOP by kind [FLOP], step time [s], efficiency.

    efficiency = training FLOP per step / (step time × measured peak) [fraction]; the FLOP split
    into dense (weight matmuls) and attention scores is what the step-time model is fitted on.
    """
    flop = config.training_flop_per_step(shape)
    attn = 3.0 * config.forward_flop_per_step_breakdown(shape)["attention/scores"]
    return {
        "label": shape.label(), **asdict(shape), "params": config.params(shape), "training_flop_per_step": flop,
        "dense_flop_per_step": flop - attn, "attention_flop_per_step": attn, "step_time_s": step_time_s,
        "efficiency": flop / (step_time_s * peak_flop_per_s),
    }


def result_record(res: MeasureResult) -> dict:
    """The run record of a ``measure`` result (its best step), to join a profile's runs."""
    return run_record(ModelShape(**res.shape), res.step_time_min_s, res.measured_peak_flop_per_s)


def time_shape(shape: ModelShape, device, dtype: str, peak_flop_per_s: float, *, steps: int = 5, warmup: int = 2,
               compile: bool = False, seed: int = 0, windows: tuple = (2, 4), agree: float = 0.1,
               probe_n: int | None = None) -> dict:
    """Train ``shape`` briefly; return a run record: FLOP by kind [FLOP], best step time [s], efficiency.

    Steps are timed in windows of ``steps``; the best step counts, as ``timeit`` recommends, since
    other work on the machine only ever adds time. Windows repeat (at least ``windows[0]``, at most
    ``windows[1]``) until the two best agree within ``agree``, so a burst of outside load that
    covers a whole window is not mistaken for the model's speed. With ``probe_n``, an ``n×n`` GEMM
    is timed before and after (the faster kept, ``peak_probe_flop_per_s``) so that the model sees
    the machine's speed at the time of the run.
    """
    data = synthetic(shape.vocab_size, shape.seq_len, shape.batch_size, device, seed=seed)
    trainer = Trainer(shape, device, dtype, compile=compile, seed=seed)
    probes = [gemm_probe(device, gemm_dtype(dtype), probe_n)] if probe_n else []
    best = [run_steps(trainer, data, steps, warmup, seed=seed).min_s]
    while len(best) < windows[1]:
        best.append(run_steps(trainer, data, steps, 0, seed=seed + len(best)).min_s)
        b = sorted(best)
        if len(best) >= windows[0] and b[1] <= b[0] * (1.0 + agree):
            break
    if probe_n:
        probes.append(gemm_probe(device, gemm_dtype(dtype), probe_n))
    out = {**run_record(shape, min(best), peak_flop_per_s), "windows": len(best)}
    if probes:
        out["peak_probe_flop_per_s"] = max(probes)
    return out


def grid(device, kind: str, shapes=None) -> list:
    """The shapes a ``kind`` (calibration | validation) run times on ``device`` (``shapes`` overrides)."""
    if shapes is not None:
        return list(shapes)
    return (CALIBRATION_GRID if kind == "calibration" else VALIDATION_GRID)[
        "cuda" if getattr(device, "type", str(device)).startswith("cuda") else "cpu"]


def calibrate(torch_device, dtype: str, peak_flop_per_s: float, *, shapes=None, extra_runs=(), steps: int = 5,
              warmup: int = 2, progress=None, probe_n: int | None = -1, **profile_fields) -> dict:
    """Time the calibration grid (plus ``extra_runs`` already timed) and return a fitted profile.

    ``probe_n``: size of the GEMM probe timed next to each run (default :data:`PROBE_N`; None: none).
    ``profile_fields``: device, device_type, accelerator, catalog_peak_flop_per_s,
    measured_memory_bandwidth_bytes_per_s, catalog_memory_bandwidth_bytes_per_s.
    """
    if probe_n == -1:
        probe_n = PROBE_N["cuda" if getattr(torch_device, "type", str(torch_device)).startswith("cuda") else "cpu"]
    runs = []
    for s in grid(torch_device, "calibration", shapes):
        runs.append(time_shape(s, torch_device, dtype, peak_flop_per_s, steps=steps, warmup=warmup, probe_n=probe_n))
        if progress:
            progress(1)
    runs += list(extra_runs)
    return make_profile(dtype=dtype, measured_peak_flop_per_s=peak_flop_per_s, runs=runs,
                        extra={"probe_n": probe_n}, **profile_fields)


def validate(device, dtype: str, profile, *, shapes=None, steps: int = 5, warmup: int = 2, progress=None) -> dict:
    """Predict each held-out run's step time from ``profile``, measure it, and report the errors.

    Returns ``runs`` (each with ``predicted_step_time_s``, ``step_time_s`` and ``error`` =
    predicted/measured - 1) and ``median_abs_error`` [fraction].
    """
    prof = load_profile(profile)
    if prof["dtype"] != dtype:
        raise InputError(f"the profile was measured in {prof['dtype']}; validate with `dtype` {prof['dtype']}",
                         field="calibration")
    P = prof["measured_peak_flop_per_s"]
    fitted = {r["label"] for r in prof.get("runs", [])}
    runs = []
    for s in grid(device, "validation", shapes):
        r = time_shape(s, device, dtype, P, steps=steps, warmup=warmup, probe_n=prof.get("probe_n"))
        r["predicted_step_time_s"] = predict_step_time(prof["model"], r.get("peak_probe_flop_per_s", P),
                                                       r["dense_flop_per_step"],
                                                       r["attention_flop_per_step"], r["d_model"], r["n_layers"])
        r["error"] = r["predicted_step_time_s"] / r["step_time_s"] - 1.0
        r["held_out"] = r["label"] not in fitted
        runs.append(r)
        if progress:
            progress(1)
    errors = np.abs([r["error"] for r in runs])
    held = np.abs([r["error"] for r in runs if r["held_out"]])
    return {
        "device": prof["device"], "dtype": dtype, "measured_peak_flop_per_s": P, "model": prof["model"],
        "calibration_runs": [r["label"] for r in prof.get("runs", [])], "runs": runs,
        "median_abs_error": float(np.median(errors)),
        "median_abs_error_held_out": float(np.median(held)) if held.size else None,
        "max_abs_error": float(errors.max()),
    }


def describe(device: torch.device, dtype: str, *, accelerator=None, catalog=None,
             memory_bandwidth_bytes_per_s: float | None = None) -> dict:
    """What a calibration profile records about the device: name, catalog match and its figures.

    Returns device, device_type, accelerator, catalog_peak_flop_per_s [FLOP/s],
    measured_memory_bandwidth_bytes_per_s (measured here when not given) [bytes/s] and
    catalog_memory_bandwidth_bytes_per_s [bytes/s].
    """
    name = device_name(device)
    _, acc, _ = catalog_accelerator(name, accelerator, catalog)
    bw = memory_bandwidth(device) if memory_bandwidth_bytes_per_s is None else memory_bandwidth_bytes_per_s
    return {
        "device": name, "device_type": device.type, "accelerator": acc.name if acc else None,
        "catalog_peak_flop_per_s": catalog_peak(acc, dtype),
        "measured_memory_bandwidth_bytes_per_s": bw,
        "catalog_memory_bandwidth_bytes_per_s": acc.memory_bandwidth_bytes_per_s if acc else None,
    }


# ---- the sub-steps of `costcurve measure --write-calibration / --validate` ------------------------------
def calibrate_device(device, dtype: str, *, accelerator=None, catalog=None, measured: MeasureResult | None = None,
                     progress=None) -> dict:
    """Step 1, calibrate: a fitted profile of this device (GEMM peak, calibration grid, device fields).

    With ``measured`` (a ``measure`` result on this device) its peak, bandwidth and run are reused;
    otherwise the GEMM peak [FLOP/s] and the copy bandwidth [bytes/s] are measured first.
    """
    if measured is not None:
        peak, extra = measured.measured_peak_flop_per_s, [result_record(measured)]
        accelerator = accelerator or measured.accelerator
        bw = measured.measured_memory_bandwidth_bytes_per_s
    else:
        peak, extra, bw = matmul_peak(device, gemm_dtype(dtype)).flop_per_s, [], None
    fields = describe(device, dtype, accelerator=accelerator, catalog=catalog, memory_bandwidth_bytes_per_s=bw)
    return calibrate(device, dtype, peak, extra_runs=extra, progress=progress, **fields)


def calibrate_and_validate(device, dtype: str, *, calibration=None, accelerator=None, catalog=None,
                           calibrate_progress=None, validate_progress=None) -> tuple[dict, dict]:
    """Step 1 (calibrate here, or read the profile ``calibration``), then step 2 (:func:`validate`).

    Returns ``(profile, validation report)``; the profile is new unless ``calibration`` was given.
    """
    if calibration is not None:
        prof = load_profile(calibration)
    else:
        prof = calibrate_device(device, dtype, accelerator=accelerator, catalog=catalog, progress=calibrate_progress)
    return prof, validate(device, dtype, prof, progress=validate_progress)
