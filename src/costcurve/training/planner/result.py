"""Result objects of the planner; they only wrap the arrays the model functions compute."""

from __future__ import annotations

from dataclasses import dataclass, field

from costcurve.results import NotebookMixin
from costcurve.results import jsonable
from costcurve.training.planner.layout import Layout

PLAN_KEYS = ("parallelism", "memory_per_gpu_bytes", "memory_capacity_bytes", "fits", "step_time_s",
             "step_time_breakdown_s", "tokens_per_second", "achieved_flop_per_s_per_gpu", "mfu", "goodput",
             "wall_clock_days", "gpu_hours", "cost_usd")


@dataclass(frozen=True)
class Plan:
    """One evaluated layout of a training run. Units in the field names; breakdowns sum to totals."""

    gpu: str
    gpus: int
    parallelism: Layout
    memory_per_gpu_bytes: dict  #: weights, gradients, optimizer, activations, other, total [bytes]
    memory_capacity_bytes: float  #: [bytes]
    fits: bool
    step_time_s: float  #: [s]
    step_time_breakdown_s: dict  #: compute, bubble, tp_comm, dp_comm, pp_comm, ep_comm, cp_comm [s]
    tokens_per_second: float  #: [tokens/s]
    achieved_flop_per_s_per_gpu: float  #: hardware FLOP (with recomputation) per second per accelerator [FLOP/s]
    mfu: float  #: model FLOP / (accelerators × peak × time) [fraction]
    goodput: float  #: useful fraction of wall-clock time [fraction]
    goodput_source: str
    wall_clock_days: float  #: [days]
    gpu_hours: float  #: [h]
    cost_usd: dict  #: cloud, amortized, acquisition [USD]
    price_usd_per_gpu_hour: float  #: [USD/h]; NaN when the catalog has none
    price_source: str
    why: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        d = {"gpu": self.gpu, "gpus": self.gpus, "parallelism": self.parallelism.to_dict()}
        for k in PLAN_KEYS[1:]:
            d[k] = jsonable(getattr(self, k))
        d.update(price_usd_per_gpu_hour=jsonable(self.price_usd_per_gpu_hour), price_source=self.price_source,
                 goodput_source=self.goodput_source, why=self.why, notes=list(self.notes))
        return d


@dataclass(frozen=True)
class PlanSearch(NotebookMixin):
    """Plans of one search, best first, with how many layouts were tried and which fit."""

    _report_kind = "plan"  #: notebook display: the report sections of this kind

    model: str
    tokens: float  #: [tokens]
    seq_len: int  #: [tokens]
    dtype: str
    plans: tuple[Plan, ...]
    layouts_evaluated: int
    layouts_fit: int
    pareto: tuple = ()  #: Pareto points (dicts), cheapest first
    notes: tuple[str, ...] = ()

    @property
    def best(self) -> Plan:
        return self.plans[0]

    def to_dict(self) -> dict:
        d = {"model": self.model, "tokens": self.tokens, "seq_len": self.seq_len, "dtype": self.dtype}
        if self.plans:
            d.update(self.plans[0].to_dict())
        d["plans"] = [p.to_dict() for p in self.plans]
        d["layouts_evaluated"] = self.layouts_evaluated
        d["layouts_fit"] = self.layouts_fit
        d["pareto"] = jsonable(list(self.pareto))
        d["notes"] = list(self.notes)
        return d
