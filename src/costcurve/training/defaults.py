"""The planner's efficiency and goodput as ``train``'s defaults, so ``train`` and ``plan`` agree.

When ``estimate_training`` is given an architecture (or one parameter count, for which
:mod:`costcurve.training.shape_rule` synthesizes one) and a single accelerator count and no MFU,
its default MFU is that of the planner's best layout for the run
(:func:`costcurve.training.efficiency.planned_mfu`: memory, parallelism, communication), and its default goodput
is the planner's failure model (:func:`costcurve.training.planner.goodput.default_goodput`) for that count, model size and
failure-free run length. Elsewhere (arrays of counts or sizes, a count solved from ``days``,
``fp32``/``tf32``, a run no layout can place) ``train``
keeps the fitted regression of :mod:`costcurve.training.efficiency`, whose residuals against the planner on the
published runs docs/planner.md shows; the estimate's ``mfu_source`` says which was used.

A planner MFU costs one layout search (about 0.1–0.2 s on 2 cores, cached on its arguments);
``benchmarks/bench_core.py`` measures it. :func:`planner_defaults` is the step of ``estimate_training``
that applies these defaults (one run, or a sweep with the planner per distinct count/size pair).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from costcurve.architecture import count_params
from costcurve.errors import CostcurveError
from costcurve.inputs import largest, scalar_ndim
from costcurve.training.efficiency import _planned_mfu
from costcurve.training.planner.goodput import default_goodput
from costcurve.training.shape_rule import synthesize_architecture

#: dtypes the planner models (its peak FLOP/s and kernel-efficiency terms)
PLANNER_DTYPES = ("bf16", "fp16", "fp8")


class PlannerDefault(NamedTuple):
    mfu: float  #: model FLOP utilisation of the planner's best layout [fraction]
    why_not: str | None  #: None when the planner was used, else why the regression was


@functools.cache
def _max_accelerators() -> int:
    """The planner's largest cluster (a constant of costcurve.training.planner.plan, imported on first use)."""
    from costcurve.training.planner.plan import MAX_ACCELERATORS

    return MAX_ACCELERATORS


def planner_mfu(*, arch, acc, gpus, dtype, seq_len, recompute, catalog, scale_out=None) -> PlannerDefault:
    """The planner's MFU for ``train`` when it applies, else the reason it does not. [fraction]

    ``recompute`` other than ``"none"`` pins the planner's recomputation; ``"none"`` (train's
    default) leaves the search free to recompute when memory needs it; ``scale_out`` replaces the
    scale-out network (:func:`costcurve.interconnect.with_scale_out`). ``arch`` may be the shape
    rule's (:mod:`costcurve.training.shape_rule`) for a model known by its parameter count.
    """
    if arch is None:
        return PlannerDefault(float("nan"), "no architecture (a sweep over sizes, or a size beyond the shape rule)")
    if not (type(gpus) is float or type(gpus) is int) and np.ndim(gpus) or seq_len is not None and np.ndim(seq_len):
        return PlannerDefault(float("nan"), "a sweep over accelerator counts or sequence lengths")
    if not 1 <= gpus <= _max_accelerators():
        return PlannerDefault(float("nan"), f"{gpus:g} accelerators, beyond the planner's {_max_accelerators():,}")
    if dtype not in PLANNER_DTYPES:
        return PlannerDefault(float("nan"), f"dtype {dtype} (the planner models bf16, fp16, fp8)")
    layout = () if recompute == "none" else (("recompute", recompute),)
    try:  # planned_mfu's search, cached by value, for an architecture and accelerator already resolved
        mfu = _planned_mfu(arch, catalog.accelerator(acc), int(gpus), dtype, None if seq_len is None else int(seq_len),
                           scale_out, layout)
    except CostcurveError as e:  # no layout fits or is legal on this count: the regression answers
        return PlannerDefault(float("nan"), f"no planner layout ({str(e).split(';')[0]})")
    return PlannerDefault(float(mfu), None)


@functools.lru_cache(maxsize=512)
def shape_flop_per_token(arch, seq_len) -> tuple[float, float]:
    """(active parameters, the planner's training model FLOP per token) of ``arch`` at ``seq_len``: what
    restating a planner MFU against 6·N·D takes. [count], [FLOP]; cached on the Architecture's values."""
    from costcurve.training.planner.search import model_flop_per_token

    return count_params(arch, active=True), model_flop_per_token(arch, seq_len)[0]


def planner_goodput(gpus, params, failure_free_run_s):
    """The planner's default goodput for ``train``: failures, restarts, checkpoints. [fraction]"""
    return default_goodput(gpus, params, failure_free_run_s)


# ---- estimate_training's default MFU and goodput --------------------------------------------------
def _shape(cat, arch, p_total, p_active):
    """The shape rule's architecture for one parameter count (None for an architecture or a sweep)."""
    if arch is not None or p_total is None or scalar_ndim(p_total) or scalar_ndim(p_active):
        return None
    try:
        return synthesize_architecture(p_total, p_active, catalog=cat)
    except CostcurveError:  # outside the rule's range: the regression answers
        return None


#: shape-rule facts (architecture, FLOP per token, note) kept per catalog; the oldest dropped beyond this
SHAPE_FACTS_CACHE_SIZE = 256


class _ShapeFacts(NamedTuple):
    arch: object  #: the shape rule's Architecture
    active: float  #: its active parameters [count]
    model_flop_per_token: float  #: the planner's training model FLOP per token at the run's sequence length [FLOP]
    note_middle: str  #: the note's words between the planner's MFU and the regression's


def _shape_facts(cat, p_total, p_active, seq_len) -> _ShapeFacts | None:
    """The shape rule's architecture for one parameter count and what restating its planner MFU against
    6·N·D takes (None outside the rule's range or for a sweep): made once per value, per catalog
    (whose architectures table, the rule's data, does not change after loading)."""
    if type(p_total) is not float or type(p_active) is not float or not (seq_len is None or type(seq_len) is float):
        return _make_shape_facts(cat, p_total, p_active, seq_len)  # a sweep, or numbers not plain: not cached
    return cat.derived_many("shape facts", (p_total, p_active, seq_len), _make_shape_facts, cat, p_total, p_active,
                            seq_len, maxsize=SHAPE_FACTS_CACHE_SIZE)


def _make_shape_facts(cat, p_total, p_active, seq_len) -> _ShapeFacts | None:
    arch = _shape(cat, None, p_total, p_active)
    if arch is None:
        return None
    if scalar_ndim(seq_len):  # a sweep over sequence lengths, which the planner refuses: no FLOP per token
        active, model_flop = count_params(arch, active=True), math.nan
    else:
        active, model_flop = shape_flop_per_token(arch, seq_len or arch.pretrain_seq_len)
    middle = (f" from the planner's best layout for a standard architecture synthesized from the parameter count "
              f"({arch.n_layers} layers, width {arch.d_model}, {arch.n_heads} heads, {arch.kv_heads} KV heads"
              + (f", {arch.n_experts} experts top-{arch.n_experts_active}" if arch.is_moe else "")
              + "; costcurve.training.shape_rule), against 6·N·D; the regression gives ")
    return _ShapeFacts(arch, active, model_flop, middle)


def _planner_default(cat, acc, dtype, w, gpus, recompute, regression_mfu, notes, scale_out=None):
    """(MFU, source): the planner's best layout when it applies, else the regression's value.

    A model known by its parameter count goes through the planner with the shape rule's
    architecture; its MFU is then restated against 6·N·D of that shape (the planner's model FLOP
    count includes attention), the run's own FLOP count being 6·N·D or given.
    """
    facts = None
    if w.arch is not None:
        arch = w.arch
    elif scalar_ndim(w.training_flop):
        arch = None  # a sweep over FLOP or tokens with one size: the regression answers
    else:
        facts = _shape_facts(cat, w.params_total, w.params_active, w.seq_len)
        arch = None if facts is None else facts.arch
    got = planner_mfu(arch=arch, acc=acc, gpus=gpus, dtype=dtype, seq_len=w.seq_len, recompute=recompute,
                      catalog=cat, scale_out=scale_out)
    if got.why_not is None and w.arch is None:
        # the planner's efficiency for the shape, restated against 6·N·D of that shape: continuous in N
        mfu = got.mfu * 6.0 * facts.active / facts.model_flop_per_token
        notes.append(f"MFU {largest(mfu):.3f}{facts.note_middle}{largest(regression_mfu):.3f}")
        return mfu, "planner"
    if got.why_not is None:
        notes.append(f"MFU {got.mfu:.3f} from the planner's best layout (costcurve plan); the regression gives "
                     f"{largest(regression_mfu):.3f}")
        return got.mfu, "planner"
    if arch is not None:
        notes.append(f"MFU from the fitted regression (fallback), not the planner: {got.why_not}")
    return regression_mfu, "default model"


def planner_defaults(cat, acc, dtype, w, gpus, days, recompute, mfu_v, goodput, peak, notes, scale_out):
    """(MFU, its source, goodput) of ``estimate_training`` without a given MFU: the planner's where it places
    the run (it sets both), else the regression's ``mfu_v`` (already evaluated at ``gpus``) and goodput 1.
    ``w`` is the estimate's workload (counts, FLOP, the architecture or the shape rule's)."""
    mfu_source, planned = "default model", False  # where the planner set the MFU (a mask for a sweep)
    if days is None and (scalar_ndim(gpus) or scalar_ndim(w.params_active)):
        mfu_v, planned = _planner_sweep(cat, acc, dtype, w, gpus, recompute, mfu_v, notes, scale_out)
        mfu_source = "planner" if np.all(planned) else ("planner+default model" if np.any(planned) else mfu_source)
    elif days is None:
        mfu_v, mfu_source = _planner_default(cat, acc, dtype, w, gpus, recompute, mfu_v, notes, scale_out)
        planned = mfu_source == "planner"
    elif w.arch is not None:
        notes.append("MFU from the fitted regression, not the planner: the count is solved from days")
    if goodput is None:
        goodput = 1.0
        if planned is True or planned is not False and np.any(planned):
            goodput = planner_goodput(gpus, w.params_total, w.training_flop / (gpus * peak * mfu_v))
            if planned is not True:  # a sweep: the planner's goodput where it set the MFU
                goodput = np.where(planned, goodput, 1.0)
                goodput = float(goodput) if np.ndim(goodput) == 0 else goodput
            notes.append(f"goodput {largest(goodput):.3f} from the planner's failure model (Llama 3 "
                         "interruption rate)")
    return mfu_v, mfu_source, goodput


#: a sweep with at most this many distinct (count, size) pairs goes through the planner, one search each
PLANNER_SWEEP_MAX = 64


def _planner_sweep(cat, acc, dtype, w, gpus, recompute, regression_mfu, notes, scale_out):
    """(MFU array, mask where the planner set it) of a sweep over counts or sizes: the planner per distinct pair.

    Each pair gets the scalar default (:func:`_planner_default`: the architecture, or the shape rule's for
    a size), so a sweep equals its scalar runs; larger sweeps, given FLOP arrays and sequence-length sweeps
    keep the regression (``mfu_source`` says which).
    """
    arrays = [np.asarray(x, dtype=float) for x in (gpus, w.params_total, w.params_active)]
    shape = np.broadcast(*arrays, np.asarray(regression_mfu)).shape
    g, pt, pa = (np.broadcast_to(x, shape) for x in arrays)
    pairs = _distinct_pairs(g, pt, pa, PLANNER_SWEEP_MAX)
    planned = np.zeros(shape, dtype=bool)
    if pairs is None or np.ndim(w.seq_len) or (w.method == "given" and np.ndim(w.training_flop)):
        many = "more than " + str(PLANNER_SWEEP_MAX) if pairs is None else str(len(pairs))
        notes.append(f"MFU from the fitted regression (fallback) for this sweep: {many} distinct count/size "
                     f"pairs (the planner takes up to {PLANNER_SWEEP_MAX}) or a sweep over FLOP or sequence length")
        return regression_mfu, planned
    mfu = np.broadcast_to(np.asarray(regression_mfu, dtype=float), shape).copy()
    for gi, pti, pai in pairs:
        at = (g == gi) & (pt == pti) & (pa == pai)
        wi = w._replace(params_total=pti, params_active=pai,
                        training_flop=6.0 * pai if w.method == "6ND" else w.training_flop)
        got, source = _planner_default(cat, acc, dtype, wi, gi, recompute, mfu[at][0], [], scale_out)
        if source == "planner":
            mfu[at], planned[at] = got, True
    notes.append(f"MFU from the planner for {int(planned.sum())} of {planned.size} configurations "
                 f"({len(pairs)} distinct count/size pairs), the fitted regression for the rest")
    return mfu, planned


def _distinct_pairs(g, pt, pa, limit: int, chunk: int = 65_536):
    """The distinct (count, total, active) triples of three broadcast arrays, or None past ``limit``.

    Read in chunks so that a large sweep of distinct values stops after its first chunk (a set of a
    million tuples cost more than the sweep itself).
    """
    seen: set = set()
    for start in range(0, g.size, chunk):
        block = np.stack([x.flat[start:start + chunk] for x in (g, pt, pa)], axis=1)
        seen.update(map(tuple, np.unique(block, axis=0).tolist()))
        if len(seen) > limit:
            return None
    return seen
