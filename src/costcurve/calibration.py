"""Calibration profiles: the efficiency measured on the user's own machine, fed back into estimates.

``costcurve measure --write-calibration FILE`` trains a few model sizes and fits how the step time
of a GPT-style model depends on its shape on that device (no torch is needed here)::

    step time [s] = (F_dense·(u + v/d) + F_attn·w) / P  +  c_layer·L  +  c_step

with ``F_dense`` the model FLOP of the weight matmuls of a step and ``F_attn`` those of the attention
scores [FLOP], ``d`` the width (the inner matmul dimension), ``L`` the layers, ``P`` the GEMM peak
measured on the device [FLOP/s]. The dense efficiency ``e(d) = 1 / (u + v/d)`` [fraction of P]
saturates with width (``1/u`` for a very wide model): the elementwise work per matmul FLOP falls as
``1/d``. ``w`` is the inverse efficiency of the attention kernels; ``c_layer``, ``c_step`` [s] are the
fixed per-layer and per-step overheads (kernel launches, the Python loop) that dominate tiny models.
All five are non-negative and fitted by least squares on relative error (``scipy.optimize.nnls``).

For an estimate at scale (:func:`calibrated_mfu`) the fixed overheads vanish and a model of ``N``
parameters is given the width of a typical shape, ``d = (128·N/12)^(1/3)`` (``N ≈ 12·L·d²`` with
``d/L = 128``, near GPT-3 and Llama; Kaplan et al. 2020 §3.1 find loss insensitive to that ratio).
MFU against the catalog peak is then ``e(d) · P / peak_catalog``. The profile calibrates one
device: it is single-device efficiency, without the communication of a large cluster.

A profile is JSON; :func:`load_profile` validates it and raises one :class:`CostcurveError` line
naming the file and the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import CostcurveError

FORMAT = "costcurve-calibration"
VERSION = 1
MODEL_TERMS = ("u", "v", "w", "c_layer_s", "c_step_s")
U_MIN = 1.0 / 3.0  #: smallest u: dense efficiency at most 3 × the measured GEMM peak [1]
ASPECT_RATIO = 128.0  #: d_model / n_layers of the typical shape used to turn params into width
_DTYPE_CLASS = {"fp32": "fp32", "tf32": "tf32", "bf16": "16", "fp16": "16"}


class CalibrationError(CostcurveError):
    """A calibration profile is missing, malformed or does not apply to the estimate."""

    def __init__(self, message: str, source=None):
        super().__init__(f"{source}: {message}" if source else message, field="calibration")


# ---- the step-time model --------------------------------------------------------------------------
def design_matrix(dense_flop, attention_flop, d_model, n_layers, peak_flop_per_s):
    """Columns of the step-time model, one row per run: time = X @ (u, v, w, c_layer, c_step). [s]"""
    Fd = np.asarray(dense_flop, float)
    P = np.asarray(peak_flop_per_s, float)
    return np.column_stack([Fd / P, Fd / (np.asarray(d_model, float) * P), np.asarray(attention_flop, float) / P,
                            np.asarray(n_layers, float) + 0 * Fd, np.ones_like(Fd)])


def fit_step_time_model(runs, peak_flop_per_s: float) -> dict:
    """Fit ``u, v, w, c_layer_s, c_step_s`` (all >= 0) to measured runs, minimising relative error.

    ``runs``: dicts with ``dense_flop_per_step``, ``attention_flop_per_step`` [FLOP], ``d_model``,
    ``n_layers``, ``step_time_s`` [s] and optionally ``peak_probe_flop_per_s``, the GEMM rate
    measured just before the run [FLOP/s] (it cancels slow drifts of a shared machine's speed;
    default ``peak_flop_per_s``).
    """
    from scipy.optimize import lsq_linear

    if len(runs) < 3:
        raise CalibrationError(f"needs at least 3 runs to fit; got {len(runs)}")
    X = design_matrix([r["dense_flop_per_step"] for r in runs], [r["attention_flop_per_step"] for r in runs],
                      [r["d_model"] for r in runs], [r["n_layers"] for r in runs],
                      [r.get("peak_probe_flop_per_s") or peak_flop_per_s for r in runs])
    t = np.array([r["step_time_s"] for r in runs], float)
    scale = X.max(axis=0)
    scale[scale == 0] = 1.0
    # u >= U_MIN: a dense layer is never more than 1/U_MIN times as fast as the GEMM timed next to it, the
    # rule validate_profile applies; without it a noisy fit on small widths can put all the dense time in
    # v/d and write a profile its own reader refuses.
    lower = np.array([U_MIN, 0.0, 0.0, 0.0, 0.0]) * scale
    coef = lsq_linear(X / scale / t[:, None], np.ones(len(t)), bounds=(lower, np.inf)).x / scale
    rel = X @ coef / t - 1.0
    return {
        "formula": "step_time_s = (F_dense*(u + v/d_model) + F_attn*w) / P + c_layer_s*n_layers + c_step_s",
        **dict(zip(MODEL_TERMS, (float(c) for c in coef))),
        "fit_runs": len(runs), "fit_median_abs_error": float(np.median(np.abs(rel))),
    }


def predict_step_time(model: dict, peak_flop_per_s: float, dense_flop, attention_flop, d_model, n_layers):
    """Step time predicted by a fitted model (see the module docstring). [s]"""
    X = design_matrix(np.atleast_1d(dense_flop), np.atleast_1d(attention_flop), np.atleast_1d(d_model),
                      np.atleast_1d(n_layers), peak_flop_per_s)
    t = X @ np.array([model[k] for k in MODEL_TERMS])
    return float(t[0]) if np.ndim(dense_flop) == 0 else t


def dense_efficiency(model: dict, d_model):
    """Fraction of the measured peak reached by the weight matmuls of a wide model: ``1/(u + v/d)``. [fraction]

    Can exceed 1 when the GEMM benchmark fell short of what the training kernels reach.
    """
    d = np.asarray(d_model, float)
    e = 1.0 / (model["u"] + model["v"] / d)
    return float(e) if e.ndim == 0 else e


def width_for_params(params):
    """Width of a typical model of ``params`` parameters: ``(128·N/12)^(1/3)``. [count]"""
    return (ASPECT_RATIO * np.asarray(params, float) / 12.0) ** (1.0 / 3.0)


# ---- profiles ------------------------------------------------------------------------------------
def make_profile(*, device: str, device_type: str, accelerator, dtype: str, measured_peak_flop_per_s: float,
                 catalog_peak_flop_per_s, runs, measured_memory_bandwidth_bytes_per_s=None, catalog_memory_bandwidth_bytes_per_s=None,
                 extra: dict | None = None) -> dict:
    """A calibration profile (plain JSON-ready dict) from measured runs; fits the step-time model."""
    import datetime as dt

    from ._version import __version__

    model = fit_step_time_model(runs, measured_peak_flop_per_s)
    by_size = sorted(({"d_model": r["d_model"], "params": r["params"], "efficiency": r["efficiency"]} for r in runs),
                     key=lambda r: (r["params"], r["d_model"]))
    prof = {
        "format": FORMAT, "version": VERSION, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "costcurve_version": __version__, "device": device, "device_type": device_type, "accelerator": accelerator,
        "dtype": dtype, "measured_peak_flop_per_s": float(measured_peak_flop_per_s),
        "catalog_peak_flop_per_s": None if catalog_peak_flop_per_s is None else float(catalog_peak_flop_per_s),
        "measured_memory_bandwidth_bytes_per_s": measured_memory_bandwidth_bytes_per_s,
        "catalog_memory_bandwidth_bytes_per_s": catalog_memory_bandwidth_bytes_per_s,
        "model": model, "efficiency_by_size": by_size, "runs": list(runs),
    }
    if extra:
        prof.update(extra)
    return validate_profile(prof)


def _number(obj, key, source, *, low=0.0, high=math.inf, allow_zero=False, optional=False):
    v = obj.get(key)
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or (v < low if allow_zero else v <= low) or v > high:
        rng = f"{'>=' if allow_zero else '>'} {low:g}" + (f" and <= {high:g}" if math.isfinite(high) else "")
        raise CalibrationError(f"field {key!r}: got {v!r}; allowed: a number {rng}", source)
    return float(v)


def validate_profile(obj, source=None) -> dict:
    """Check a profile's format, fields and ranges; return it. Raises :class:`CalibrationError`."""
    if not isinstance(obj, dict):
        raise CalibrationError(f"expected a JSON object written by the measure command (`write_calibration`); got {type(obj).__name__}", source)
    if obj.get("format") != FORMAT:
        raise CalibrationError(f"field 'format': got {obj.get('format')!r}; expected {FORMAT!r} "
                               "(write one with the measure command's `write_calibration`)", source)
    if obj.get("version") != VERSION:
        raise CalibrationError(f"field 'version': got {obj.get('version')!r}; this costcurve reads version {VERSION}", source)
    for key in ("device", "dtype"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise CalibrationError(f"field {key!r}: got {obj.get(key)!r}; allowed: a non-empty string", source)
    if obj["dtype"] not in _DTYPE_CLASS:
        raise CalibrationError(f"field 'dtype': got {obj['dtype']!r}; allowed: {', '.join(_DTYPE_CLASS)}", source)
    acc = obj.get("accelerator")
    if acc is not None and (not isinstance(acc, str) or not acc):
        raise CalibrationError(f"field 'accelerator': got {acc!r}; allowed: a catalog name or null", source)
    _number(obj, "measured_peak_flop_per_s", source, low=1e6, high=1e17)
    _number(obj, "catalog_peak_flop_per_s", source, low=1e6, high=1e17, optional=True)
    _number(obj, "measured_memory_bandwidth_bytes_per_s", source, low=1e6, high=1e15, optional=True)
    model = obj.get("model")
    if not isinstance(model, dict):
        raise CalibrationError("field 'model': missing; expected the fitted step-time model", source)
    for k in MODEL_TERMS:
        _number(model, k, source, low=0.0, high=1e6, allow_zero=True)
    if model["u"] + model["v"] <= 0:
        raise CalibrationError("field 'model': u and v are both 0; the profile has no dense efficiency", source)
    if model["u"] and 1.0 / model["u"] > 1.0 / U_MIN * (1 + 1e-9):
        raise CalibrationError(f"field 'model.u': efficiency 1/u = {1 / model['u']:.2f} exceeds {1 / U_MIN:g} × the "
                               "measured peak; "
                               "re-measure", source)
    return obj


def load_profile(profile_or_path) -> dict:
    """A validated profile from a dict or a JSON file path. Raises :class:`CalibrationError` (one line)."""
    if isinstance(profile_or_path, dict):
        return validate_profile(profile_or_path)
    if not isinstance(profile_or_path, (str, Path)):
        raise CalibrationError(f"expected a profile (dict) or the path of its JSON file; got "
                               f"{type(profile_or_path).__name__}")
    from .errors import FileInputError
    from .files import read_json

    try:  # the one safe reader: regular files only, bounded, UTF-8, finite numbers, bounded nesting
        obj = read_json(profile_or_path, field="calibration", max_bytes=MAX_PROFILE_BYTES, top=None)
    except FileInputError as e:
        raise CalibrationError(e.message) from None
    return validate_profile(obj, str(profile_or_path))


#: a profile holds a few dozen runs (a few kB); anything far larger is not one [bytes]
MAX_PROFILE_BYTES = 16 * 2**20


def check_writable(path, field: str = "write_calibration") -> Path:
    """``path`` as a Path if a profile can be written there (not a folder; its folder exists), else InputError."""
    from .errors import InputError
    from .files import printable

    p = Path(path)
    if p.is_dir():
        raise InputError(f"{printable(str(p))!r} is a folder; give a file name", field=field)
    if not p.parent.is_dir():
        raise InputError(f"folder {printable(str(p.parent))!r} does not exist", field=field)
    return p


def save_profile(profile: dict, path, field: str = "write_calibration") -> None:
    """Write a profile as JSON (validated first). Raises InputError naming ``field`` when it cannot be written."""
    from .errors import InputError
    from .files import printable

    validate_profile(profile)
    p = check_writable(path, field)
    try:
        p.write_text(json.dumps(profile, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write {printable(str(p))!r} ({e.strerror or e})", field=field) from None


# ---- feeding the estimates ----------------------------------------------------------------------
def _check_applies(prof: dict, accelerator, dtype) -> None:
    name = getattr(accelerator, "name", accelerator)
    if name is not None and prof.get("accelerator") != name:
        measured = prof.get("accelerator") or "not a catalog accelerator"
        raise CalibrationError(
            f"profile measured on {prof['device']!r} ({measured}) calibrates that device only, not {name}; "
            f"measure on {name} (or label the device with the measure command's `accelerator`), or give `mfu`")
    if dtype is not None and _DTYPE_CLASS.get(dtype, dtype) != _DTYPE_CLASS[prof["dtype"]]:
        raise CalibrationError(f"profile measured in {prof['dtype']}; the estimate uses {dtype}: give `dtype` "
                               f"{prof['dtype']} or measure with `dtype` {dtype}")


def calibrated_efficiency_of_measured_peak(profile_or_path, params) -> float:
    """Fraction of the device's *measured* GEMM peak a model of ``params`` [count] reaches. [fraction]"""
    prof = load_profile(profile_or_path)
    return dense_efficiency(prof["model"], width_for_params(params))


def calibrated_mfu(profile_or_path, accelerator, dtype, params) -> float:
    """MFU [fraction of the catalog peak] of a model of ``params`` [count] on the profile's accelerator.

    ``MFU = e(d(params)) · P_measured / P_catalog(dtype)``, clipped to (0, 1]. ``accelerator`` is a
    :class:`costcurve.catalog.Accelerator` (or its name with ``profile['catalog_peak_flop_per_s']``);
    it and ``dtype`` must match the profile, else :class:`CalibrationError`. Arrays of params broadcast.
    """
    prof = load_profile(profile_or_path)
    _check_applies(prof, accelerator, dtype)
    if hasattr(accelerator, "peak_flop_per_s"):
        peak = accelerator.peak_flop_per_s(dtype or prof["dtype"])
    else:
        peak = prof.get("catalog_peak_flop_per_s")
        if not peak:
            raise CalibrationError("profile has no catalog peak; pass the Accelerator from the catalog")
    eff = dense_efficiency(prof["model"], width_for_params(params))
    mfu = np.clip(np.asarray(eff) * prof["measured_peak_flop_per_s"] / peak, 1e-4, 1.0)
    return float(mfu) if mfu.ndim == 0 else mfu


class Efficiency(NamedTuple):
    """Calibrated efficiencies for the inference estimator."""

    flop_fraction: float  #: achieved / catalog peak FLOP/s (compute-bound work: prefill) [fraction]
    bandwidth_fraction: float | None  #: measured copy bandwidth / catalog bandwidth (decode) [fraction]


def calibrated_efficiency(profile_or_path, accelerator=None, dtype=None, params=None) -> Efficiency:
    """Compute and memory-bandwidth efficiency of the profile's device, for serving estimates.

    ``flop_fraction``: as :func:`calibrated_mfu` (of the catalog peak; of the measured peak when
    ``accelerator`` is None). ``bandwidth_fraction``: measured copy bandwidth over the catalog's
    memory bandwidth (None when either is unknown; 1.0 when ``accelerator`` is None). ``params`` [count]
    defaults to 7e9.
    """
    prof = load_profile(profile_or_path)
    params = 7e9 if params is None else params
    if accelerator is None:
        return Efficiency(calibrated_efficiency_of_measured_peak(prof, params),
                          1.0 if prof.get("measured_memory_bandwidth_bytes_per_s") else None)
    flop_fraction = calibrated_mfu(prof, accelerator, dtype, params)
    bw = prof.get("measured_memory_bandwidth_bytes_per_s")
    cat_bw = getattr(accelerator, "memory_bandwidth_bytes_per_s", None) or prof.get("catalog_memory_bandwidth_bytes_per_s")
    return Efficiency(flop_fraction, min(1.0, bw / cat_bw) if bw and cat_bw else None)
