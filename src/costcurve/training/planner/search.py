"""Evaluate many layouts at once (memory, fit, step time, throughput, MFU) and rank them.

:func:`evaluate_layouts` takes the arrays of :func:`~costcurve.training.planner.layout.enumerate_layouts`
(or one layout as arrays of length 1) and returns arrays of every figure a plan reports;
:func:`rank_layouts` keeps what fits and sorts by step time (less memory breaks ties).
Large searches run in chunks so memory stays bounded; ``progress(done, total)`` is called after
each chunk.
"""

from __future__ import annotations

import numpy as np

from costcurve.architecture import Architecture
from costcurve.flop import forward_flop_per_token_breakdown
from costcurve.interconnect import Interconnect
from costcurve.training.planner.rank_memory import MEMORY_KEYS, memory_breakdown
from costcurve.training.planner.step_time import STEP_KEYS, group_links, step_time_breakdown

CHUNK = 100_000


def model_flop_per_token(arch: Architecture, seq_len) -> tuple[float, float]:
    """(training model FLOP per token, attention-score share of the forward). [FLOP], [1]"""
    b = forward_flop_per_token_breakdown(arch, seq_len)
    fwd = sum(b.values())
    return 3.0 * fwd, b["attention/scores"] / fwd


def _evaluate_chunk(arch, lay, *, seq_len, peak, hbm, e_mm, capacity, ic, flash_attention, grad_bytes, fp8):
    m = lay["global_batch"] / (lay["dp"] * lay["microbatch"])
    mem = memory_breakdown(arch, seq_len=seq_len, microbatch=lay["microbatch"], tp=lay["tp"], pp=lay["pp"],
                           vpp=lay["vpp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"], zero=lay["zero"],
                           recompute=lay["recompute"], sequence_parallel=lay["sequence_parallel"],
                           num_microbatches=m, flash_attention=flash_attention, grad_bytes=grad_bytes,
                           dp_shard=lay.get("dp_shard"))
    links = group_links(ic, tp=lay["tp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"], pp=lay["pp"],
                        dp_shard=lay.get("dp_shard"))
    st = step_time_breakdown(arch, seq_len=seq_len, global_batch=lay["global_batch"], microbatch=lay["microbatch"],
                             tp=lay["tp"], pp=lay["pp"], vpp=lay["vpp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"],
                             zero=lay["zero"], recompute=lay["recompute"],
                             sequence_parallel=lay["sequence_parallel"], peak_flop_per_s=peak, hbm_bytes_per_s=hbm,
                             e_mm=e_mm, links=links, flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8,
                             dp_shard=lay.get("dp_shard"), overlap=lay.get("overlap", True))
    out = {f"memory/{k}": np.broadcast_to(mem[k], m.shape).astype(float) for k in MEMORY_KEYS}
    out.update({f"step/{k}": st[k] for k in STEP_KEYS})
    out["step_time_s"] = st["step_time"]
    out["fits"] = out["memory/total"] <= capacity
    return out


def evaluate_layouts(arch: Architecture, layouts: dict, *, seq_len: int, peak_flop_per_s: float,
                     hbm_bytes_per_s: float, e_mm: float, memory_capacity_bytes: float, interconnect: Interconnect,
                     flash_attention: bool = True, grad_bytes: float = 4.0, fp8: bool = False,
                     progress=None) -> dict:
    """Figures of every layout (arrays aligned with ``layouts``).

    Keys: ``memory/<part>`` [bytes], ``fits``, ``step/<part>`` and ``step_time_s`` [s],
    ``tokens_per_second`` [tokens/s], ``model_flop_per_step`` [FLOP], ``hardware_flop_per_step``
    [FLOP], ``achieved_flop_per_s_per_gpu`` (hardware FLOP, as Narayanan et al. 2021 count it)
    [FLOP/s], ``mfu`` (model FLOP over peak) [fraction].
    """
    n = len(layouts["tp"])
    parts = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for lo in range(0, max(n, 1), CHUNK):
            sl = {k: v[lo:lo + CHUNK] for k, v in layouts.items()}
            parts.append(_evaluate_chunk(arch, sl, seq_len=seq_len, peak=peak_flop_per_s, hbm=hbm_bytes_per_s,
                                         e_mm=e_mm, capacity=memory_capacity_bytes, ic=interconnect,
                                         flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8))
            if progress is not None:
                progress(min(lo + CHUNK, n), n)
        out = {k: np.concatenate([p[k] for p in parts]) if n else np.zeros(0) for k in parts[0]}
        flop_tok, score_share = model_flop_per_token(arch, seq_len)
        tokens = layouts["global_batch"] * float(seq_len)
        gpus = layouts["tp"] * layouts["cp"] * layouts["pp"] * layouts["dp"]
        rc = np.asarray(layouts["recompute"])
        sel = 1.0 if flash_attention else 1.0 + score_share / 3.0  # flash: selective recomputes element-wise work
        factor = np.where(rc == 2, 4.0 / 3.0, np.where(rc == 1, sel, 1.0))
        step = out["step_time_s"]
        out["tokens_per_second"] = tokens / step
        out["model_flop_per_step"] = flop_tok * tokens
        out["hardware_flop_per_step"] = out["model_flop_per_step"] * factor
        out["achieved_flop_per_s_per_gpu"] = out["hardware_flop_per_step"] / (gpus * step)
        out["mfu"] = out["model_flop_per_step"] / (gpus * peak_flop_per_s * step)
    out["fits"] = out["fits"] & np.isfinite(step)
    return out


def rank_layouts(results: dict) -> np.ndarray:
    """Indices of the layouts that fit and have a finite step time, fastest first (less memory on ties)."""
    ok = np.flatnonzero(results["fits"])
    order = np.lexsort((results["memory/total"][ok], results["step_time_s"][ok]))
    return ok[order]
