"""Evaluate many layouts at once (memory, fit, step time, throughput, MFU) and rank them.

:func:`evaluate_layouts` takes the arrays of :func:`~costcurve.training.planner.layout.enumerate_layouts`
(or one layout as arrays of length 1) and returns arrays of every figure a plan reports;
:func:`rank_layouts` keeps what fits and sorts by step time (less memory breaks ties).
Large searches run in chunks so memory stays bounded; ``progress(done, total)`` is called after
each chunk.

Memory comes first: it depends on the architecture and the layout only (not on the accelerator),
so :func:`layout_memory` can be computed once and shared by every accelerator with the same
layouts, and a search (``skip_misfits``) times only the layouts that fit in the accelerator's
memory: a layout that does not fit is never ranked, whatever its step time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from costcurve.architecture import Architecture
from costcurve.flop import forward_flop_per_token_breakdown
from costcurve.interconnect import Interconnect
from costcurve.training.planner.rank_memory import MEMORY_KEYS, memory_breakdown
from costcurve.training.planner.runs import on_runs
from costcurve.training.planner.step_time import LINK_GROUPS, STEP_KEYS, group_links, step_time_breakdown

CHUNK = 100_000
STEP_FIGURES = tuple(f"step/{k}" for k in STEP_KEYS) + ("step_time_s",)


def model_flop_per_token(arch: Architecture, seq_len) -> tuple[float, float]:
    """(training model FLOP per token, attention-score share of the forward). [FLOP], [1]"""
    b = forward_flop_per_token_breakdown(arch, seq_len)
    fwd = sum(b.values())
    return 3.0 * fwd, b["attention/scores"] / fwd


def _memory_chunk(arch, lay, *, seq_len, flash_attention, grad_bytes):
    m = lay["global_batch"] / (lay["dp"] * lay["microbatch"])
    mem = memory_breakdown(arch, seq_len=seq_len, microbatch=lay["microbatch"], tp=lay["tp"], pp=lay["pp"],
                           vpp=lay["vpp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"], zero=lay["zero"],
                           recompute=lay["recompute"], sequence_parallel=lay["sequence_parallel"],
                           num_microbatches=m, flash_attention=flash_attention, grad_bytes=grad_bytes,
                           dp_shard=lay.get("dp_shard"))
    return {f"memory/{k}": np.broadcast_to(mem[k], m.shape).astype(float) for k in MEMORY_KEYS}


def layout_memory(arch: Architecture, layouts: dict, *, seq_len: int, flash_attention: bool = True,
                  grad_bytes: float = 4.0) -> dict:
    """``memory/<part>`` per accelerator of every layout (:func:`~.memory.memory_breakdown`). [bytes]

    Independent of the accelerator: one computation serves every accelerator with these layouts.
    """
    n = len(layouts["tp"])
    if n == 0:
        return {f"memory/{k}": np.zeros(0) for k in MEMORY_KEYS}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        parts = [_memory_chunk(arch, {k: v[lo:lo + CHUNK] for k, v in layouts.items()}, seq_len=seq_len,
                               flash_attention=flash_attention, grad_bytes=grad_bytes) for lo in range(0, n, CHUNK)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _links(ic, lay) -> dict:
    """:func:`group_links` of the layouts, computed once per run of equal degrees."""
    cols = (lay["tp"], lay["cp"], lay["ep"], lay["dp"], lay["pp"], lay.get("dp_shard"))

    def flat(tp, cp, ep, dp, pp, shard):
        got = group_links(ic, tp=tp, cp=cp, ep=ep, dp=dp, pp=pp, dp_shard=shard)
        return tuple(x for name in LINK_GROUPS for x in got[name])

    got = on_runs(flat, cols, *cols)
    return {name: (got[2 * i], got[2 * i + 1]) for i, name in enumerate(LINK_GROUPS)}


def _step_chunk(arch, lay, *, seq_len, peak, hbm, e_mm, ic, flash_attention, grad_bytes, fp8):
    links = _links(ic, lay)
    st = step_time_breakdown(arch, seq_len=seq_len, global_batch=lay["global_batch"], microbatch=lay["microbatch"],
                             tp=lay["tp"], pp=lay["pp"], vpp=lay["vpp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"],
                             zero=lay["zero"], recompute=lay["recompute"],
                             sequence_parallel=lay["sequence_parallel"], peak_flop_per_s=peak, hbm_bytes_per_s=hbm,
                             e_mm=e_mm, links=links, flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8,
                             dp_shard=lay.get("dp_shard"), overlap=lay.get("overlap", True))
    out = {f"step/{k}": st[k] for k in STEP_KEYS}
    out["step_time_s"] = st["step_time"]
    return out


def evaluate_layouts(arch: Architecture, layouts: dict, *, seq_len: int, peak_flop_per_s: float,
                     hbm_bytes_per_s: float, e_mm: float, memory_capacity_bytes: float, interconnect: Interconnect,
                     flash_attention: bool = True, grad_bytes: float = 4.0, fp8: bool = False,
                     progress=None, memory=None, skip_misfits: bool = False) -> dict:
    """Figures of every layout (arrays aligned with ``layouts``).

    Keys: ``memory/<part>`` [bytes], ``fits``, ``step/<part>`` and ``step_time_s`` [s],
    ``tokens_per_second`` [tokens/s], ``model_flop_per_step`` [FLOP], ``hardware_flop_per_step``
    [FLOP], ``achieved_flop_per_s_per_gpu`` (hardware FLOP, as Narayanan et al. 2021 count it)
    [FLOP/s], ``mfu`` (model FLOP over peak) [fraction]. ``memory``: the :func:`layout_memory` of
    these layouts, if already computed. ``skip_misfits``: time only the layouts that fit in
    ``memory_capacity_bytes`` (the others get NaN step figures; ``fits`` and the ranking are the same).
    """
    n = len(layouts["tp"])
    mem = memory if memory is not None else layout_memory(arch, layouts, seq_len=seq_len,
                                                          flash_attention=flash_attention, grad_bytes=grad_bytes)
    out = dict(mem)
    fits_memory = mem["memory/total"] <= memory_capacity_bytes
    idx = np.flatnonzero(fits_memory) if skip_misfits else None
    sub = layouts if idx is None else {k: v[idx] for k, v in layouts.items()}
    k_eval = len(sub["tp"])
    parts = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for lo in range(0, max(k_eval, 1), CHUNK):
            if k_eval:
                parts.append(_step_chunk(arch, {k: v[lo:lo + CHUNK] for k, v in sub.items()}, seq_len=seq_len,
                                         peak=peak_flop_per_s, hbm=hbm_bytes_per_s, e_mm=e_mm, ic=interconnect,
                                         flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8))
            if progress is not None:
                progress(min(lo + CHUNK, k_eval), k_eval)
        for key in STEP_FIGURES:
            got = np.concatenate([p[key] for p in parts]) if parts else np.zeros(0)
            if idx is None:
                out[key] = got
            else:
                out[key] = np.full(n, np.nan)
                out[key][idx] = got
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
    out["fits"] = fits_memory & np.isfinite(step)
    return out


#: the degrees that set a layout's compute and bubble, and its groups' links
BOUND_KEYS = ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "global_batch", "sequence_parallel", "dp_shard")


def _bound_and_known(arch, lay, *, seq_len, peak, hbm, e_mm, ic, flash_attention, grad_bytes, fp8):
    """(lower bound of the step time [s], whether every group's link is known) of each layout.

    The bound is that of its degrees without recomputation (:func:`step_time_breakdown`'s
    ``lower_bound``): computed once per run of equal degrees, valid for every row of the run.
    """
    def bound(*cols):
        d = dict(zip(BOUND_KEYS, cols))
        return step_time_breakdown(arch, seq_len=seq_len, global_batch=d["global_batch"], microbatch=d["microbatch"],
                                   tp=d["tp"], pp=d["pp"], vpp=d["vpp"], cp=d["cp"], ep=d["ep"], dp=d["dp"], zero=0,
                                   recompute="none", sequence_parallel=d["sequence_parallel"], peak_flop_per_s=peak,
                                   hbm_bytes_per_s=hbm, e_mm=e_mm, flash_attention=flash_attention,
                                   links=group_links(ic, tp=d["tp"], cp=d["cp"], ep=d["ep"], dp=d["dp"], pp=d["pp"],
                                                     dp_shard=d["dp_shard"]),
                                   grad_bytes=grad_bytes, fp8=fp8, dp_shard=d["dp_shard"], lower_bound=True)

    cols = tuple(lay[k] for k in BOUND_KEYS)
    lb = on_runs(bound, cols, *cols)
    known = links_known(ic, lay)
    return np.broadcast_to(lb, known.shape), known


def links_known(ic, lay) -> np.ndarray:
    """Whether every parallel group of each layout has a known link (a published bandwidth and latency)."""
    if all(v is not None and math.isfinite(v) for v in (ic.scale_out_bytes_per_s, ic.scale_out_latency_s,
                                                         ic.scale_up_latency_s)):
        return np.ones(len(lay["tp"]), dtype=bool)  # every link falls back on the scale-out network
    links = _links(ic, lay)
    return np.logical_and.reduce([~np.isnan(bw) & ~np.isnan(lat) for bw, lat in links.values()])  # single: inf


#: layouts timed first by :func:`search_fitting`; four times more each round until the answer is certain
FIRST_ROUND = 2048


def search_fitting(arch: Architecture, layouts: dict, *, memory: dict, enough, seq_len: int, peak_flop_per_s: float,
                   hbm_bytes_per_s: float, e_mm: float, memory_capacity_bytes: float, interconnect: Interconnect,
                   flash_attention: bool = True, grad_bytes: float = 4.0, fp8: bool = False,
                   progress=None) -> tuple[dict, np.ndarray]:
    """(figures, ranked prefix) of a search, timing only the layouts that can rank first.

    The layouts that fit in memory are timed in the order of a lower bound of their step time
    (compute without recomputation or the Adam update, + bubble: the rest is >= 0), in rounds, until ``enough(prefix)``
    holds for the prefix of the ranking that is certain (the layouts timed faster than every
    untimed layout's bound, ordered as :func:`rank_layouts` orders them) or every layout is timed.
    The prefix is then exactly the start of :func:`rank_layouts`'s order over all layouts. ``fits``
    is exact for every layout: a fitting layout has a finite step time exactly when its bound is
    finite and every link of its groups is known (a NaN link makes every term it enters NaN;
    tests/test_collectives_planner.py); step figures are NaN for the layouts not timed.
    """
    n = len(layouts["tp"])
    kw = dict(seq_len=seq_len, peak=peak_flop_per_s, hbm=hbm_bytes_per_s, e_mm=e_mm, ic=interconnect,
              flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8)
    fit_idx = np.flatnonzero(memory["memory/total"] <= memory_capacity_bytes)
    lb, known = np.zeros(0), np.zeros(0, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        parts = [_bound_and_known(arch, {k: layouts[k][fit_idx[lo:lo + CHUNK]] for k in BOUND_KEYS}, **kw)
                 for lo in range(0, len(fit_idx), CHUNK)]
    if parts:
        lb, known = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    ok = np.isfinite(lb) & known
    cand, bound = fit_idx[ok], lb[ok]
    fits = np.zeros(n, dtype=bool)
    fits[cand] = True
    size = FIRST_ROUND
    while True:
        complete = size >= len(cand)
        if complete:
            timed, threshold = cand, np.inf
        else:
            part = np.argpartition(bound, size)
            timed, threshold = np.sort(cand[part[:size]]), bound[part[size]]
        sub = {k: v[timed] for k, v in layouts.items()}
        r = evaluate_layouts(arch, sub, memory={k: v[timed] for k, v in memory.items()}, seq_len=seq_len,
                             peak_flop_per_s=peak_flop_per_s, hbm_bytes_per_s=hbm_bytes_per_s, e_mm=e_mm,
                             memory_capacity_bytes=memory_capacity_bytes, interconnect=interconnect,
                             flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=fp8)
        order = rank_layouts(r)
        order = order[r["step_time_s"][order] < threshold]  # certain: every untimed layout is slower
        prefix = timed[order]
        if progress is not None:
            progress(min(size, len(cand)), len(cand))
        if complete or enough(prefix):
            break
        size *= 4
    return _Spread(n, timed, r, memory, fits), prefix


class _Spread(Mapping):
    """The figures of every layout, from those of the ``timed`` ones (NaN elsewhere), spread on first read."""

    def __init__(self, n, timed, figures, memory, fits):
        self._n, self._timed, self._figures = n, timed, figures
        self._full = {**memory, "fits": fits}

    def __getitem__(self, key):
        if key not in self._full:
            full = np.full(self._n, np.nan)
            full[self._timed] = self._figures[key]
            self._full[key] = full
        return self._full[key]

    def __iter__(self):
        return iter(self._figures)

    def __len__(self):
        return len(self._figures)


def rank_layouts(results: dict) -> np.ndarray:
    """Indices of the layouts that fit and have a finite step time, fastest first (less memory on ties)."""
    ok = np.flatnonzero(results["fits"])
    order = np.lexsort((results["memory/total"][ok], results["step_time_s"][ok]))
    return ok[order]
