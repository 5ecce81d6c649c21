"""What it costs to serve a model: memory → roofline time per phase → tokens/s → dollars.

:func:`estimate_inference` is the one path that computes; the CLI and the claims table wrap it.
Numeric arguments accept floats or numpy arrays (sweeps); the result's fields are then arrays.

Roofline per phase on one replica of ``n`` tensor-parallel accelerators (Williams et al. 2009;
Pope et al. 2022, §2–3; Kwon et al. 2023 for paged KV and continuous batching):

* **prefill** (compute-bound) of an ``I``-token prompt:
  ``FLOP_prefill / (n · peak · flop_eff)``; alone (time to first token) it also reads every weight
  once: ``max(weights/(n·bw·bw_eff), linear FLOP/(n·peak·flop_eff)) + attention FLOP/(…) + comm``.
* **decode** step of a batch ``B`` at mean context ``c = I + (O+1)/2``: the linear layers and the
  attention are separate kernels, each bound by the slower of memory and compute:
  ``max(W_read(B)/(n·bw·e_bw), B·F_lin/(n·peak·e_f)) + max(B·KV(c)/(bw·e_bw), B·F_attn(c)/(n·peak·e_f))``;
  ``W_read`` counts only the experts a batch of ``B`` routes to (MoE).
* **tensor-parallel communication**: 2 all-reduces per layer of ``tokens · d · 2`` bytes, ring
  time ``2(n−1)/n · bytes / (interconnect/2 · e_ic) + latency`` (Shoeybi et al. 2019, §3; the
  catalog's interconnect figure is the bidirectional total, so one direction is half of it).
* **steady state** (continuous batching): over the life of ``B`` sequences a replica prefills ``B``
  prompts and runs ``O`` decode steps: ``T = B·t_prefill + O·t_step``; output tokens/s = ``B·O/T``;
  time per output token = ``T/O``; a query costs ``price · n · T / B``, split between input tokens
  (the prefill time) and output tokens (the decode time).

Default efficiencies (:data:`DEFAULTS`): the bandwidth fraction was fitted on the static-batch
tables of TensorRT-LLM v0.6.1, the FLOP fraction on the prefill-bound rows of the TensorRT-LLM 1.0
performance overview; the other rows, the v0.6.1 tables and a later overview are held out; see
docs/inference.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from costcurve.results import NotebookMixin

from costcurve.serving import replica_memory as mem
from costcurve.architecture import Architecture, count_params
from costcurve.catalog import Accelerator, Catalog, load_catalog
from costcurve.errors import CostcurveError, InputError
from costcurve.inputs import (check_choice, check_monte_carlo_options, check_result, check_text, hourly_price,
                     resolve_model)
from costcurve.results import jsonable
from costcurve.serving.dollars import replica_dollars
from costcurve.serving.engines import memory_room_bytes
from costcurve.serving.roofline import _Setup
from costcurve.uncertainty import is_distribution
from costcurve.units import GB, format_number, number_input, parse_date, show

#: default assumptions; docs/inference.md gives the evidence for each
DEFAULTS = {
    "flop_efficiency": 0.51,  #: achieved / peak dense FLOP/s (fitted, prefill-bound rows of TensorRT-LLM v1.0) [1]
    "bandwidth_efficiency": 0.75,  #: achieved / peak HBM bandwidth (fitted, same tables) [1]
    "interconnect_efficiency": 0.70,  #: achieved / peak one-direction link bandwidth in all-reduce (assumed) [1]
    "allreduce_latency_s": 10e-6,  #: fixed cost of one small all-reduce on NVLink (assumed) [s]
    "memory_utilization": 0.90,  #: share of accelerator memory the engine may use (vLLM default) [1]
    "max_batch": 2048,  #: largest batch an engine schedules (TensorRT-LLM max_batch_size default) [count]
    "input_tokens": 161,  #: ShareGPT mean prompt, 161.31 (Kwon et al. 2023, vLLM, Fig. 11) [tokens]
    "output_tokens": 338,  #: ShareGPT mean answer, 337.99 (ibid.) [tokens]
}
INTERCONNECT_FALLBACK_BYTES_PER_S = 64e9  #: PCIe Gen4 x16 both directions, when the catalog has none


class DoesNotFitError(CostcurveError):
    """The weights plus one sequence do not fit in the memory of the accelerators given."""

    def __init__(self, message, *, required_bytes, available_bytes, min_gpus, field="gpus"):
        super().__init__(message, field=field)
        self.required_bytes, self.available_bytes, self.min_gpus = required_bytes, available_bytes, min_gpus


#: per-user decode speed an interactive service keeps, which sets the default batch [tokens/s]: 25, a time
#: per output token of 40 ms, the bound of MLPerf Inference v5.0's "Llama 2 70B Interactive" scenario
#: (MLCommons, April 2025: 5x shorter than the 200 ms of the original Llama 2 70B server scenario)
DEFAULT_TOKENS_PER_S_PER_USER = 25.0


@dataclass(frozen=True)
class InferenceEstimate(NotebookMixin):
    """Result of :func:`estimate_inference`; per replica of ``gpus`` accelerators unless named otherwise."""

    _report_kind = "infer"  #: notebook display: the report sections of this kind

    model: str
    gpu: str
    dtype: str  #: weight dtype
    kv_dtype: str
    gpus: object  #: accelerators per replica (tensor-parallel degree) [count]
    batch: object  #: sequences decoded together [count]
    max_batch: object  #: largest batch the memory holds at this context (before the engine cap) [count]
    input_tokens: object  #: prompt tokens per query [tokens]
    output_tokens: object  #: visible answer tokens per query [tokens]
    fits: object  #: whether ``batch`` sequences fit in memory [bool]
    params_total: float  #: [count]
    params_active: float  #: [count]
    weight_bytes: float  #: whole model [bytes]
    kv_cache_bytes_per_token: float  #: whole model, one token, all layers [bytes]
    memory_required_bytes: object  #: per accelerator: weights/n + KV of the batch + activations [bytes]
    memory_usable_bytes: float  #: per accelerator: memory × memory_utilization [bytes]
    time_to_first_token_s: object  #: prefill of one prompt alone, no queueing [s]
    decode_step_s: object  #: one decode step of the batch [s]
    time_per_output_token_s: object  #: mean gap between a user's tokens, prefills included [s]
    decode_bound: object  #: "memory" | "compute": what limits the decode step
    tokens_per_second: object  #: output tokens per second per replica [tokens/s]
    tokens_per_second_per_accelerator: object  #: [tokens/s]
    input_tokens_per_second: object  #: prompt tokens per second per replica [tokens/s]
    queries_per_second: object  #: per replica [1/s]
    roofline_tokens_per_second: object  #: the same batch with every efficiency 1 and no latency [tokens/s]
    price_usd_per_gpu_hour: object  #: [USD/h]; NaN if none known
    price_source: str
    utilization: object  #: share of paid time spent serving at this batch [1]
    usd_per_million_input_tokens: object  #: [USD]
    usd_per_million_output_tokens: object  #: [USD]
    usd_per_query: object  #: [USD]
    usd_per_billion_queries: object  #: [USD]
    queries_per_day: object  #: demand to serve [1/day]; NaN if not given
    replicas_needed: object  #: [count]; NaN without queries_per_day
    accelerators_needed: object  #: [count]; NaN without queries_per_day
    usd_per_day: object  #: [USD/day]; NaN without queries_per_day
    meets_latency_target: object  #: [bool]; True when no target was given
    date: dt.date
    efficiencies: dict = field(default_factory=dict)
    engine: str | None = None  #: serving engine profile (costcurve.serving.engines); None: DEFAULTS
    ttft_p95_s: object = None  #: p95 time to first token at ``load_per_s`` (load model) [s]
    tpot_p95_s: object = None  #: p95 time per output token at ``load_per_s`` (load model) [s]
    memory_breakdown_bytes: dict = field(default_factory=dict)  #: per accelerator, sums to memory_required_bytes
    #: tp, expert_parallel, attention_dp, disaggregated; with separate pools also prefill_accelerator_share [1]
    layout: dict = field(default_factory=dict)
    reasoning_tokens: object = 0.0  #: thinking tokens per query, decoded before the answer [tokens]
    notes: tuple[str, ...] = ()
    #: how ``batch`` was chosen: "given", "largest that fits", "largest within the latency target",
    #: "largest at 25 tokens/s per user or more" (see DEFAULT_TOKENS_PER_S_PER_USER)
    batch_rule: str = ""

    def to_dict(self, convert=None) -> dict:
        """JSON-ready dict of every field (NaN → None, arrays → lists, or ``convert`` of each value)."""
        c = convert or jsonable
        d = {f.name: c(getattr(self, f.name)) for f in fields(self)}
        d["date"] = self.date.isoformat()
        for k in ("ttft_p95_s", "tpot_p95_s"):  # only when a load was given
            if getattr(self, k) is None:
                d.pop(k)
        return d


def _plain(v):
    """0-d arrays → Python scalars, so scalar inputs give scalar fields."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---- the estimate ----------------------------------------------------------------------------
_num = number_input  # parse and check a user number

#: tensor-parallel counts tried for the default ``gpus``: powers of two 1..4096 (a replica larger
#: than 4,096 accelerators is beyond any published serving deployment)
TP_CANDIDATES = 2.0 ** np.arange(0, 13)
GROUP_SIZE_DTYPES = ("int8", "int4")  #: weight formats stored in groups with scales (see costcurve.serving.replica_memory)


def _memory_per_accelerator(s: _Setup, acc: Accelerator, n, batch, I, O, mem_util, chunk, of_free=False):
    """(usable, weights, KV of the batch, activations, KV of one mean sequence, KV of one full sequence).

    ``usable``: ``mem_util`` of all memory, or (``of_free``, TensorRT-LLM's KV fraction) weights + activations
    + ``mem_util`` of the memory they leave free (:func:`costcurve.serving.engines.memory_room_bytes`)."""
    weights = mem.weight_bytes(s.arch, s.dtype, group_size=s.group_size) / n
    act = mem.activation_bytes(s.arch, n, prefill_chunk_tokens=chunk)
    usable = memory_room_bytes(acc.memory_bytes, weights + act, mem_util, of_free)[0]
    kv_mean = mem.kv_cache_bytes(s.arch, I + O / 2, s.kv_dtype, n)
    kv_full = mem.kv_cache_bytes(s.arch, I + O, s.kv_dtype, n)
    return usable, weights, batch * kv_mean, act, kv_mean, kv_full


def _max_batch(usable, weights, act, kv_mean, kv_full):
    free = usable - weights - act
    return np.where(free >= kv_full, np.floor(np.maximum(free, 0) / kv_mean), 0.0)


def estimate_inference(*, model, gpu="h100", gpus=None, dtype=None, kv_dtype=None, group_size=None, batch=None,
                       input_tokens=None, output_tokens=None, queries_per_day=None,
                       max_time_per_output_token_s=None, max_time_to_first_token_s=None,
                       price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand", date=None, utilization=1.0,
                       flop_efficiency=None, bandwidth_efficiency=None, interconnect_efficiency=None,
                       allreduce_latency_s=None, memory_utilization=None, max_batch=None,
                       prefill_chunk_tokens=mem.DEFAULT_PREFILL_CHUNK_TOKENS, catalog=None, calibration=None,
                       samples=None, seed=None, uncertainty=False, engine=None, load_per_s=None,
                       expert_parallel=None, attention_dp=None, disaggregated=None, reasoning_tokens=None,
                       min_tokens_per_s_per_user=DEFAULT_TOKENS_PER_S_PER_USER):
    """Estimate memory, latency, throughput and dollars of serving ``model`` on ``gpu``.

    Parameters (numbers may be floats, text like ``"8.5B"``, or numpy arrays that broadcast):
        model: preset name, trained-model name, Hugging Face config.json path, or Architecture.
        gpu: accelerator name or alias; gpus: accelerators per replica, tensor parallel [count];
            default: the smallest power of two that holds the weights and one sequence.
        dtype: weights, bf16 | fp16 | fp8 | int8 | int4 (int8/int4 are weight-only: compute in the chip's
            16-bit format); default the chip's own 16-bit format (bf16, or fp16 on a V100/T4/K80).
        kv_dtype: KV cache dtype; default fp8 with fp8 weights, else the chip's 16-bit format.
        group_size: quantization group of int4/int8 weights [weights, whole >= 1]; refused for others.
        batch: sequences decoded together [count]; default the largest that fits, capped by
            ``max_batch`` (engine limit, default 2048) and by ``max_time_per_output_token_s``, or without
            that target by ``min_tokens_per_s_per_user`` [tokens/s] (default
            :data:`DEFAULT_TOKENS_PER_S_PER_USER`; None: the largest that fits).
        input_tokens, output_tokens: per query [tokens]; default 161 and 338 (ShareGPT means).
        queries_per_day: demand [1/day]; gives replicas, accelerators and dollars per day.
        max_time_per_output_token_s, max_time_to_first_token_s: latency targets [s; text may carry
            a unit: ``"50ms"``].
        price_usd_per_gpu_hour [USD/h]; provider, price_kind, date: catalog price filters.
        utilization: share of paid accelerator time spent serving at this batch (0, 1].
        flop_efficiency, bandwidth_efficiency, interconnect_efficiency (0, 1]; allreduce_latency_s [s];
            memory_utilization (0, 1]: overrides of :data:`DEFAULTS`.
        prefill_chunk_tokens: activation workspace size [tokens]. catalog: Catalog or user CSV path(s).
        calibration: a profile from ``costcurve measure`` (dict or path); its measured compute and
            bandwidth efficiency replace the defaults that are not given explicitly.
        samples, seed, uncertainty: any numeric argument may be a range or distribution (``"0.5..0.8"``,
            see :mod:`costcurve.uncertainty`); then, or with ``uncertainty=True`` (spread on the default
            price and efficiencies too), a seeded Monte Carlo returns an ``UncertainEstimate``.
        engine: trtllm | vllm | sglang: efficiencies, per-step and per-request overheads and the batch
            cap from that engine's profile (:mod:`costcurve.serving.engines`); None: :data:`DEFAULTS`.
        load_per_s: arrival rate per replica [1/s] (single values only): adds p95 TTFT and TPOT from
            the continuous-batching load model (:mod:`costcurve.serving.load`).
        expert_parallel: routed experts whole on the ``gpus`` ranks (E/gpus each) instead of sliced;
            attention_dp: attention, dense MLPs and shared experts data parallel over the ranks, each
            holding its own requests' KV cache (implies expert_parallel; MoE models only);
            disaggregated: separate prefill and decode pools (time per output token without prefill
            stalls; the first token waits for the KV transfer). A mixture-of-experts model, or any of
            these, is computed by the serving step model (:mod:`costcurve.serving.step`).
        reasoning_tokens: thinking tokens per query [tokens] (default 0), decoded like the answer: the
            decode length is output + reasoning tokens (time, KV cache, batch, dollars per query).
    Raises :class:`DoesNotFitError` when no element fits in memory; elements that do not fit are NaN.
    Every bad argument, and a result that is not finite, raises an InputError naming the parameter.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    local = dict(locals())
    if not isinstance(uncertainty, bool):
        raise InputError(f"got {show(uncertainty)}; allowed: True or False", field="uncertainty")
    uncertain = uncertainty or any(is_distribution(local[k]) for k in MC_NUMERIC)
    check_monte_carlo_options(samples, seed, uncertain)
    if load_per_s is not None and uncertain:
        raise InputError("a load needs single values: drop the ranges and the uncertainty", field="load_per_s")
    if uncertain:
        return _monte_carlo(local, samples=samples, seed=seed, uncertainty=uncertainty)
    kwargs = {k: v for k, v in local.items() if k not in ("samples", "seed", "uncertainty", "cat", "catalog")}
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return _estimate(cat, **kwargs)


class _Query(NamedTuple):
    I: object  # input tokens [tokens]
    O: object  # output tokens [tokens]
    cap: object  # engine batch limit [count]
    chunk: object  # prefill chunk [tokens]
    util: object  # share of paid time serving [1]
    mu: object  # memory utilization [1]
    of_free: bool = False  # mu is a share of the memory weights and activations leave free (TensorRT-LLM)


def _estimate(cat, *, model, gpu, gpus, dtype, kv_dtype, group_size, batch, input_tokens, output_tokens,
              queries_per_day, max_time_per_output_token_s, max_time_to_first_token_s, price_usd_per_gpu_hour,
              provider, price_kind, date, utilization, flop_efficiency, bandwidth_efficiency,
              interconnect_efficiency, allreduce_latency_s, memory_utilization, max_batch, prefill_chunk_tokens,
              calibration, engine=None, load_per_s=None, expert_parallel=None, attention_dp=None,
              disaggregated=None, reasoning_tokens=None, min_tokens_per_s_per_user=None) -> InferenceEstimate:
    """One point estimate (arrays broadcast): setup → replica size and batch → times → dollars → checks."""
    notes = []
    check_text(gpu, "gpu")
    check_text(provider, "provider", optional=True)
    acc = cat.accelerator(gpu)
    prof, D = _engine_defaults(engine)
    s, eff, name = _setup(cat, acc, model, dtype, kv_dtype, group_size, calibration, flop_efficiency,
                          bandwidth_efficiency, interconnect_efficiency, allreduce_latency_s, memory_utilization, notes,
                          defaults=D)
    date = parse_date(date)
    R = 0.0 if reasoning_tokens is None else _num(reasoning_tokens, "reasoning_tokens", integer=True, allow_zero=True)
    q = _Query(_num(input_tokens if input_tokens is not None else D["input_tokens"], "input_tokens", integer=True),
               R + _num(output_tokens if output_tokens is not None else D["output_tokens"], "output_tokens",
                        integer=True),  # decode length: thinking tokens, then the answer
               _num(max_batch if max_batch is not None else D["max_batch"], "max_batch", integer=True),
               _num(prefill_chunk_tokens, "prefill_chunk_tokens", integer=True),
               _num(utilization, "utilization", kind="plain", upper=1.0), eff["memory_utilization"],
               bool(prof is not None and prof.kv_fraction_of_free))
    if np.any(np.asarray(q.I) + np.asarray(q.O) > s.arch.context_length):
        notes.append(f"input + output tokens exceed {name}'s context length of {s.arch.context_length:,}")
    tpot_target = _num(max_time_per_output_token_s, "max_time_per_output_token_s", kind="time")
    ttft_target = _num(max_time_to_first_token_s, "max_time_to_first_token_s", kind="time")
    speed = _num(min_tokens_per_s_per_user, "min_tokens_per_s_per_user", kind="plain")
    be = _step_backend(s, acc, prof, eff, expert_parallel, attention_dp, disaggregated, load_per_s)
    n, B, mb, fits, smallest, rule = _replica(s, acc, name, q, gpus, batch, tpot_target, notes, speed, be, prof)
    given = {"gpus": gpus, "batch": batch, "input_tokens": input_tokens, "output_tokens": output_tokens,
             "queries_per_day": queries_per_day, "price_usd_per_gpu_hour": price_usd_per_gpu_hour,
             "utilization": utilization, "max_time_per_output_token_s": max_time_per_output_token_s,
             "max_time_to_first_token_s": max_time_to_first_token_s,
             **{k: v for k, v in (("flop_efficiency", flop_efficiency), ("bandwidth_efficiency", bandwidth_efficiency),
                                  ("interconnect_efficiency", interconnect_efficiency),
                                  ("allreduce_latency_s", allreduce_latency_s),
                                  ("memory_utilization", memory_utilization)) if v is not None}}
    given = {k: _plain_given(v) for k, v in given.items() if v is not None}
    t = be.times(n, B, q.I, q.O, fits)
    meets = _latency(t, tpot_target, ttft_target, notes)
    price, price_source = hourly_price(cat, acc, date, price_usd_per_gpu_hour, provider=provider, price_kind=price_kind, notes=notes)
    dollars = replica_dollars(price, n, B, q, t, _num(queries_per_day, "queries_per_day"))
    _check_results(t, dollars, given)
    usable, w_acc, kv_b, act = _memory_of(s, acc, n, B, q, be)
    breakdown = {"weights": _plain(w_acc), "kv_cache": _plain(kv_b), "activations": _plain(act)}
    load = _load_percentiles(prof, s, acc, n, B, q, eff, load_per_s, be)
    notes.extend(load.pop("notes", ()))
    return _finish(
        model=name, gpu=acc.name, dtype=s.dtype, kv_dtype=s.kv_dtype, gpus=n, batch=B, max_batch=mb,
        input_tokens=q.I, output_tokens=q.O - R, reasoning_tokens=R, fits=fits, params_total=count_params(s.arch),
        params_active=count_params(s.arch, active=True),
        weight_bytes=mem.weight_bytes(s.arch, s.dtype, group_size=s.group_size),
        kv_cache_bytes_per_token=float(mem.kv_cache_bytes_per_token(s.arch, s.kv_dtype, 1)),
        memory_required_bytes=w_acc + kv_b + act, memory_usable_bytes=usable, meets_latency_target=meets,
        price_usd_per_gpu_hour=price, price_source=price_source, utilization=q.util, date=date,
        efficiencies={k: _plain(v) for k, v in eff.items()}, memory_breakdown_bytes=breakdown, notes=tuple(notes),
        **{k: v for k, v in t.items() if not k.startswith("_")}, **dollars,
        engine=None if prof is None else prof.engine, batch_rule=rule,
        layout=be.layout(_plain(n), t) if _memory_backend(s, be) else {}, **load)


def _check_results(t, dollars, given):
    """A time or a dollar figure that is not finite is an error naming the inputs, not an answer."""
    for key, what in (("time_to_first_token_s", "time to first token"), ("time_per_output_token_s",
                                                                          "time per output token")):
        check_result(t[key], what, given, unit="s", allow_nan=True)
    for key, what in (("usd_per_query", "cost per query"), ("usd_per_billion_queries", "cost per billion queries"),
                      ("usd_per_million_input_tokens", "cost per million input tokens"),
                      ("usd_per_million_output_tokens", "cost per million output tokens"),
                      ("usd_per_day", "cost per day")):
        check_result(dollars[key], what, given, unit="USD", allow_nan=True)


def _plain_given(v):
    return None if isinstance(v, str) else v


# ---- step 1: setup (model, dtypes, efficiencies) ---------------------------------------------
def _setup(cat, acc, model, dtype, kv_dtype, group_size, calibration, flop_efficiency, bandwidth_efficiency,
           interconnect_efficiency, allreduce_latency_s, memory_utilization, notes, defaults=DEFAULTS):
    """(_Setup, efficiencies used, model name): dtypes and group size checked, calibration applied."""
    store16 = "bf16" if acc.half_dtype == "bf16" else "fp16"  # 16-bit storage; a K80 computes it in fp32
    dtype = store16 if dtype is None else dtype
    check_choice(dtype, mem.WEIGHT_DTYPES, "dtype")
    kv_dtype = kv_dtype or ("fp8" if dtype == "fp8" else store16)
    check_choice(kv_dtype, mem.KV_DTYPES, "kv_dtype")
    # -- bf16 on a chip without bf16 (V100, T4, K80): the catalog's refusal, naming the option given --
    for field_, given_ in (("dtype", dtype), ("kv_dtype", kv_dtype)):
        if given_ == "bf16" and store16 != "bf16":  # same words as Accelerator.peak_flop_per_s
            raise InputError(f"{acc.name} has no bf16; use `{field_}` fp16", field=field_)
    # -- end bf16 check --
    if group_size is not None:
        if dtype not in GROUP_SIZE_DTYPES:
            raise InputError(f"applies to int4 and int8 weights only; the weights are {dtype}", field="group_size")
        group_size = int(_num(group_size, "group_size", integer=True, low=1.0))
    compute = "fp8" if dtype == "fp8" else acc.half_dtype  # the chip's own 16-bit format
    acc.peak_flop_per_s(compute)  # the catalog's refusal of a format the chip lacks
    name, arch, _ = resolve_model(model, cat)
    if arch is None:
        raise InputError(f"{name!r} has no architecture preset; give a preset or a config.json", field="model")
    D = defaults
    if calibration is not None:
        if flop_efficiency is not None and bandwidth_efficiency is not None:
            raise InputError("a calibration profile sets the FLOP and bandwidth efficiencies, and both were given "
                             "too: give the profile or the efficiencies", field="calibration")
        from costcurve.calibration import calibrated_efficiency

        cal = calibrated_efficiency(calibration, acc, compute, count_params(arch, active=True))
        used = []
        if flop_efficiency is None:
            flop_efficiency = cal.flop_fraction
            used.append("FLOP")
        if bandwidth_efficiency is None and cal.bandwidth_fraction is not None:
            bandwidth_efficiency = cal.bandwidth_fraction
            used.append("bandwidth")
        notes.append(f"{' and '.join(used) or 'no'} efficiency from the calibration profile (one device; "
                     "tensor-parallel links not measured)")
    given = {"flop_efficiency": flop_efficiency, "bandwidth_efficiency": bandwidth_efficiency,
             "interconnect_efficiency": interconnect_efficiency, "memory_utilization": memory_utilization}
    eff = {k: _num(D[k] if v is None else v, k, kind="plain", upper=1.0) for k, v in given.items()}
    eff["allreduce_latency_s"] = _num(D["allreduce_latency_s"] if allreduce_latency_s is None else allreduce_latency_s,
                                      "allreduce_latency_s", kind="time", allow_zero=True)
    if acc.interconnect_bytes_per_s is None:  # the step model assumes the same (serving.step.PCIE_FALLBACK_BYTES_PER_S)
        notes.append(f"{acc.name} has no interconnect figure in the catalog: assumed PCIe Gen4 x16 (64 GB/s)")
    s = _Setup(arch, dtype, kv_dtype, group_size)
    return s, eff, name


# ---- step 2: replica size and batch (memory) -------------------------------------------------
def _memory_of(s: _Setup, acc, n, B, q: _Query, be=None):
    """(usable, weights, KV of the batch, activations) per accelerator, from the step model when there is one."""
    usable, w_acc, kv_b, act, _, _ = _memory_per_accelerator(s, acc, n, B, q.I, q.O, q.mu, q.chunk, q.of_free)
    mbe = _memory_backend(s, be)
    return (usable, w_acc, kv_b, act) if mbe is None else (usable, *mbe.memory(n, B, q.I, q.O))


def _memory_backend(s: _Setup, be):
    """The step model's memory for MoE models and separate pools; None: a dense replica's own accounting here
    (its activations at ``prefill_chunk_tokens``, ``memory_utilization`` elementwise)."""
    return be if be is not None and (s.arch.is_moe or be.disaggregated) else None


def _replica(s: _Setup, acc, name, q: _Query, gpus, batch, tpot_target, notes, speed=None, be=None, prof=None):
    """(accelerators per replica, batch, largest batch that fits, fits, smallest count that fits, how the batch
    was chosen). ``be``: the step model (MoE, layouts); an engine profile that reserves whole sequences (TensorRT-LLM's
    default scheduler) admits a sequence only with KV room for all of it."""
    reserve = bool(prof is not None and prof.reserve_full_sequence)
    mbe = _memory_backend(s, be)

    def fit(n):
        if mbe is not None:
            return be.fit(n, q.I, q.O)
        usable, w, _, act, kv_mean, kv_full = _memory_per_accelerator(s, acc, n, 0.0, q.I, q.O, q.mu, q.chunk, q.of_free)
        return _max_batch(usable, w, act, kv_full if reserve else kv_mean, kv_full)

    smallest = next((int(n) for n in TP_CANDIDATES if np.all(fit(n) >= 1)), None)
    if gpus is None:
        if smallest is None:
            err = _does_not_fit(s, acc, name, float(TP_CANDIDATES[-1]), q.I, q.O, q.mu, q.chunk, None, q.of_free)
            if np.any(np.asarray(q.I) + np.asarray(q.O) > s.arch.context_length):  # the query, not the count
                err.field = "input_tokens" if np.any(np.asarray(q.I) > s.arch.context_length) else "output_tokens"
            raise err
        n = float(smallest)
        if n > 1:
            notes.append(f"gpus not given: {smallest} (smallest power of two that holds the weights and one sequence)")
    else:
        n = _num(gpus, "gpus", integer=True, upper=MAX_REPLICA_GPUS)
    mb = fit(n)
    if np.all(mb < 1):
        raise _does_not_fit(s, acc, name, n, q.I, q.O, q.mu, q.chunk, smallest, q.of_free)
    rule = "given"
    if batch is None:
        cap = q.cap if mbe is None else q.cap * mbe.ranks_per_scheduler(n)  # an engine cap per rank's scheduler
        B = np.maximum(np.minimum(mb, cap), 1.0)
        rule = "largest that fits"
        if tpot_target is not None:
            B = be.largest_batch_within(n, q.I, q.O, B, tpot_target)
            rule = "largest within the latency target"
        elif speed is not None:
            B = be.largest_batch_within(n, q.I, q.O, B, 1.0 / speed)
            rule = f"largest at {speed:g} tokens/s per user or more"
            notes.append(f"batch: the largest that keeps {speed:g} output tokens/s per user (time per output token "
                         f"<= {1e3 / speed:g} ms, the interactive target of MLPerf Inference v5.0); give `batch` to "
                         "choose one")
    else:
        B = _num(batch, "batch", integer=True)
    fits = (np.asarray(B) <= mb) & (mb >= 1)
    if not np.any(fits):
        raise DoesNotFitError(
            f"batch {np.min(B):g} does not fit: at {_f(q.I)} input + {_f(q.O)} output tokens {_f(n)} × {acc.name} hold "
            f"at most {np.max(mb):g} sequences (a smaller batch, more accelerators, or an fp8 KV cache)",
            required_bytes=math.nan, available_bytes=acc.memory_bytes * np.max(n), min_gpus=smallest, field="batch")
    if not np.all(fits):
        notes.append("some batch sizes do not fit in memory: those elements have no figures (not-a-number in arrays)")
    return n, B, mb, fits, smallest, rule


# ---- step 3: time: the step model of costcurve.serving.step (costcurve.serving.layout.StepBackend)
def _latency(t: dict, tpot_target, ttft_target, notes):
    """Whether each element meets the latency targets (True without targets)."""
    meets = np.ones(np.broadcast(t["tokens_per_second"], t["time_to_first_token_s"]).shape, dtype=bool)
    if tpot_target is not None:
        meets = meets & (t["time_per_output_token_s"] <= tpot_target)
    if ttft_target is not None:
        meets = meets & (t["time_to_first_token_s"] <= ttft_target)
    if not np.all(meets):
        notes.append("the latency target is not met at batch 1 for some inputs (meets_latency_target is False)")
    return meets


# ---- step 4: dollars ---------------------------------------------------------------------------
#: most accelerators one replica spans [count]: 2**20, the planner's bound on a cluster (larger counts are
#: typing slips, and the memory fit of 1e308 accelerators is not a number)
MAX_REPLICA_GPUS = 2**20

#: A chat turn with its conversation history: 1,024 prompt tokens (vLLM chatbot workload, Kwon et al.
#: 2023 §6.5) and 338 answer tokens (ShareGPT mean, ibid. Fig. 11); used for ARK's "$0.01 per query".
CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS = 1024, 338

MC_NUMERIC = ("gpus", "batch", "input_tokens", "output_tokens", "reasoning_tokens", "queries_per_day", "max_time_per_output_token_s",
              "max_time_to_first_token_s", "price_usd_per_gpu_hour", "utilization", "flop_efficiency",
              "bandwidth_efficiency", "interconnect_efficiency", "allreduce_latency_s", "memory_utilization")
#: 90% band of achieved/predicted throughput on the held-out measurements (docs/inference.md: errors
#: from -18% to +22%), used as the spread of the default efficiencies under ``uncertainty=True``
EFFICIENCY_SPREAD = (0.82, 1.22)


def _monte_carlo(local: dict, *, samples, seed, uncertainty):
    from costcurve.uncertainty import Dist, price_spread, run_monte_carlo

    kwargs = {k: v for k, v in local.items() if k not in ("samples", "seed", "uncertainty", "cat", "catalog")}
    cat = local["cat"]

    def spreads(base):
        extra = {}
        if not uncertainty:
            return extra
        if kwargs.get("price_usd_per_gpu_hour") is None:
            extra.update(price_spread(cat, base, kwargs.get("provider"), kwargs.get("price_kind", "on-demand")))
        lo, hi = EFFICIENCY_SPREAD
        for k in ("flop_efficiency", "bandwidth_efficiency"):
            if kwargs.get(k) is None:
                v = float(base.efficiencies[k])
                extra[k] = Dist("lognormal", (v * lo, min(v * hi, 1.0)), f"default {k} spread")
        return extra

    def estimator(**kw):
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return _estimate(cat, **kw)

    return run_monte_carlo(estimator, kwargs, MC_NUMERIC, samples=samples, seed=seed,
                           default_spreads=spreads if uncertainty else None,
                           integer=("gpus", "batch", "input_tokens", "output_tokens", "reasoning_tokens"),
                           target="usd_per_query",
                           constant="input_tokens")


# ---- serving engine profile and load (costcurve.serving) ---------------------------------------
def _engine_defaults(engine):
    """(engine profile or None, defaults): the profile's efficiencies and batch cap replace DEFAULTS."""
    if engine is None:
        return None, DEFAULTS
    from costcurve.serving.engines import engine_profile

    prof = engine_profile(engine)
    keys = ("flop_efficiency", "bandwidth_efficiency", "interconnect_efficiency", "allreduce_latency_s",
            "memory_utilization", "max_batch")
    return prof, {**DEFAULTS, **{k: getattr(prof, k) for k in keys}}


def _step_backend(s: _Setup, acc, prof, eff, expert_parallel, attention_dp, disaggregated, load_per_s):
    """The serving step model (:mod:`costcurve.serving.step`, pp = 1) for this model, engine and layout."""
    from costcurve.serving.layout import backend_for

    return backend_for(s, acc, prof, eff, expert_parallel, attention_dp, disaggregated, load_per_s)


def _load_percentiles(prof, s: _Setup, acc, n, B, q: _Query, eff, load_per_s, be=None) -> dict:
    """p95 TTFT and TPOT at ``load_per_s`` from the serving load model; {} without a load."""
    if load_per_s is None:
        return {}
    from costcurve.serving.layout import load_percentiles

    return load_percentiles(prof, s, acc, n, B, q.I, q.O, eff, _num(load_per_s, "load_per_s", kind="plain"), be)


def _finish(**kw) -> InferenceEstimate:
    return InferenceEstimate(**{k: _plain(v) for k, v in kw.items()})


def _f(x) -> str:
    a = np.asarray(x)
    return f"{format_number(float(a))}" if a.ndim == 0 else f"{format_number(float(a.min()))}..{format_number(float(a.max()))}"


def _does_not_fit(s: _Setup, acc: Accelerator, name, n, I, O, mu, chunk, smallest, of_free=False) -> DoesNotFitError:
    n0 = float(np.max(n)) if np.ndim(n) else float(n)
    usable, w, _, act, _, kv_full = _memory_per_accelerator(s, acc, n0, 0.0, np.max(I), np.max(O), mu, chunk, of_free)
    need = n0 * (w + float(np.max(act)) + float(np.max(kv_full)))
    have = n0 * usable
    hint = f"smallest count that fits: {smallest} (`gpus` {smallest})" if smallest else \
        "no count up to 4096 fits; try `dtype` fp8 or int4"
    return DoesNotFitError(
        f"{name} ({s.dtype} weights) does not fit: it needs {format_number(need / GB)} GB (weights {format_number(n0 * w / GB)} GB + one "
        f"{_f(I + O)}-token sequence's KV cache and activations), {n0:g} × {acc.name} have {format_number(have / GB)} GB usable "
        f"({format_number(n0 * acc.memory_bytes / GB)} GB, {'the KV cache' if of_free else 'all'} at memory_utilization "
        f"{float(np.max(mu)):g}{' of what weights and activations leave free' if of_free else ''}); {hint}",
        required_bytes=need, available_bytes=have, min_gpus=smallest)


def usd_per_billion_queries(model, gpu, date, *, input_tokens=None, output_tokens=None, dtype="bf16", gpus=None,
                            price_usd_per_gpu_hour=None, price_kind="on-demand", catalog=None, **kw) -> float:
    """Dollars to answer 1e9 queries with ``model`` on ``gpu`` at prices of ``date``. [USD]

    A scalar wrapper of :func:`estimate_inference` for claims tables (e.g. ARK Invest's forecast of
    $650 per billion queries by 2030, Big Ideas 2023). Query size defaults to the ShareGPT means.
    """
    est = estimate_inference(model=model, gpu=gpu, date=date, input_tokens=input_tokens, output_tokens=output_tokens,
                             dtype=dtype, gpus=gpus, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                             price_kind=price_kind, catalog=catalog, **kw)
    return float(np.asarray(est.usd_per_billion_queries))
