"""Default model FLOP utilisation (MFU) when the user gives none.

MFU is the fraction of the accelerators' dense peak FLOP/s that a training run spends on model
FLOP (Chowdhery et al. 2022, Appendix B). The default is a regression fitted on the published
runs in ``data/mfu_runs_2026-11.csv`` (GPT-3, Megatron, Gopher, PaLM, OPT, BLOOM, Llama, MegaScale, ...):

    logit(MFU) = b0 + b_era + b1·log10(accelerators) + b2·log10(parameters) + b3·[fp8]

where ``era`` groups accelerator generations (pre-Ampere; Ampere/TPU v4; Hopper and later) and
``[fp8]`` is 1 for fp8 training (MFU measured against the fp8 peak). Ordinary least squares on the
logit keeps predictions inside (0, 1). :func:`fit_mfu_model` returns the coefficients, the
residual scatter (used for the uncertainty of the default) and the leave-one-out error; docs and
``costcurve catalog mfu`` print them.

The fp8 term of the default is not the regression's (its only fp8 run is one mixture-of-experts
run): :func:`default_mfu_model` sets it to the training planner's fp8-versus-bf16 change of
logit(MFU) for dense GPT-3 175B on 512 H100s, the configuration of NVIDIA's published dense fp8
runs (NeMo performance summary; MLPerf Training GPT-3), against which tests check the planner.

:func:`planned_mfu` is the planner's MFU for a run whose architecture is known: the best layout
of :func:`costcurve.training.planner.plan_training` (memory, parallelism, communication, failures aside),
so ``train`` and ``plan`` agree when ``train`` uses it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

ERAS = ("pre-ampere", "ampere", "hopper+")
_ERA_OF = {
    "kepler": 0, "maxwell": 0, "pascal": 0, "volta": 0, "turing": 0, "tpu-v2": 0, "tpu-v3": 0, "cdna1": 0,
    "ampere": 1, "ada": 1, "tpu-v4": 1, "cdna2": 1, "gaudi2": 1, "trainium1": 1, "tpu-v5e": 1, "inferentia2": 1,
    "hopper": 2, "blackwell": 2, "tpu-v5p": 2, "tpu-v6e": 2, "tpu-v6": 2, "cdna3": 2, "gaudi3": 2, "trainium2": 2,
}
MFU_MIN, MFU_MAX = 0.05, 0.75


def era_of(generation: str, release_year: int | None = None) -> int:
    """Era index of an accelerator generation (0 pre-Ampere, 1 Ampere-class, 2 Hopper and later)."""
    if generation in _ERA_OF:
        return _ERA_OF[generation]
    if release_year is None:
        return 1
    return 0 if release_year < 2020 else (1 if release_year < 2023 else 2)


@dataclass(frozen=True)
class MFUModel:
    """Fitted coefficients of the default MFU regression and how well it fits."""

    intercept: float
    era_effect: tuple[float, float, float]
    slope_log10_accelerators: float
    slope_log10_params: float
    fp8_effect: float
    n_runs: int
    residual_sd_logit: float  #: scatter of published runs around the fit [logit units]
    rmse_log: float  #: root-mean-square of ln(published / fitted)
    loo_median_abs_rel_error: float  #: leave-one-out median |fitted/published - 1|

    def predict(self, era, n_accelerators, params, fp8=False):
        """Default MFU (fraction) for arrays or scalars; clipped to [0.05, 0.75]."""
        if isinstance(n_accelerators, (int, float)) and isinstance(params, (int, float)) and isinstance(fp8, bool):
            if not (params > 0 and n_accelerators > 0):  # e.g. params derived as FLOP/(6·tokens) underflowing to 0
                from costcurve.errors import InputError

                raise InputError(f"gives {params:g} parameters on {n_accelerators:g} accelerators; give a realistic "
                                 "value", field="tokens" if params <= 0 else "gpus")
            z = (self.intercept + self.era_effect[era] + self.slope_log10_accelerators * math.log10(n_accelerators)
                 + self.slope_log10_params * math.log10(params) + self.fp8_effect * fp8)
            return min(max(1.0 / (1.0 + math.exp(-z)), MFU_MIN), MFU_MAX)
        z = (self.intercept + np.take(self.era_effect, era) + self.slope_log10_accelerators * np.log10(n_accelerators)
             + self.slope_log10_params * np.log10(params) + self.fp8_effect * np.asarray(fp8, dtype=float))
        m = 1.0 / (1.0 + np.exp(-z))
        m = np.clip(m, MFU_MIN, MFU_MAX)
        return float(m) if np.ndim(m) == 0 else m

    def to_dict(self) -> dict:
        return {
            "formula": "logit(MFU) = b0 + b_era + b1*log10(accelerators) + b2*log10(params) + b3*[fp8]",
            "intercept": self.intercept, "era_effect": dict(zip(ERAS, self.era_effect)),
            "slope_log10_accelerators": self.slope_log10_accelerators, "slope_log10_params": self.slope_log10_params,
            "fp8_effect": self.fp8_effect, "n_runs": self.n_runs, "residual_sd_logit": self.residual_sd_logit,
            "rmse_log": self.rmse_log, "loo_median_abs_rel_error": self.loo_median_abs_rel_error,
        }


def _design(eras, n, params, fp8):
    eras = np.asarray(eras)
    cols = [np.ones(len(eras))]
    cols += [(eras == e).astype(float) for e in (1, 2)]  # era 0 is the baseline
    cols += [np.log10(n), np.log10(params), np.asarray(fp8, dtype=float)]
    return np.column_stack(cols)


def _lstsq(X, y, ridge=1e-3):
    # a light ridge keeps categories with one or two runs from taking extreme values
    A = X.T @ X + ridge * np.diag([0.0] + [1.0] * (X.shape[1] - 1))
    return np.linalg.solve(A, X.T @ y)


def fit_mfu_model(runs, accelerator) -> MFUModel:
    """Fit the default MFU regression on published runs (list of dicts from the mfu_runs table).

    ``accelerator(name)`` returns the catalog Accelerator of a run's accelerator name or alias.

    Runs without a published accelerator count are skipped.
    """
    eras, n, params, fp8, mfu = [], [], [], [], []
    for r in runs:
        if not r.get("n_accelerators"):
            continue  # a run without a published accelerator count cannot inform the cluster-size slope
        acc = accelerator(r["accelerator"])
        eras.append(era_of(acc.generation, acc.release_date.year))
        n.append(r["n_accelerators"])
        params.append(r["params"])
        fp8.append(r["dtype"] == "fp8")
        mfu.append(r["mfu"])
    return _fit_values(tuple(zip(eras, n, params, fp8, mfu)))


@functools.lru_cache(maxsize=8)
def _fit_values(rows: tuple) -> MFUModel:
    """The fit on ``(era, accelerators, params, fp8, mfu)`` rows: cached on the values themselves."""
    eras, n, params, fp8, mfu = (list(c) for c in zip(*rows))
    mfu = np.asarray(mfu)
    y = np.log(mfu / (1 - mfu))
    X = _design(eras, n, params, fp8)
    present = X.any(axis=0)
    present[0] = True
    beta = np.zeros(X.shape[1])
    beta[present] = _lstsq(X[:, present], y)
    resid = y - X @ beta
    dof = max(len(y) - int(present.sum()), 1)
    fitted = 1 / (1 + np.exp(-(X @ beta)))
    loo = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        b = np.zeros(X.shape[1])
        b[present] = _lstsq(X[keep][:, present], y[keep])
        loo.append(abs((1 / (1 + math.exp(-(X[i] @ b)))) / mfu[i] - 1))
    return MFUModel(
        intercept=float(beta[0]), era_effect=(0.0, float(beta[1]), float(beta[2])),
        slope_log10_accelerators=float(beta[3]), slope_log10_params=float(beta[4]), fp8_effect=float(beta[5]),
        n_runs=len(y), residual_sd_logit=float(math.sqrt(float(resid @ resid) / dof)),
        rmse_log=float(np.sqrt(np.mean(np.log(mfu / fitted) ** 2))),
        loo_median_abs_rel_error=float(np.median(loo)),
    )


#: Dense fp8 reference for the fp8 term: GPT-3 175B on 512 H100 (NVIDIA NeMo performance summary,
#: 24.12: tp 4, pp 8, vp 6, micro-batch 2, global batch 2048, sequence 2048, fp8).
FP8_REFERENCE = dict(model="gpt3-175b", gpu="h100-sxm5", gpus=512, tp=4, pp=8, vpp=6, cp=1, microbatch=2,
                     global_batch=2048, seq_len=2048)


def planner_fp8_effect(catalog) -> float:
    """logit(MFU fp8) − logit(MFU bf16) of the planner on :data:`FP8_REFERENCE`. [logit]

    Two layout evaluations, cached by value (the reference architecture and accelerator rows).
    """
    mfu = {}
    for dtype in ("bf16", "fp8"):
        mfu[dtype] = planned_mfu(dtype=dtype, catalog=catalog, **FP8_REFERENCE)
    return math.log(mfu["fp8"] / (1 - mfu["fp8"])) - math.log(mfu["bf16"] / (1 - mfu["bf16"]))


def default_mfu_model(catalog, fp8: bool = False) -> MFUModel:
    """The fitted default MFU model of ``catalog``; with ``fp8`` its fp8 term is the planner's.

    Without ``fp8`` the term is the regression's own coefficient, which predictions for bf16,
    fp16, fp32 and tf32 never use: the planner's fp8 evaluations run only for fp8 runs (and
    ``costcurve catalog mfu``). The fit is cached on the runs' values.
    """

    fp8 = bool(fp8)
    return catalog.derived(("default_mfu_model", fp8), _make_default_mfu_model, catalog, fp8)


def _make_default_mfu_model(catalog, fp8: bool) -> MFUModel:
    fitted = fit_mfu_model(catalog.mfu_runs, catalog.accelerator)
    return dataclasses.replace(fitted, fp8_effect=planner_fp8_effect(catalog)) if fp8 else fitted


#: planner MFUs kept (each one layout search); least recently used dropped beyond this
PLANNED_CACHE_SIZE = 256


def planned_mfu(*, model, gpu, gpus, dtype="bf16", tokens=1e12, seq_len=None, catalog=None, scale_out=None,
                **layout) -> float:
    """MFU of the training planner's best layout for ``model`` on ``gpus`` × ``gpu``. [fraction]

    ``model`` is a preset name or an Architecture; ``layout`` may pin any layout option of
    :func:`costcurve.training.planner.plan_training` (tp, pp, vpp, cp, ep, dp, microbatch, global_batch,
    zero, recompute, dp_shard, overlap); ``scale_out`` replaces the scale-out network
    (:func:`costcurve.interconnect.with_scale_out`). The MFU does not depend on ``tokens``. One
    layout search, cached by value: the resolved Architecture and Accelerator (frozen dataclasses,
    so an edited catalog row is a new key), count, dtype, sequence length, network and options;
    at most :data:`PLANNED_CACHE_SIZE` entries.
    """
    from costcurve.catalog import Catalog, load_catalog
    from costcurve.inputs import resolve_model

    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    _, arch, _ = resolve_model(model, cat)
    if arch is None:
        from costcurve.errors import InputError

        raise InputError(f"{model!r} has no architecture preset; the planner needs layer shapes", field="model")
    return _planned_mfu(arch, cat.accelerator(gpu), int(gpus), dtype, seq_len, scale_out,
                        tuple(sorted(layout.items())))


@functools.lru_cache(maxsize=PLANNED_CACHE_SIZE)
def _planned_mfu(arch, acc, gpus, dtype, seq_len, scale_out, layout_items) -> float:
    from costcurve.errors import DoesNotFitError
    from costcurve.interconnect import interconnect, with_scale_out
    from costcurve.training.planner.plan import _fixed_options, _int_option, default_global_batch, search_layouts

    layout = dict(layout_items)
    n = _int_option(gpus, "gpus")
    seq = _int_option(seq_len, "seq_len") or arch.pretrain_seq_len
    gb = _int_option(layout.pop("global_batch", None), "global_batch") or default_global_batch(n, seq)
    ints = {k: layout.pop(k, None) for k in ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "dp_shard")}
    fixed = _fixed_options(ints, layout.pop("zero", None), layout.pop("recompute", None),
                           layout.pop("sequence_parallel", None), layout.pop("overlap", None))
    if layout:
        from costcurve.errors import InputError

        raise InputError(f"unknown layout option(s) {', '.join(layout)}", field=next(iter(layout)))
    ic = with_scale_out(interconnect(acc), scale_out)
    _, res, order, _, _ = search_layouts(arch, acc, ic, n, seq, gb, fixed, dtype=dtype,
                                         enough=lambda _lay, prefix: len(prefix) >= 1)  # the best only
    if len(order) == 0:
        raise DoesNotFitError(f"no layout of {arch.name} fits {n} × {acc.name}",
                              needed_bytes=float(np.nanmin(res["memory/total"])),
                              capacity_bytes=float(acc.memory_bytes), suggestion=None)
    return float(res["mfu"][int(order[0])])
