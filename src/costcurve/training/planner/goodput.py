"""Goodput: the fraction of wall-clock time a training run spends on useful steps. [fraction]

Failures arrive at a rate proportional to the accelerator count (Poisson), so the cluster's
mean time between interruptions is ``M = 1 / (N · λ)``. Each interruption loses half a checkpoint
interval of work on average plus a restart ``R`` (reschedule, reload, warm-up); each checkpoint
pauses training for ``δ``. With the interval at Young's optimum ``τ = √(2·δ·M)`` (Young 1974;
Daly 2006, eq. 37 to first order) the lost fraction is

    δ/τ + (τ/2 + R)/M  +  R / run_length   (the last term: the run's own first start)

and goodput is one minus that (floored at 1%).

Constants from published failure statistics:

* ``λ`` — Llama 3 (Dubey et al. 2024, §3.3.4, Table 5): 466 job interruptions (47 planned, 419
  unexpected) in 54 days on 16,384 H100s: ``466 / (16384 · 54 · 24 h) = 2.19e-5`` per GPU-hour,
  one interruption every 2.8 h at that size. For comparison (not used): Meta's research clusters,
  Kokolis et al. 2024 (arXiv 2410.21680, §4) 2.34–6.50 failures per 1000 node-days of 8 GPUs
  (1.2e-5–3.4e-5 per GPU-hour); OPT-175B's logbook (Zhang et al. 2022, §2.5 and the chronicles)
  over 100 restarts in about two months on 992 A100s (about 7e-5 per GPU-hour).
* ``δ`` — checkpoint bytes (16-bit weights + fp32 master and Adam moments, 14 bytes per parameter)
  over the storage bandwidth, Llama 3's 2 TB/s sustained for 16,384 GPUs (§3.3.1) = 122 MB/s per GPU.
* ``R`` — derived so that the formula reproduces Llama 3's "higher than 90% effective training
  time" (§3.3.4) for the 405B run on 16,384 GPUs: see :func:`restart_s`. MegaScale (Jiang et al.
  2024, §6) reports above 90% on 12,288 GPUs as well.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from costcurve.errors import InputError

LLAMA3_INTERRUPTIONS = 466  #: Dubey et al. 2024, Table 5
LLAMA3_GPUS = 16384
LLAMA3_DAYS = 54
LLAMA3_EFFECTIVE = 0.90  #: "higher than 90% effective training time" (§3.3.4)
LLAMA3_PARAMS = 405e9
FAILURES_PER_GPU_HOUR = LLAMA3_INTERRUPTIONS / (LLAMA3_GPUS * LLAMA3_DAYS * 24.0)
STORAGE_BYTES_PER_S_PER_GPU = 2e12 / LLAMA3_GPUS  #: Tectonic, 2 TB/s sustained for 16K GPUs (§3.3.1)
CHECKPOINT_BYTES_PER_PARAM = 14.0  #: 16-bit weights + fp32 master weights + two fp32 Adam moments
MIN_GOODPUT = 0.01


def mtbf_s(n_accelerators, failures_per_gpu_hour=FAILURES_PER_GPU_HOUR):
    """Mean time between interruptions of a cluster of ``n`` accelerators. [s]"""
    return 3600.0 / (np.asarray(n_accelerators, dtype=float) * failures_per_gpu_hour)


def checkpoint_s(params, n_accelerators):
    """Time to write one checkpoint, all accelerators writing in parallel. [s]"""
    return CHECKPOINT_BYTES_PER_PARAM * np.asarray(params, dtype=float) / (
        np.asarray(n_accelerators, dtype=float) * STORAGE_BYTES_PER_S_PER_GPU)


def _lost_fraction(delta, M, restart, run_s):
    tau = np.sqrt(2.0 * delta * M)
    return delta / tau + (tau / 2.0 + restart) / M + restart / run_s


@functools.lru_cache(maxsize=1)
def restart_s() -> float:
    """Restart cost per interruption ``R`` solved from Llama 3's 90% effective time. [s]

    ``1 − 0.90 = δ/τ + (τ/2 + R)/M`` for 405B parameters on 16,384 GPUs (the run-start term is
    negligible over 54 days and left out of the solve).
    """
    M = float(mtbf_s(LLAMA3_GPUS))
    delta = float(checkpoint_s(LLAMA3_PARAMS, LLAMA3_GPUS))
    tau = math.sqrt(2.0 * delta * M)
    return ((1.0 - LLAMA3_EFFECTIVE) - delta / tau - tau / (2.0 * M)) * M


def default_goodput(n_accelerators, params, run_s):
    """Default goodput for ``n`` accelerators training ``params`` parameters for ``run_s`` seconds. [fraction]

    ``run_s`` is the failure-free wall-clock time; the result broadcasts over arrays.
    """
    if type(n_accelerators) is float and type(params) is float and type(run_s) is float:
        return _default_goodput_scalar(n_accelerators, params, run_s)
    n = np.asarray(n_accelerators, dtype=float)
    run = np.asarray(run_s, dtype=float)
    if np.any(n < 1) or np.any(~np.isfinite(run)) or np.any(run <= 0):
        raise InputError("needs n_accelerators >= 1 and a positive finite run length", field="goodput")
    lost = _lost_fraction(checkpoint_s(params, n), mtbf_s(n), restart_s(), run)
    g = np.clip(1.0 - lost, MIN_GOODPUT, 1.0)
    return float(g) if np.ndim(g) == 0 else g


def _default_goodput_scalar(n: float, params: float, run_s: float) -> float:
    """:func:`default_goodput` of Python floats with math, the same operations in the same order
    (so the same bits as the array path; tests compare them)."""
    if n < 1 or not math.isfinite(run_s) or run_s <= 0:
        raise InputError("needs n_accelerators >= 1 and a positive finite run length", field="goodput")
    delta = CHECKPOINT_BYTES_PER_PARAM * params / (n * STORAGE_BYTES_PER_S_PER_GPU)
    M = 3600.0 / (n * FAILURES_PER_GPU_HOUR)
    restart = restart_s()
    tau = math.sqrt(2.0 * delta * M)
    lost = delta / tau + (tau / 2.0 + restart) / M + restart / run_s
    return min(max(1.0 - lost, MIN_GOODPUT), 1.0)


def optimal_checkpoint_interval_s(n_accelerators, params):
    """Young's optimal checkpoint interval ``√(2·δ·M)``. [s]"""
    return np.sqrt(2.0 * checkpoint_s(params, n_accelerators) * mtbf_s(n_accelerators))
