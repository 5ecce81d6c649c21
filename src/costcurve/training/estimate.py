"""What it costs to train a model: FLOP → time → accelerator-hours → dollars, energy and CO2.

:func:`estimate_training` is the one path that computes; the CLI, the uncertainty layer and the
trend series wrap it. Every numeric argument accepts a float or a numpy array; arrays broadcast
and the result's numeric fields are then arrays (sweeps, Monte Carlo).

    time [s] = training FLOP / (accelerators × peak FLOP/s of dtype × MFU × goodput)

(the ``C = 6ND``-style model FLOP over delivered FLOP/s, as in Narayanan et al. 2021, eq. 4;
goodput is the fraction of wall-clock time spent on useful training, after restarts and failures).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from costcurve.results import NotebookMixin

from costcurve import costs
from costcurve import flop
from costcurve.architecture import count_params, param_counts
from costcurve.catalog import DTYPES, Accelerator, Catalog, load_catalog
from costcurve.costs import DEFAULT_ASSUMPTIONS, CostAssumptions
from costcurve.errors import InputError
from costcurve.inputs import (check_choice, check_monte_carlo_options, check_result, check_text, hourly_price,
                              largest as _max, resolve_model)
from costcurve.training.efficiency import default_mfu_model, era_of
from costcurve.results import jsonable
from costcurve.uncertainty import Dist, UncertainEstimate, is_distribution, parse_dist, price_spread, run_monte_carlo
from costcurve.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, number_input, parse_date, show

__all__ = ["TrainingEstimate", "estimate_training", "resolve_model"]

_num = number_input  # parse and check a user number
RECOMPUTE = ("none", "selective", "full")
#: Hardware/model FLOP of full activation recomputation on the 6·N·D path: one more forward pass
#: (2N·D) on top of forward + backward (6N·D): 8/6 = 4/3 (Korthikanti et al. 2022, §4).
FULL_RECOMPUTE_FACTOR = 4.0 / 3.0
#: Default accelerator count when neither ``gpus`` nor ``days`` is given: a run above
#: :data:`LARGE_RUN_FLOP` (GPT-3 scale, 3.1e23 FLOP) is put on a 1,024-accelerator cluster, the size
#: Narayanan et al. (2021, §5.1) use for GPT-3 (1,024 A100s, 34 days); a smaller one on one
#: 8-accelerator server (an HGX/DGX node). The output says so in a note.
LARGE_RUN_FLOP = 1e23  #: [FLOP]
DEFAULT_GPUS_LARGE_RUN = 1024  #: [count]
DEFAULT_GPUS_SMALL_RUN = 8  #: [count]
#: Starting MFU of the fixed point that solves the count from ``days`` (the default MFU depends on
#: the count). 0.4 is near published large runs (PaLM 46.2%, Chowdhery et al. 2022 Table 3; Llama 3
#: 38–43%, Dubey et al. 2024 Table 4); the iteration forgets it.
MFU_START = 0.4
#: Iterations of that fixed point: the default MFU moves with log10(count) by a slope well below 1,
#: so each iteration shrinks the error by that factor; 20 leave it below 1e-6 (tests check).
FIXED_POINT_ITERATIONS = 20
#: Model size given to the default MFU model when only the FLOP is known (no params, no tokens):
#: 7e9 parameters, the most common size of open models (Llama 2 7B, Mistral 7B, Qwen2.5 7B). [count]
DEFAULT_MODEL_SIZE_PARAMS = 7e9


@dataclass(frozen=True)
class TrainingEstimate(NotebookMixin):
    """Result of :func:`estimate_training`. Numeric fields are floats, or arrays for array inputs."""

    _report_kind = "train"  #: notebook display: the report sections of this kind

    model: str | None  #: preset or catalog name, or None for params/tokens only
    gpu: str  #: accelerator name in the catalog
    dtype: str
    flop_method: str  #: "architecture" (detailed count) | "6ND" | "given"
    training_flop: object  #: model FLOP of the run [FLOP]
    hardware_flop: object  #: FLOP executed incl. activation recomputation [FLOP]
    params_total: object  #: [count]
    params_active: object  #: [count]
    tokens: object  #: training tokens [count]
    gpus: object  #: number of accelerators [count]
    peak_flop_per_s: float  #: dense peak of one accelerator in ``dtype`` [FLOP/s]
    mfu: object  #: model FLOP utilisation [fraction]
    mfu_source: str  #: "given" | "planner" | "default model" (the regression) | "calibration"
    goodput: object  #: useful fraction of wall-clock time [fraction]
    wall_clock_s: object  #: [s]
    gpu_hours: object  #: accelerator-hours [h]
    price_usd_per_gpu_hour: object  #: hourly price used for the cloud method [USD/h]; NaN if none known
    price_source: str
    chip_price_usd: object  #: purchase price of one accelerator [USD]; NaN if none known
    cost_cloud_usd: object  #: [USD]
    cost_amortized_usd: object  #: amortized capex + energy [USD]
    cost_acquisition_usd: object  #: [USD]
    cost_energy_usd: object  #: [USD] (part of the amortized cost)
    energy_kwh: object  #: facility energy [kWh]
    co2_kg: object  #: [kg CO2]
    date: dt.date  #: date the prices refer to
    flop_breakdown: dict = field(default_factory=dict)  #: model FLOP by part; sums to training_flop [FLOP]
    assumptions: object = None  #: the CostAssumptions used (see costcurve.costs)
    notes: tuple[str, ...] = ()
    #: where ``gpus`` came from: "given" | "solved from days" | "assumed" (a default by the size of the run,
    #: :data:`DEFAULT_GPUS_LARGE_RUN` or :data:`DEFAULT_GPUS_SMALL_RUN`)
    gpus_source: str = "given"

    @classmethod
    def _of(cls, values: dict) -> "TrainingEstimate":
        """An estimate from the value of every field, set at once (the frozen dataclass's ``__init__``
        sets each of its 33 fields with ``object.__setattr__``; there is no ``__post_init__`` to skip)."""
        out = object.__new__(cls)
        out.__dict__.update(values)
        return out

    @property
    def wall_clock_hours(self):
        return self.wall_clock_s / SECONDS_PER_HOUR

    @property
    def wall_clock_days(self):
        return self.wall_clock_s / SECONDS_PER_DAY

    @property
    def cost_usd(self) -> dict:
        return {"cloud": self.cost_cloud_usd, "amortized": self.cost_amortized_usd, "acquisition": self.cost_acquisition_usd}

    def to_dict(self, convert=None) -> dict:
        """JSON-ready dict: top-level figures, ``cost_usd`` by method, breakdown and assumptions.

        ``convert`` maps each numeric value (float or array); by default arrays become lists.
        """
        c = convert or jsonable
        d = {f.name: c(getattr(self, f.name)) for f in fields(self)}
        d["date"] = self.date.isoformat()
        d["assumptions"] = {k: c(v) for k, v in vars(self.assumptions).items()} if self.assumptions is not None else None
        d["wall_clock_hours"] = c(self.wall_clock_hours)
        d["wall_clock_days"] = c(self.wall_clock_days)
        d["cost_usd"] = {k: c(v) for k, v in self.cost_usd.items()}
        d["notes"] = list(self.notes)
        return d


def _any_distribution(*values, assumptions=None) -> bool:
    """Whether any argument, or any field of ``assumptions``, is a range or distribution."""
    for v in values:
        if v is None or type(v) is float or type(v) is int:  # the common case: plain numbers
            continue
        if isinstance(v, (str, Dist)) and is_distribution(v):
            return True
    return assumptions is not None and assumptions is not DEFAULT_ASSUMPTIONS and \
        any(is_distribution(v) for v in vars(assumptions).values())


def estimate_training(*, model=None, params=None, active_params=None, tokens=None, training_flop=None,
                      gpu="h100", gpus=None, days=None, mfu=None, dtype=None, goodput=None, recompute="none",
                      seq_len=None, price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand", date=None,
                      chip_price_usd=None, assumptions=None, calibration=None, catalog=None,
                      samples=None, seed=None, uncertainty=False, scale_out=None):
    """Estimate FLOP, time, accelerator-hours, dollars (three methods), energy and CO2 of a training run.

    Parameters (numbers may be floats, text like ``"15.6T"``, or numpy arrays):
        model: preset name, trained-model name, Hugging Face config.json path, or Architecture.
        params, active_params: parameter counts [count] when no architecture is given (6·N·D).
        tokens: training tokens [count]; defaults to the trained-model record's tokens.
        training_flop: total model FLOP [FLOP], overriding the count.
        gpu: accelerator name or alias; gpus: how many [count, whole]; or days: target wall-clock
            [days; text may carry a unit: ``"30d"``, ``"12h"``], from which the count is solved.
        mfu: model FLOP utilisation (0, 1]; default: the training planner's best layout when the
            architecture and one accelerator count are known (``mfu_source`` "planner"), else the
            fitted MFU regression ("default model"); see costcurve.training.defaults.
        dtype: fp32 | tf32 | bf16 | fp16 | fp8, selects the peak FLOP/s; default the chip's own 16-bit
            format (``Accelerator.half_dtype``: bf16, or fp16 on a V100/T4); bf16 on a chip without it is refused.
        goodput: useful fraction of wall-clock time (0, 1] (restarts, failures, checkpoints);
            default: the planner's failure model when the planner sets the MFU, else 1.
        recompute: none | selective | full activation recomputation (hardware FLOP only).
        seq_len: training sequence length [tokens, whole] for the attention term.
        price_usd_per_gpu_hour: rental price [USD/h]; default: catalog median near ``date``.
        provider, price_kind: filter catalog prices (on-demand, spot, 1-year, 3-year).
        date: date of the prices (``datetime.date`` or ISO text); default today. With a catalog
            price, a date before the accelerator's release is refused.
        chip_price_usd: purchase price of one accelerator [USD]; default: catalog.
        assumptions: :class:`costcurve.costs.CostAssumptions` overriding the documented defaults.
        calibration: a calibration profile (dict or path) from ``costcurve measure`` (not with ``mfu``).
        catalog: a Catalog, or path(s) of user CSVs added to the bundled tables.
        scale_out: the planner's scale-out network per accelerator (bytes/s, or text like ``"400Gb/s"``,
            ``"3.2Tb/s per node"``; :func:`costcurve.interconnect.with_scale_out`); default: the table's.
        samples, seed, uncertainty: any numeric argument may be a range or distribution
            (``"0.3..0.5"``, ``"normal(0.4,0.05)"``, see :mod:`costcurve.uncertainty`); then, or with
            ``uncertainty=True`` (spread on the default MFU and price too), a seeded Monte Carlo of
            ``samples`` draws (default 10,000) returns an :class:`~costcurve.uncertainty.UncertainEstimate`.
            ``samples`` and ``seed`` without anything uncertain are refused.

    Returns a :class:`TrainingEstimate` (or an ``UncertainEstimate`` under uncertainty). Every bad
    argument, and a result that is not finite (e.g. from ``mfu=1e-320``), raises an
    :class:`~costcurve.errors.InputError` naming the parameter.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    if assumptions is not None and not isinstance(assumptions, CostAssumptions):
        raise InputError(f"got {type(assumptions).__name__}; allowed: a costcurve.costs.CostAssumptions or None",
                         field="assumptions")
    if not isinstance(uncertainty, bool):
        raise InputError(f"got {show(uncertainty)}; allowed: True or False", field="uncertainty")
    uncertain = uncertainty or _any_distribution(params, active_params, tokens, training_flop, gpus, days, mfu, goodput,
                                                 price_usd_per_gpu_hour, chip_price_usd, seq_len,
                                                 assumptions=assumptions)  # the inputs of MC_NUMERIC
    check_monte_carlo_options(samples, seed, uncertain)
    if uncertain:
        kwargs = dict(model=model, params=params, active_params=active_params, tokens=tokens,
                      training_flop=training_flop, gpu=gpu, gpus=gpus, days=days, mfu=mfu, dtype=dtype, goodput=goodput,
                      recompute=recompute, seq_len=seq_len, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                      provider=provider, price_kind=price_kind, date=date, chip_price_usd=chip_price_usd,
                      assumptions=assumptions, calibration=calibration, catalog=cat, scale_out=scale_out)
        return _monte_carlo(kwargs, samples=samples, seed=seed, uncertainty=uncertainty)
    with np.errstate(all="ignore"):  # over, under, divide and invalid
        return _estimate(model, params, active_params, tokens, training_flop, gpu, gpus, days, mfu, dtype, goodput,
                         recompute, seq_len, price_usd_per_gpu_hour, provider, price_kind, date, chip_price_usd,
                         assumptions, calibration, cat, scale_out)  # in _estimate's order


def _estimate(model, params, active_params, tokens, training_flop, gpu, gpus, days, mfu, dtype, goodput,
              recompute, seq_len, price_usd_per_gpu_hour, provider, price_kind, date, chip_price_usd, assumptions,
              calibration, catalog, scale_out=None) -> TrainingEstimate:
    """One point estimate (arrays broadcast): workload → accelerator count → time → dollars, then checks."""
    cat, A, notes = catalog, assumptions or DEFAULT_ASSUMPTIONS, []
    check_choice(recompute, RECOMPUTE, "recompute")
    check_text(gpu, "gpu")
    check_text(provider, "provider", optional=True)
    acc: Accelerator = cat.accelerator(gpu)
    dtype = acc.half_dtype if dtype is None else dtype
    check_choice(dtype, DTYPES, "dtype")
    peak = acc.peak_flop_per_s(dtype)
    date = parse_date(date)
    if scale_out is not None:  # checked here, whether or not the planner runs
        from costcurve.interconnect import interconnect, with_scale_out

        with_scale_out(interconnect(acc), scale_out)
    # the inputs as given (by _GIVEN_NAMES), to name the one that made a result overflow (read only on failure)
    given = (params, active_params, tokens, training_flop, seq_len, gpus, days, mfu, goodput, price_usd_per_gpu_hour,
             chip_price_usd, A)
    w = _workload(cat, model, params, active_params, tokens, training_flop, seq_len, recompute, notes)
    blame = lambda: _given(given, *_WORKLOAD_INPUTS)  # noqa: E731 (called only on a failure)
    check_result(w.training_flop, "training FLOP", blame, unit="FLOP")
    check_result(w.hardware_flop, "hardware FLOP", blame, unit="FLOP")
    goodput = _num(goodput, "goodput", kind="plain", upper=1.0)
    mfu_fn, mfu_source = _mfu_model(cat, acc, dtype, mfu, calibration, w, notes)
    gpus_source = "given" if gpus is not None else "solved from days" if days is not None else "assumed"
    gpus = _accelerator_count(gpus, days, w.training_flop, peak, 1.0 if goodput is None else goodput, mfu_fn, notes,
                              given)
    mfu_v = mfu_fn(gpus)
    # ---- the planner's defaults (train and plan agree; costcurve.training.defaults) ----
    if mfu_source == "default model":
        mfu_v, mfu_source, goodput = _defaults().planner_defaults(cat, acc, dtype, w, gpus, days, recompute, mfu_v, goodput, peak,
                                                      notes, scale_out)
    elif goodput is None:
        goodput = 1.0
    blame = lambda: _given(given, *_TIME_INPUTS)  # noqa: E731
    wall = _over(w.training_flop, gpus * peak * mfu_v * goodput)
    gpu_hours = gpus * wall / SECONDS_PER_HOUR
    check_result(wall, "wall-clock time", blame, unit="s")
    check_result(gpu_hours, "number of accelerator-hours", blame, unit="h")
    price, price_source, chip = _prices(cat, acc, date, price_usd_per_gpu_hour, provider, price_kind, chip_price_usd,
                                        notes)
    d = _dollars(A, acc, gpus, wall, gpu_hours, price, chip)
    blame = lambda: _given(given, *_GIVEN_NAMES)  # noqa: E731
    for key, what, unit in _COST_CHECKS:  # check_result answers a plain float that passes without numpy
        check_result(d[key], what, blame, allow_nan=True, unit=unit)
    # a dict display in field order, not dict(**…): the 33 fields set at once (TrainingEstimate._of)
    return TrainingEstimate._of({
        "model": w.name, "gpu": acc.name, "dtype": dtype, "flop_method": w.method, "training_flop": w.training_flop,
        "hardware_flop": w.hardware_flop, "params_total": w.params_total, "params_active": w.params_active,
        "tokens": w.tokens, "gpus": gpus, "peak_flop_per_s": peak, "mfu": mfu_v, "mfu_source": mfu_source,
        "goodput": goodput, "wall_clock_s": wall, "gpu_hours": gpu_hours, "price_usd_per_gpu_hour": price,
        "price_source": price_source, "chip_price_usd": chip, "cost_cloud_usd": d["cost_cloud_usd"],
        "cost_amortized_usd": d["cost_amortized_usd"], "cost_acquisition_usd": d["cost_acquisition_usd"],
        "cost_energy_usd": d["cost_energy_usd"], "energy_kwh": d["energy_kwh"], "co2_kg": d["co2_kg"], "date": date,
        "flop_breakdown": w.breakdown, "assumptions": A, "notes": tuple(notes), "gpus_source": gpus_source})


_WORKLOAD_INPUTS = ("params", "active_params", "tokens", "training_flop", "seq_len")  # behind the FLOP
_TIME_INPUTS = ("params", "active_params", "tokens", "training_flop", "gpus", "days", "mfu", "goodput")
_COST_CHECKS = (("cost_cloud_usd", "cloud cost", "USD"), ("cost_acquisition_usd", "cluster cost", "USD"),
                ("cost_amortized_usd", "amortized cost", "USD"), ("energy_kwh", "energy", ""), ("co2_kg", "CO2 mass", ""))


@functools.cache
def _defaults():
    """costcurve.training.defaults, imported on first use (it brings in the planner, which ``import
    costcurve`` does not need); a module, so the same object on every call."""
    from costcurve.training import defaults

    return defaults


#: the inputs of :func:`_estimate` that a failure may be blamed on, in the order of its ``given`` tuple
_GIVEN_NAMES = ("params", "active_params", "tokens", "training_flop", "seq_len", "gpus", "days", "mfu", "goodput",
                "price_usd_per_gpu_hour", "chip_price_usd", "assumptions")


def _given(values: tuple, *names) -> dict:
    """The inputs ``names`` that were given (cost assumptions as their own fields), of the inputs ``values``
    (by :data:`_GIVEN_NAMES`)."""
    given = dict(zip(_GIVEN_NAMES, values))
    out = {k: given[k] for k in names if k != "assumptions" and given.get(k) is not None}
    if "assumptions" in names:
        out.update(vars(given["assumptions"]))
    return out


# ---- step 1: the workload (FLOP) ---------------------------------------------------------------
class _Workload(NamedTuple):
    name: str | None
    params_total: object  # [count]
    params_active: object  # [count]
    tokens: object  # [count]
    seq_len: object  # [tokens] or None
    training_flop: object  # [FLOP]
    hardware_flop: object  # [FLOP]
    method: str
    breakdown: dict
    arch: object = None  # the Architecture, when known (the shape rule's, for a size, is the planner step's)


#: fewer parameters than this cannot be meant for a training run worth costing [count]: "--params 70"
#: is 70 parameters, where 70B was meant (GPT-2 small, Radford et al. 2019, has 124M)
MIN_MEANT_PARAMS = 1e6


def small_params_warning(params) -> str | None:
    """A warning when a parameter count is below :data:`MIN_MEANT_PARAMS` (a missing suffix), else None."""
    if params is None:
        return None
    p = params if type(params) is float else float(np.min(np.asarray(params, dtype=float)))
    if p >= MIN_MEANT_PARAMS:
        return None
    return (f"warning: {p:,.0f} parameters is fewer than a million, smaller than any model whose training is worth "
            f"costing; counts take a suffix: {p:g}B is {p:g} billion, {p:g}M {p:g} million")


def _workload(cat, model, params, active_params, tokens, training_flop, seq_len, recompute, notes) -> _Workload:
    """Parameters, tokens and FLOP of the run, from an architecture, a models-table record, or counts."""
    name, arch, record = (None, None, None) if model is None else resolve_model(model, cat)
    tokens = _num(tokens, "tokens", low=1.0)
    params = _num(params, "params", low=1.0)
    active_params = _num(active_params, "active_params", low=1.0)
    training_flop = _num(training_flop, "training_flop", low=1.0)
    seq = _num(seq_len, "seq_len", integer=True, low=1.0)
    if arch is not None and (params is not None or active_params is not None):
        which = "params" if params is not None else "active_params"
        raise InputError(f"{name} is an architecture, which fixes the parameter count ({count_params(arch):.4g}); "
                         f"give either the model or {which}, not both", field=which)
    if params is not None and active_params is not None and np.any(np.asarray(active_params) > np.asarray(params)):
        raise InputError(f"got {show(_max(active_params))} active parameters, more than the {show(_max(params))} "
                         "parameters in all; allowed: active_params <= params", field="active_params")
    if tokens is None and record is not None and record.get("training_tokens"):
        tokens = record["training_tokens"]
        notes.append(f"tokens from the models table: {tokens:.3g} ({record['name']})")
    breakdown = {}
    if arch is not None:
        p_total, p_active = param_counts(arch)
    else:
        if record is not None and (params is not None or active_params is not None):
            notes.append(f"parameter count given: it replaces the models table's figure for {record['name']}")
        p_total = params if params is not None else (record or {}).get("params_total")
        p_active = active_params if active_params is not None else ((record or {}).get("params_active") or p_total)
        if p_total is None:
            p_total = p_active
        small = small_params_warning(p_total)
        if small:
            notes.append(small)
    if training_flop is not None:
        method = "given"
        if arch is not None or p_active is not None and tokens is not None:
            notes.append("training FLOP given: it replaces the count from the model and tokens")
    elif arch is not None:
        if tokens is None:
            raise InputError("needed with an architecture (e.g. `tokens` 2T)", field="tokens")
        breakdown = flop.training_flop_breakdown(arch, tokens, seq)
        training_flop = sum(breakdown.values())
        method = "architecture"
    elif p_active is not None and tokens is not None:
        training_flop = flop.training_flop_6nd(p_active, tokens)
        method = "6ND"
    elif record is not None and record.get("training_flop"):
        training_flop = record["training_flop"]
        method = "given"
        notes.append(f"training FLOP from the models table ({record['name']})")
    else:
        raise InputError("give a model preset, or params (or active_params) with tokens, or training_flop", field="model")
    if recompute == "none":
        hardware_flop = training_flop
    elif arch is not None:
        hardware_flop = training_flop * flop.recompute_factor(arch, recompute, seq)
    else:  # 6·N·D has no attention term to re-run selectively; full recomputation adds one forward (4/3)
        hardware_flop = training_flop * (FULL_RECOMPUTE_FACTOR if recompute == "full" else 1.0)
    return _Workload(name, p_total, p_active, tokens, seq, training_flop, hardware_flop, method, breakdown, arch)


def _over(num, den):
    """``num / den`` of positive numbers, infinite where ``den`` underflowed to 0 (as numpy's division is
    under ``np.errstate``; a Python float would raise): the result checks that follow refuse it."""
    return math.inf if type(den) is float and den == 0.0 else num / den


# ---- step 2: efficiency (MFU) ------------------------------------------------------------------
def _mfu_model(cat, acc, dtype, mfu, calibration, w: _Workload, notes):
    """(MFU as a function of the accelerator count, where it comes from)."""
    if mfu is not None and calibration is not None:
        raise InputError("a calibration profile sets the MFU, and an MFU was given too: give one of them",
                         field="calibration")
    if mfu is not None:
        mfu = _num(mfu, "mfu", kind="plain", upper=1.0)
        return (lambda n: mfu), "given"
    # the MFU model and the calibration need the model's size; with only FLOP given, a typical size
    if w.params_active is not None:
        size = w.params_active
    elif w.tokens is not None:
        size = w.training_flop / (6.0 * w.tokens)
    else:
        size = DEFAULT_MODEL_SIZE_PARAMS
        notes.append(f"model size unknown: the default MFU assumes {DEFAULT_MODEL_SIZE_PARAMS:.0e} parameters")
    if calibration is not None:
        from costcurve.calibration import calibrated_mfu

        value = calibrated_mfu(calibration, acc, dtype, size)
        notes.append("MFU from the calibration profile: measured on one device, cluster communication not included")
        return (lambda n: value), "calibration"
    model = default_mfu_model(cat, fp8=dtype == "fp8")  # the planner's fp8 term only for fp8 runs
    era = era_of(acc.generation, acc.release_date.year)
    return (lambda n: model.predict(era, n, size, dtype == "fp8")), "default model"


# ---- step 3: the accelerator count -------------------------------------------------------------
def _accelerator_count(gpus, days, training_flop, peak, goodput, mfu_fn, notes, given):
    """The count given, solved from a target wall-clock time, or a default by the size of the run."""
    if gpus is not None and days is not None:
        raise InputError("give either gpus or days, not both", field="gpus")
    gpus = _num(gpus, "gpus", integer=True, low=1.0)
    days = _num(days, "days", kind="time", default_unit="d")
    if gpus is not None:
        return gpus
    if days is None:
        large = np.all(np.asarray(training_flop) > LARGE_RUN_FLOP)
        gpus = float(DEFAULT_GPUS_LARGE_RUN if large else DEFAULT_GPUS_SMALL_RUN)
        notes.append(f"gpus not given: assumed {gpus:g} (a default by the size of the run; give gpus or days)")
        return gpus
    target_s = days * SECONDS_PER_DAY
    n = _over(training_flop, peak * MFU_START * goodput * target_s)
    for _ in range(FIXED_POINT_ITERATIONS):
        n = _over(training_flop, peak * mfu_fn(np.maximum(n, 1.0)) * goodput * target_s)
    check_result(n, "number of accelerators", lambda: _given(given, "days", "mfu", "goodput", "params", "tokens",
                                                     "training_flop"))
    if np.any(np.asarray(n) < 1):
        notes.append("the run needs less than one accelerator to finish in the days given: counted as 1")
    n = np.maximum(np.ceil(n), 1.0)
    return n if np.ndim(n) else float(n)


# ---- step 4: dollars, energy, CO2 --------------------------------------------------------------
def _prices(cat, acc, date, price, provider, price_kind, chip_price_usd, notes):
    """(hourly price [USD/h], its source, chip price [USD]); a catalog price is checked against the date."""
    price, source = hourly_price(cat, acc, date, price, provider=provider, price_kind=price_kind, notes=notes)
    chip = _num(chip_price_usd, "chip_price_usd", kind="money")
    return price, source, (acc.price_usd or math.nan) if chip is None else chip


def _dollars(A, acc, gpus, wall, gpu_hours, price, chip) -> dict:
    """The three costs of Cottier et al. (2024), energy and CO2 (:func:`costcurve.costs.run_costs`)."""
    return costs.run_costs(A, n_accelerators=gpus, tdp_w=acc.tdp_w or math.nan, wall_clock_s=wall,
                           accelerator_hours=gpu_hours, usd_per_accelerator_hour=price, chip_price_usd=chip)


# ---- the Monte Carlo ---------------------------------------------------------------------------
#: inputs of estimate_training that may be ranges or distributions
MC_NUMERIC = ("params", "active_params", "tokens", "training_flop", "gpus", "days", "mfu", "goodput",
              "price_usd_per_gpu_hour", "chip_price_usd", "seq_len")


def _monte_carlo(kwargs: dict, *, samples, seed, uncertainty) -> UncertainEstimate:
    """Sample every uncertain input, run :func:`_estimate` once on the arrays, wrap the result.

    Uncertain defaults under ``uncertainty=True`` when the user gives no range:
    * MFU: logit-normal around the default model's prediction with the scatter of the published runs
      it was fitted on (``MFUModel.residual_sd_logit``, costcurve.training.efficiency);
    * price: lognormal around the chosen catalog price with the spread of ln(price) of the quotes
      it was chosen from (:func:`costcurve.prices.price_spread_log`).
    Cost-assumption fields (PUE, electricity price, ...) given as ranges are sampled too.
    """
    A = kwargs.get("assumptions") or DEFAULT_ASSUMPTIONS
    a_dists = {f.name: parse_dist(getattr(A, f.name), f.name) for f in dataclasses.fields(A)
               if is_distribution(getattr(A, f.name))}

    def apply(kw, values):  # assumption fields go into a CostAssumptions object
        return dict(kw, assumptions=dataclasses.replace(A, **values))

    pinned = {}

    def spreads(base):
        extra = {}
        if uncertainty and kwargs.get("mfu") is None and base.mfu_source in ("default model", "planner"):
            sd = default_mfu_model(kwargs["catalog"]).residual_sd_logit  # the planner's MFU: same scatter assumed
            extra["mfu"] = Dist("logit-normal", (float(base.mfu), sd), "default MFU scatter")
            if base.mfu_source == "planner" and kwargs.get("goodput") is None:
                pinned["goodput"] = float(base.goodput)  # the sampled MFU is "given": keep the planner's goodput
        if uncertainty and kwargs.get("price_usd_per_gpu_hour") is None:
            extra.update(price_spread(kwargs["catalog"], base, kwargs.get("provider"), kwargs.get("price_kind", "on-demand")))
        return extra

    def estimator(**kw):
        if kw.get("goodput") is None and pinned:
            kw = dict(kw, goodput=pinned["goodput"])
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return _estimate(**kw)

    return run_monte_carlo(estimator, kwargs, MC_NUMERIC, samples=samples, seed=seed,
                           default_spreads=spreads if uncertainty else None,
                           integer=("seq_len", "gpus"),
                           constant="tokens" if kwargs.get("training_flop") is None else "training_flop",
                           extra_dists=a_dists, apply=apply)
