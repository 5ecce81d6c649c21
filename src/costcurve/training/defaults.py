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
``benchmarks/bench_core.py`` measures it.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from costcurve.architecture import count_params
from costcurve.errors import CostcurveError
from costcurve.training.efficiency import _planned_mfu
from costcurve.training.planner.goodput import default_goodput

#: dtypes the planner models (its peak FLOP/s and kernel-efficiency terms)
PLANNER_DTYPES = ("bf16", "fp16", "fp8")


class PlannerDefault(NamedTuple):
    mfu: float  #: model FLOP utilisation of the planner's best layout [fraction]
    why_not: str | None  #: None when the planner was used, else why the regression was


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
    from costcurve.training.planner.plan import MAX_ACCELERATORS

    if not 1 <= gpus <= MAX_ACCELERATORS:
        return PlannerDefault(float("nan"), f"{gpus:g} accelerators, beyond the planner's {MAX_ACCELERATORS:,}")
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
