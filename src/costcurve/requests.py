"""Request objects for the long signatures: what is trained (:class:`Workload`), on what
(:class:`Cluster`) and at what price (:class:`Pricing`); with :class:`costcurve.costs.CostAssumptions`
they hold every input of :func:`costcurve.training.estimate.estimate_training` but the Monte Carlo settings.

Each is a frozen dataclass that checks itself on construction (``__post_init__``: numbers parsed
from text such as ``"15.6T"``, ranges such as ``"0.3..0.5"`` kept as text for the Monte Carlo after
their syntax is checked; an error names the field), so a request is parsed once, at the edge, and
passed on whole. The keyword-only functions stay as they are; :func:`estimate_training_request` is
the adapter from the objects to them, so both ways give the same estimate.

    >>> from costcurve.requests import Cluster, Pricing, Workload, estimate_training_request
    >>> est = estimate_training_request(Workload(model="llama3-8b"), Cluster(gpu="h100", gpus=64, mfu=0.4),
    ...                                 Pricing(price_usd_per_gpu_hour=2.5))
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

PRICE_KINDS = ("on-demand", "spot", "1-year", "3-year")
RECOMPUTE = ("none", "selective", "full")
DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8")


def _number(obj, name: str, **kw) -> None:
    """Check field ``name`` of ``obj`` (None: the default; a range: its syntax) and store it parsed."""
    from .uncertainty import is_distribution, parse_dist
    from .units import number_input

    v = getattr(obj, name)
    if v is None:
        return
    if is_distribution(v):
        parse_dist(v, name)
        return
    object.__setattr__(obj, name, number_input(v, name, **kw))


def _choice(obj, name: str, allowed) -> None:
    from .inputs import check_choice

    v = getattr(obj, name)
    if v is not None:
        check_choice(v, allowed, name)


def _kwargs(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True)
class Workload:
    """What is trained: a model (preset, trained model, config.json path or Architecture) or a count.

    params, active_params [count]; tokens [count]; training_flop [FLOP]; seq_len [tokens, whole].
    """

    model: Any = None
    params: Any = None
    active_params: Any = None
    tokens: Any = None
    training_flop: Any = None
    seq_len: Any = None

    def __post_init__(self):
        for name in ("params", "active_params", "tokens", "training_flop"):
            _number(self, name, low=1.0)
        _number(self, "seq_len", integer=True, low=1.0)
        if isinstance(self.model, str) and not self.model.strip():
            from .errors import InputError

            raise InputError("is empty; allowed: a preset, a trained model or a config.json path", field="model")

    def kwargs(self) -> dict:
        return _kwargs(self)


@dataclass(frozen=True)
class Cluster:
    """On what and how fast: accelerator, count [whole] or target days, MFU, goodput, dtype, recompute."""

    gpu: str = "h100"
    gpus: Any = None
    days: Any = None
    mfu: Any = None
    goodput: Any = None
    dtype: str | None = None
    recompute: str = "none"
    scale_out: Any = None  #: scale-out network per accelerator: text such as "400Gb/s", or bytes/s [B/s]

    def __post_init__(self):
        _number(self, "gpus", integer=True, low=1.0)  # the upper bound is the planner's (2**20)
        _number(self, "days", kind="time", default_unit="d")
        _number(self, "mfu", kind="plain", upper=1.0)
        _number(self, "goodput", kind="plain", upper=1.0)
        _choice(self, "dtype", DTYPES)
        _choice(self, "recompute", RECOMPUTE)

    def kwargs(self) -> dict:
        return _kwargs(self)


@dataclass(frozen=True)
class Pricing:
    """At what price: rental price [USD/h] (default: catalog median near ``date``), the provider and
    kind of price, the date, the purchase price of one accelerator [USD]."""

    price_usd_per_gpu_hour: Any = None
    provider: str | None = None
    price_kind: str = "on-demand"
    date: Any = None
    chip_price_usd: Any = None

    def __post_init__(self):
        _number(self, "price_usd_per_gpu_hour", kind="money")
        _number(self, "chip_price_usd", kind="money")
        _choice(self, "price_kind", PRICE_KINDS)
        if self.provider is not None:
            object.__setattr__(self, "provider", str(self.provider).lower())
        if self.date is not None:
            from .units import parse_date

            parse_date(self.date, "date")

    def kwargs(self) -> dict:
        return _kwargs(self)


def estimate_training_request(workload: Workload, cluster: Cluster = Cluster(), pricing: Pricing = Pricing(), *,
                              assumptions=None, calibration=None, catalog=None, samples=None, seed=None,
                              uncertainty: bool = False):
    """:func:`costcurve.training.estimate.estimate_training` of request objects (the same estimate)."""
    from costcurve.training.estimate import estimate_training

    return estimate_training(**workload.kwargs(), **cluster.kwargs(), **pricing.kwargs(), assumptions=assumptions,
                             calibration=calibration, catalog=catalog, samples=samples, seed=seed,
                             uncertainty=uncertainty)
