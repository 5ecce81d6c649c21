"""Fine-tune a model (full, LoRA, QLoRA): memory per accelerator, the smallest set it fits on, FLOP,
time and dollars, and optionally the cost of pre-training a model of the same size instead.

FLOP per token (forward ``F`` from :func:`costcurve.flop.forward_flop_per_token_breakdown` at the
fine-tuning sequence length):

* full: ``3·F`` (forward, gradients of activations and of weights; the 6·N·D of pre-training);
* LoRA/QLoRA: the frozen base needs no weight gradients, so ``2·F`` for its matrices (forward and
  activation gradients: about 4·N·D) and ``3·F`` for the attention scores (no weights there), plus
  ``6·P_adapter`` for the adapters (Hu et al. 2021 §4.2; Dettmers et al. 2023 §3);
* QLoRA adds the dequantisation of each 4-bit weight to 16 bit before every use: 2 FLOP per weight
  (table lookup scaled by its block constant) per forward, per backward and per recomputation, per
  micro-batch step of ``b·s`` tokens (Dettmers et al. 2023 §3: "we dequantize the storage data type
  to the computation data type to perform the forward and backward pass").

Time and dollars go through :func:`costcurve.estimate_training` with these FLOP as the model FLOP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..catalog import Catalog, load_catalog
from ..errors import InputError, NoAnswerError
from ..flop import forward_flop_per_token_breakdown
from ..results import jsonable
from ..units import SECONDS_PER_HOUR, number_input
from . import finetune_memory as fm
from ._chain import any_range, monte_carlo, plain, require_price, run_training

NUMERIC = ("tokens", "mfu", "goodput", "price_usd_per_gpu_hour")
MAX_GPUS = 65536
DEQUANT_FLOP_PER_WEIGHT = 2.0


@dataclass(frozen=True)
class FinetuneEstimate:
    """Result of :func:`estimate_finetune`."""

    model: str
    method: str
    gpu: str
    gpus: float  #: accelerators of the run [count]
    rank: int | None
    target_modules: tuple
    trainable_params: float  #: [count]
    params: float  #: parameters of the base model [count]
    tokens: float  #: fine-tuning tokens [count]
    seq_len: int
    micro_batch: int
    checkpointing: bool
    paged_optimizer: bool
    memory_per_gpu_bytes: dict  #: weights, adapters, gradients, optimizer, activations, other, total [bytes]
    accelerator_memory_bytes: float
    fits: bool
    min_gpus: float  #: smallest accelerator count the run fits on [count]
    training_flop: float  #: model FLOP of the fine-tuning run [FLOP]
    flop_breakdown: dict  #: sums to training_flop [FLOP]
    mfu: float
    wall_clock_hours: float
    cost_usd: float  #: cloud rental [USD]
    price_usd_per_gpu_hour: float
    price_source: str
    date: object = None  #: date of the prices
    scratch: dict | None = None  #: pre-training a model of the same size: tokens, training_flop, cost_usd
    notes: tuple = field(default=())

    def to_dict(self, convert=None) -> dict:
        c = convert or jsonable
        d = {k: c(v) for k, v in vars(self).items() if k not in ("memory_per_gpu_bytes", "flop_breakdown", "notes")}
        d["target_modules"] = list(self.target_modules)
        d["memory_per_gpu_bytes"] = {k: c(v) for k, v in self.memory_per_gpu_bytes.items()}
        d["flop_breakdown"] = {k: c(v) for k, v in self.flop_breakdown.items()}
        d["notes"] = list(self.notes)
        d["date"] = self.date.isoformat() if self.date is not None else None
        return d


def finetune_flop_breakdown(arch, method, tokens, *, seq_len, micro_batch=1, trainable_params=0.0, checkpointing=True):
    """Ordered FLOP of fine-tuning on ``tokens`` tokens (module docstring); sums to the total. [FLOP]"""
    fwd = forward_flop_per_token_breakdown(arch, seq_len)
    scores = fwd.get("attention/scores", 0.0)
    matrices = sum(fwd.values()) - scores
    if method == "full":
        return {"matrices": 3.0 * matrices * tokens, "attention/scores": 3.0 * scores * tokens}
    out = {"matrices (frozen: forward + input gradients)": 2.0 * matrices * tokens,
           "attention/scores": 3.0 * scores * tokens, "adapters": 6.0 * trainable_params * tokens}
    if method == "qlora":
        steps = tokens / (seq_len * micro_batch)
        passes = 3.0 if checkpointing else 2.0
        out["dequantization"] = DEQUANT_FLOP_PER_WEIGHT * fm.linear_params(arch) * passes * steps
    return out


def smallest_fit(arch, method, memory_bytes, **mem_kw) -> float:
    """Smallest accelerator count whose per-accelerator total fits in ``memory_bytes``; NaN if none."""
    counts = np.unique(np.concatenate([np.arange(1, 1025), 2.0 ** np.arange(10, int(math.log2(MAX_GPUS)) + 1)]))
    total = fm.memory_breakdown(arch, method, gpus=counts, **mem_kw)["total"]
    ok = np.nonzero(total <= memory_bytes)[0]
    return float(counts[ok[0]]) if ok.size else math.nan


def estimate_finetune(*, model, method="lora", tokens, gpu="h100", gpus=None, rank=None, target_modules=None,
                      seq_len=None, micro_batch=1, checkpointing=True, paged_optimizer=None, compare_scratch=False,
                      mfu=None, dtype="bf16", goodput=1.0, price_usd_per_gpu_hour=None, provider=None,
                      price_kind="on-demand", date=None, catalog=None, samples=None, seed=None,
                      uncertainty=False) -> FinetuneEstimate:
    """Memory, fit, FLOP, time and dollars of fine-tuning ``model`` on ``tokens`` tokens.

    method: full | lora | qlora; rank [count] and target_modules (``q,k,v,o,gate,up,down`` or ``all``);
    seq_len [tokens] (default: the model's pre-training length); micro_batch [sequences per accelerator];
    gpus [count] (default: the smallest set it fits on). Other arguments as :func:`costcurve.estimate_training`.
    ``tokens``, ``mfu``, ``goodput`` and the price may be ranges (seeded Monte Carlo of time and dollars;
    memory does not depend on them); ``uncertainty`` adds the default MFU and price spreads.
    Raises :class:`NoAnswerError` when it fits on no set of up to 65,536 accelerators.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    kwargs = dict(model=model, method=method, tokens=tokens, gpu=gpu, gpus=gpus, rank=rank, target_modules=target_modules,
                  seq_len=seq_len, micro_batch=micro_batch, checkpointing=checkpointing, paged_optimizer=paged_optimizer,
                  compare_scratch=compare_scratch, mfu=mfu, dtype=dtype, goodput=goodput,
                  price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider, price_kind=price_kind, date=date,
                  catalog=cat)
    if uncertainty or any_range(kwargs, NUMERIC):
        return monte_carlo(estimate_finetune, kwargs, NUMERIC, samples=samples, seed=seed, uncertainty=uncertainty,
                           target="cost_usd", constant="tokens", integer=())
    from ..inputs import check_monte_carlo_options, check_result

    check_monte_carlo_options(samples, seed, False)
    name, arch, record, tokens, seq, mb, targets, r, paged = _setup(cat, model, method, tokens, seq_len, micro_batch,
                                                                   target_modules, rank, paged_optimizer)
    acc = cat.accelerator(gpu)
    mem_kw = dict(rank=r, targets=targets or None, seq_len=seq, micro_batch=mb, checkpointing=checkpointing, paged=paged)
    min_gpus = smallest_fit(arch, method, acc.memory_bytes, **mem_kw)
    if math.isnan(min_gpus):
        one = fm.memory_breakdown(arch, method, gpus=MAX_GPUS, **mem_kw)
        raise NoAnswerError(f"{name} ({method}) does not fit on any number of {acc.name}: activations alone take "
                            f"{one['activations'] / 2**30:,.1f} GiB per accelerator of {acc.memory_bytes / 2**30:,.0f} GiB; "
                            "needed: a shorter `seq_len`, a smaller `micro_batch`, `checkpointing`, or a larger accelerator",
                            field="gpu")
    n = min_gpus if gpus is None else float(number_input(gpus, "gpus", integer=True))
    mem = fm.memory_breakdown(arch, method, gpus=n, **mem_kw)
    from ..architecture import count_params

    trainable = count_params(arch) if method == "full" else fm.adapter_params(arch, r, targets)
    breakdown = finetune_flop_breakdown(arch, method, tokens, seq_len=seq, micro_batch=mb, trainable_params=trainable,
                                        checkpointing=checkpointing)
    flop = sum(breakdown.values())
    check_result(flop, "fine-tuning FLOP", {"tokens": tokens}, unit="FLOP")
    chain = dict(gpu=acc.name, gpus=n, mfu=mfu, dtype=dtype, goodput=goodput, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                 provider=provider, price_kind=price_kind, date=date, catalog=cat)
    est = run_training(chain, training_flop=flop, params=count_params(arch, active=True), tokens=tokens)
    require_price(est)
    notes = ["activation memory: Korthikanti et al. 2022 per-layer count (costcurve.training.planner.activation_bytes_per_layer), "
             "fused attention assumed"]
    if not mem["total"] <= acc.memory_bytes:
        notes.append(f"does not fit on {n:g} × {acc.name}; the smallest set is {min_gpus:g}")
    scratch = _scratch(arch, record, chain, est.cost_cloud_usd) if compare_scratch else None
    return FinetuneEstimate(
        model=name, method=method, gpu=acc.name, gpus=n, rank=r, target_modules=targets, trainable_params=trainable,
        params=count_params(arch), tokens=tokens, seq_len=seq, micro_batch=mb, checkpointing=bool(checkpointing),
        paged_optimizer=paged, memory_per_gpu_bytes=mem, accelerator_memory_bytes=acc.memory_bytes,
        fits=bool(mem["total"] <= acc.memory_bytes), min_gpus=min_gpus, training_flop=flop, flop_breakdown=breakdown,
        mfu=plain(est.mfu), wall_clock_hours=plain(est.wall_clock_s / SECONDS_PER_HOUR), cost_usd=plain(est.cost_cloud_usd),
        price_usd_per_gpu_hour=plain(est.price_usd_per_gpu_hour), price_source=est.price_source, date=est.date,
        scratch=scratch,
        notes=tuple(notes))


#: most sequences per accelerator per step [count]: 2**24, the planner's bound on a global batch
MAX_MICRO_BATCH = float(2**24)
#: longest fine-tuning sequence [tokens]: 2**24, beyond the longest context windows published (10M tokens,
#: Llama 4 Scout); not the model's own window, which fine-tuning may extend (MLPerf's Llama 2 70B LoRA: 8,192)
MAX_SEQ_LEN = float(2**24)


def _setup(cat, model, method, tokens, seq_len, micro_batch, target_modules, rank, paged_optimizer) -> tuple:
    """Checked inputs: (name, architecture, trained-model record, tokens, seq_len, micro_batch, adapter
    targets, rank, paged optimizer)."""
    from ..inputs import resolve_model

    name, arch, record = resolve_model(model, cat)
    if arch is None:
        raise InputError(f"{name!r} has no architecture preset; give a preset or a config.json", field="model")
    if method not in fm.METHODS:
        raise InputError(f"got {method!r}; allowed: {', '.join(fm.METHODS)}", field="method")
    tokens = number_input(tokens, "tokens")
    if tokens is None:
        raise InputError("needed: the fine-tuning tokens (e.g. 100M)", field="tokens")
    seq = int(number_input(seq_len, "seq_len", integer=True, upper=MAX_SEQ_LEN)) if seq_len is not None \
        else min(arch.pretrain_seq_len, 4096)
    mb = int(number_input(micro_batch, "micro_batch", integer=True, upper=MAX_MICRO_BATCH))
    targets = () if method == "full" else fm.parse_targets(target_modules if target_modules is not None
                                                            else fm.DEFAULT_TARGETS[method])
    r = None if method == "full" else int(number_input(rank if rank is not None else fm.DEFAULT_RANK[method], "rank",
                                                       integer=True, upper=arch.d_model))  # a LoRA rank ≤ the width
    paged = (method == "qlora") if paged_optimizer is None else bool(paged_optimizer)
    return name, arch, record, tokens, seq, mb, targets, r, paged


def _scratch(arch, record, chain, finetune_cost) -> dict:
    """Pre-training the same architecture: on its published tokens when known, else Chinchilla-optimal."""
    from ..architecture import count_params
    from .scaling_laws import DEFAULT_LAW, LAWS

    n = count_params(arch, active=True)
    if record is not None and record.get("training_tokens"):
        tokens, how = record["training_tokens"], f"published tokens of {record['name']}"
    else:
        law = LAWS[DEFAULT_LAW]
        g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
        flop = 6.0 * (n / g) ** (1.0 / law.params_exponent)
        tokens, how = flop / (6.0 * n), f"compute-optimal tokens for this size ({law.source.split(',')[0]} et al.: {law.name} law)"
    est = run_training(dict(chain, gpus=None, days=None), params=n, tokens=tokens)
    return {"tokens": tokens, "tokens_from": how, "training_flop": est.training_flop, "cost_usd": est.cost_cloud_usd,
            "wall_clock_hours": est.wall_clock_s / SECONDS_PER_HOUR, "gpus": est.gpus,
            "finetune_share": finetune_cost / est.cost_cloud_usd}
