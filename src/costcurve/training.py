"""What it costs to train a model: FLOP → time → accelerator-hours → dollars, energy and CO2.

:func:`estimate_training` is the one path that computes; the CLI, the uncertainty layer and the
trend series wrap it. Every numeric argument accepts a float or a numpy array; arrays broadcast
and the result's numeric fields are then arrays (sweeps, Monte Carlo).

    time [s] = training FLOP / (accelerators × peak FLOP/s of dtype × MFU × goodput)

(the ``C = 6ND``-style model FLOP over delivered FLOP/s, as in Narayanan et al. 2021, eq. 4;
goodput is the fraction of wall-clock time spent on useful training, after restarts and failures).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields

import numpy as np

from .report.notebook import NotebookMixin

from . import costs, flop
from .architecture import Architecture, count_params
from .costs import DEFAULT_ASSUMPTIONS
from .catalog import DTYPES, Accelerator, Catalog, load_catalog
from .errors import CostcurveError, InputError
from .mfu import default_mfu_model, era_of
from .prices import resolve_price
from .results import jsonable
from .uncertainty import is_distribution
from .units import SECONDS_PER_DAY, SECONDS_PER_HOUR, number_input, parse_date



_num = number_input  # parse and check a user number


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
    mfu_source: str  #: "given" | "default model" | "calibration"
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
    if any(is_distribution(v) for v in values):
        return True
    return assumptions is not None and any(is_distribution(v) for v in vars(assumptions).values())


def resolve_model(model, catalog: Catalog):
    """A model argument → (name, Architecture or None, trained-model record or None).

    ``model`` is an :class:`Architecture`, a preset name or alias, a trained-model name from the
    models table, or a path to a Hugging Face ``config.json``.
    """
    if isinstance(model, Architecture):
        return model.name, model, None
    text = str(model).strip()
    if text.endswith(".json") or "/" in text or "\\" in text:
        from .hfconfig import read_hf_config

        arch = read_hf_config(text)
        return arch.name, arch, None
    record = catalog.models.get(text.lower())
    arch = None
    try:
        arch = catalog.architecture(text)
    except CostcurveError:
        if record is None:
            raise
    if record is None and arch is not None:
        record = catalog.model_by_preset.get(arch.name)
    if arch is None and record is not None and record.get("preset"):
        arch = catalog.architecture(record["preset"])
    return (arch.name if arch is not None else record["name"]), arch, record


def estimate_training(*, model=None, params=None, active_params=None, tokens=None, training_flop=None,
                      gpu="h100", gpus=None, days=None, mfu=None, dtype="bf16", goodput=1.0, recompute="none",
                      seq_len=None, price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand", date=None,
                      chip_price_usd=None, assumptions=None, calibration=None, catalog=None,
                      samples=None, seed=None, uncertainty=False):
    """Estimate FLOP, time, accelerator-hours, dollars (three methods), energy and CO2 of a training run.

    Parameters (numbers may be floats, text like ``"15.6T"``, or numpy arrays):
        model: preset name, trained-model name, Hugging Face config.json path, or Architecture.
        params, active_params: parameter counts [count] when no architecture is given (6·N·D).
        tokens: training tokens [count]; defaults to the trained-model record's tokens.
        training_flop: total model FLOP [FLOP], overriding the count.
        gpu: accelerator name or alias; gpus: how many [count]; or days: target wall-clock [days],
            from which the count is solved.
        mfu: model FLOP utilisation (0, 1]; default from the fitted MFU model (see costcurve.mfu).
        dtype: fp32 | tf32 | bf16 | fp16 | fp8, selects the peak FLOP/s.
        goodput: useful fraction of wall-clock time (0, 1] (restarts, failures, checkpoints).
        recompute: none | selective | full activation recomputation (hardware FLOP only).
        seq_len: training sequence length [tokens] for the attention term.
        price_usd_per_gpu_hour: rental price [USD/h]; default: catalog median near ``date``.
        provider, price_kind: filter catalog prices (on-demand, spot, 1-year, 3-year).
        date: date of the prices (``datetime.date`` or ISO text); default today.
        chip_price_usd: purchase price of one accelerator [USD]; default: catalog.
        assumptions: :class:`costcurve.costs.CostAssumptions` overriding the documented defaults.
        calibration: a calibration profile (dict or path) from ``costcurve measure``.
        catalog: a Catalog, or path(s) of user CSVs added to the bundled tables.
        samples, seed, uncertainty: any numeric argument may be a range or distribution
            (``"0.3..0.5"``, ``"normal(0.4,0.05)"``, see :mod:`costcurve.uncertainty`); then, or with
            ``uncertainty=True`` (spread on the default MFU and price too), a seeded Monte Carlo of
            ``samples`` draws (default 10,000) returns an :class:`~costcurve.uncertainty.UncertainEstimate`.

    Returns a :class:`TrainingEstimate` (or an ``UncertainEstimate`` under uncertainty).
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    if uncertainty or _any_distribution(params, active_params, tokens, training_flop, gpus, days, mfu, goodput,
                                        price_usd_per_gpu_hour, chip_price_usd, seq_len, assumptions=assumptions):
        from .uncertainty_training import monte_carlo_training

        return monte_carlo_training(dict(
            model=model, params=params, active_params=active_params, tokens=tokens, training_flop=training_flop,
            gpu=gpu, gpus=gpus, days=days, mfu=mfu, dtype=dtype, goodput=goodput, recompute=recompute, seq_len=seq_len,
            price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider, price_kind=price_kind, date=date,
            chip_price_usd=chip_price_usd, assumptions=assumptions, calibration=calibration, catalog=cat),
            samples=samples, seed=seed, uncertainty=uncertainty)
    A = assumptions or DEFAULT_ASSUMPTIONS
    notes = []
    if dtype not in DTYPES:
        raise InputError(f"got {dtype!r}; allowed: {', '.join(DTYPES)}", field="dtype")
    acc: Accelerator = cat.accelerator(gpu)
    peak = acc.peak_flop_per_s(dtype)
    date = parse_date(date)

    # ---- FLOP -----------------------------------------------------------------------------
    name, arch, record = (None, None, None) if model is None else resolve_model(model, cat)
    tokens = _num(tokens, "tokens")
    if tokens is None and record is not None and record.get("training_tokens"):
        tokens = record["training_tokens"]
        notes.append(f"tokens from the models table: {tokens:.3g} ({record['name']})")
    params = _num(params, "params")
    active_params = _num(active_params, "active_params")
    training_flop = _num(training_flop, "training_flop")
    breakdown = {}
    if arch is not None:
        p_total = count_params(arch)
        p_active = count_params(arch, active=True)
    else:
        p_total = params if params is not None else (record or {}).get("params_total")
        p_active = active_params if active_params is not None else ((record or {}).get("params_active") or p_total)
        if p_total is None:
            p_total = p_active
    seq = _num(seq_len, "seq_len")
    if training_flop is not None:
        method = "given"
    elif arch is not None:
        if tokens is None:
            raise InputError("needed with an architecture (e.g. --tokens 2T)", field="tokens")
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
    if recompute != "none":
        hardware_flop = training_flop * (flop.recompute_factor(arch, recompute, seq) if arch is not None
                                         else (4.0 / 3.0 if recompute == "full" else 1.0))
    else:
        hardware_flop = training_flop

    # ---- throughput ----------------------------------------------------------------------
    goodput = _num(goodput, "goodput", upper=1.0)
    if gpus is not None and days is not None:
        raise InputError("give either gpus or days, not both", field="gpus")
    gpus = _num(gpus, "gpus")
    days = _num(days, "days")
    size = p_active if p_active is not None else (training_flop / (6.0 * tokens) if tokens is not None else 7e9)
    mfu_source = "given"
    if mfu is not None:
        mfu = _num(mfu, "mfu", upper=1.0)
    elif calibration is not None:
        from .calibration import calibrated_mfu

        mfu = calibrated_mfu(calibration, acc, dtype, size)
        mfu_source = "calibration"
        notes.append("MFU from the calibration profile: measured on one device, cluster communication not included")
    else:
        mfu_source = "default model"
    model_mfu = default_mfu_model(cat) if mfu is None else None
    era = era_of(acc.generation, acc.release_date.year)

    def _mfu_for(n):
        return mfu if mfu is not None else model_mfu.predict(era, n, size, dtype == "fp8")

    if gpus is None:
        if days is None:
            gpus = 1024.0 if training_flop is not None and np.all(np.asarray(training_flop) > 1e23) else 8.0
            notes.append(f"gpus not given: assumed {gpus:g}")
        else:
            target = days * SECONDS_PER_DAY
            n = training_flop / (peak * 0.4 * goodput * target)
            for _ in range(20):  # the default MFU depends on the count: fixed point
                n = training_flop / (peak * _mfu_for(np.maximum(n, 1.0)) * goodput * target)
            gpus = np.ceil(n) if isinstance(n, np.ndarray) else float(math.ceil(n))
    mfu_v = _mfu_for(gpus)
    wall = training_flop / (gpus * peak * mfu_v * goodput)
    gpu_hours = gpus * wall / SECONDS_PER_HOUR

    # ---- dollars -------------------------------------------------------------------------
    price, price_source = resolve_price(cat, acc.name, date, price_usd_per_gpu_hour, provider=provider, kind=price_kind)
    chip = _num(chip_price_usd, "chip_price_usd") if chip_price_usd is not None else (acc.price_usd or math.nan)
    energy = costs.energy_kwh(gpus, acc.tdp_w or math.nan, wall, server_power_overhead=A.server_power_overhead,
                              power_utilization=A.power_utilization, pue=A.pue)
    energy_usd = energy * A.electricity_usd_per_kwh
    capex = costs.acquisition_cost_usd(gpus, chip, A.server_overhead)
    amortized = costs.amortized_capex_usd(capex, wall, A.depreciation_per_year) + energy_usd
    return TrainingEstimate(
        model=name, gpu=acc.name, dtype=dtype, flop_method=method, training_flop=training_flop,
        hardware_flop=hardware_flop, params_total=p_total, params_active=p_active, tokens=tokens, gpus=gpus,
        peak_flop_per_s=peak, mfu=mfu_v, mfu_source=mfu_source, goodput=goodput, wall_clock_s=wall,
        gpu_hours=gpu_hours, price_usd_per_gpu_hour=price, price_source=price_source, chip_price_usd=chip,
        cost_cloud_usd=costs.cloud_cost_usd(gpu_hours, price), cost_amortized_usd=amortized,
        cost_acquisition_usd=capex, cost_energy_usd=energy_usd, energy_kwh=energy,
        co2_kg=energy * A.grid_kg_co2_per_kwh, date=date, flop_breakdown=breakdown,
        assumptions=A, notes=tuple(notes),
    )
