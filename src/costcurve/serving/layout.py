"""The serving step model behind ``estimate_inference`` for mixture-of-experts models and parallel layouts.

:func:`costcurve.estimate_inference` times every model — dense or mixture-of-experts, tensor, expert
or attention-data parallel, colocated or in separate prefill and decode pools — with the step model
of :mod:`.step` at ``pp = 1``: :class:`StepBackend` evaluates it at the efficiencies ``infer``
resolved, once per distinct accelerator count and efficiency value of a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .engines import EngineProfile, engine_profile
from .step import (Replica, decode_cycle_s, max_batch, memory_per_accelerator, prefill_s, time_to_first_token_s)

LAYOUT_KEYS = ("expert_parallel", "attention_dp", "disaggregated")


def _each(be, n, fn, *arrays):
    """``fn(replica, *arrays)`` for each distinct replica width in ``n`` and efficiencies in ``be.sweep``
    (arrays broadcast together)."""
    keys = [n, *(v for _, v in be.sweep)]
    if all(np.ndim(k) == 0 for k in keys):
        return fn(be.replica(int(n)), *arrays)
    shape = np.broadcast(*keys, *arrays).shape
    kk = np.stack([np.broadcast_to(np.asarray(k, dtype=float), shape).ravel() for k in keys], axis=1)
    full = [np.broadcast_to(np.asarray(a, dtype=float), shape).ravel() for a in arrays]
    out = np.empty(kk.shape[0])
    for row in np.unique(kk, axis=0):
        mask = np.all(kk == row, axis=1)
        prof = replace(be.profile, **{k: float(v) for (k, _), v in zip(be.sweep, row[1:])})
        out[mask] = np.broadcast_to(fn(be.replica(int(row[0]), prof), *[a[mask] for a in full]), out[mask].shape)
    return out.reshape(shape)


def backend_for(s, acc, prof, eff, expert_parallel, attention_dp, disaggregated, load_per_s):
    """The :class:`StepBackend` ``infer`` uses (every model; without an engine a dense one has no overheads)."""
    from ..errors import InputError
    from ..units import show

    flags = {"expert_parallel": expert_parallel, "attention_dp": attention_dp, "disaggregated": disaggregated}
    for k, v in flags.items():
        if v is not None and not isinstance(v, (bool, np.bool_)):
            raise InputError(f"got {show(v)}; allowed: True or False", field=k)
    if (expert_parallel or attention_dp) and not s.arch.is_moe:
        raise InputError(f"{s.arch.name} is a dense model: expert and attention-data parallelism apply to "
                         "mixture-of-experts models (give more replicas instead)",
                         field="attention_dp" if attention_dp else "expert_parallel")
    if disaggregated and load_per_s is not None:
        raise InputError("the load model runs colocated replicas; drop the load or the separate pools "
                         "(`costcurve deploy` sizes disaggregated pools under load)", field="disaggregated")
    return StepBackend.build(s, acc, prof, eff, expert_parallel=expert_parallel, attention_dp=attention_dp,
                             disaggregated=disaggregated)


def generic_profile():
    """The step model's profile when no engine is named: TensorRT-LLM's efficiencies and overheads without its
    own conventions: the memory share is of all memory (vLLM's meaning, DEFAULTS), and the MoE dispatch under
    attention data parallelism is an all-to-all (DeepEP's, as DeepSeek serves V3), not TensorRT-LLM's
    all-gather on H100/H200."""
    return replace(engine_profile("trtllm"), kv_fraction_of_free=0, moe_dispatch_allgather=0)


@dataclass(frozen=True)
class StepBackend:
    """One architecture, accelerator, dtypes, efficiencies and layout; every method takes the replica width ``n``."""

    arch: object
    acc: object
    profile: EngineProfile
    dtype: str
    kv_dtype: str
    group_size: int | None
    expert_parallel: bool = False
    attention_dp: bool = False
    disaggregated: bool = False
    #: no layout was asked for: past the scale-up domain an MoE replica runs attention DP + expert parallel
    #: (tensor parallelism across the network is what no MoE deployment runs; DeepSeek's Day-6 system, DEP)
    auto: bool = False
    #: (efficiency name, array) of the efficiencies a sweep varies: the step model runs once per distinct value
    sweep: tuple = ()

    @classmethod
    def build(cls, s, acc, prof, eff, *, expert_parallel=None, attention_dp=None, disaggregated=None):
        """From ``infer``'s setup ``s`` (:class:`costcurve.serving.roofline._Setup`), its engine profile (None:
        TensorRT-LLM's) and the resolved efficiencies ``eff``."""
        keys = ("flop_efficiency", "bandwidth_efficiency", "interconnect_efficiency", "allreduce_latency_s",
                "memory_utilization")
        base = prof or generic_profile()
        if prof is None and not s.arch.is_moe:  # no engine: the bare roofline at the efficiencies, no overheads
            base = replace(base, step_overhead_s=0.0, request_overhead_s=0.0)
        p = replace(base, **{k: float(np.max(eff[k])) for k in keys})
        sweep = tuple((k, np.asarray(eff[k], dtype=float)) for k in keys[:4] if np.ndim(eff[k]))
        auto = s.arch.is_moe and expert_parallel is None and attention_dp is None
        return cls(s.arch, acc, p, s.dtype, s.kv_dtype, s.group_size, bool(expert_parallel or attention_dp),
                   bool(attention_dp), bool(disaggregated), auto, sweep)

    def _dep(self, n: int) -> bool:
        """Attention data parallel at width ``n``: asked for, or chosen past the scale-up domain."""
        if self.attention_dp:
            return n > 1
        if not self.auto:
            return False
        from ..errors import UnknownNameError
        from ..interconnect import interconnect

        try:
            domain = interconnect(self.acc.name).scale_up_domain
        except UnknownNameError:
            domain = 8
        return n > domain

    def replica(self, n: int, profile: EngineProfile | None = None) -> Replica:
        dep = self._dep(n)
        return Replica(self.arch, self.acc, profile or self.profile, tp=n, expert_parallel=(self.expert_parallel or dep) and n > 1,
                       attention_dp=dep, dtype=self.dtype, kv_dtype=self.kv_dtype, group_size=self.group_size)

    def ranks_per_scheduler(self, n):
        """Schedulers the engine cap applies to: ``n`` under attention DP (one per rank), else 1. [count]"""
        return _each(self, n, lambda r: float(r.tp) if r.attention_dp else 1.0)

    def layout(self, n, t=None) -> dict:
        """The layout record of an estimate; with separate pools the prefill pool's share of accelerators [1]."""
        dep = self._dep(int(n)) if np.ndim(n) == 0 else self.attention_dp
        d = {"tp": n, "expert_parallel": self.expert_parallel or dep, "attention_dp": dep,
             "disaggregated": self.disaggregated}
        if self.disaggregated and t is not None:
            share = t["_prefill_accelerator_share"]
            d["prefill_accelerator_share"] = share.item() if np.ndim(share) == 0 else share
        return d

    def times(self, n, B, I, O, fits) -> dict:
        """The time fields of an inference estimate (:func:`times`)."""
        return times(self, n, B, I, O, fits)

    def largest_batch_within(self, n, I, O, hi, target):
        """Largest integer batch in [1, hi] whose time per output token is within ``target`` (bisection)."""
        return largest_batch_within(self, n, I, O, hi, target)

    def fit(self, n, I, O):
        """Largest batch the memory holds (0 if one full sequence does not fit). [count]"""
        return _each(self, n, max_batch, I, O)

    def memory(self, n, B, I, O):
        """(weights, KV of the batch, activations) per accelerator. [bytes]"""
        parts = [_each(self, n, lambda r, b, i, o, key=key: memory_per_accelerator(r, b, i, o)[key], B, I, O)
                 for key in ("weights", "kv_cache", "activations")]
        return tuple(parts)

    def step(self, n, B, c):
        """Decode step of ``B`` sequences at context ``c`` with the engine's step overhead. [s]"""
        return _each(self, n, decode_cycle_s, B, c)

    def prefill(self, n, I):
        """Replica time one prompt's prefill takes inside a batched prefill step, request overhead included. [s]"""
        return _each(self, n, lambda r, i: prefill_s(r, i) + r.profile.request_overhead_s, I)

    def ttft(self, n, I):
        """One prompt alone on an idle replica. [s]"""
        return _each(self, n, time_to_first_token_s, I)

    def ideal(self) -> "StepBackend":
        """The same layout with every efficiency 1 and no latency or overhead (the roofline bound)."""
        p = replace(self.profile, flop_efficiency=1.0, bandwidth_efficiency=1.0, interconnect_efficiency=1.0,
                    allreduce_latency_s=0.0, step_overhead_s=0.0, request_overhead_s=0.0, grouped_gemm_ratio=1.0)
        return replace(self, profile=p, sweep=())

    def bound(self, n, B, c):
        """``"memory"`` or ``"compute"``: what limits the decode step."""
        from .step import stage_step_s

        def one(r, b, cc):
            _, t_mem, t_cmp = stage_step_s(r, b, cc)
            return np.where(t_mem >= t_cmp, 1.0, 0.0)

        return np.where(_each(self, n, one, B, c) > 0.5, "memory", "compute")

    def kv_transfer_s(self, n, I):
        """Moving a prompt's KV cache from a prefill to a decode replica (each accelerator its share). [s]"""
        from costcurve.serving import replica_memory as mem

        def one(r, i):
            bw, lat, _ = r.link(2, stride=r.tp)
            return lat + mem.kv_cache_bytes(self.arch, i, self.kv_dtype, 1) / r.tp / bw

        return _each(self, n, one, I)


def times(be: StepBackend, n, B, I, O, fits) -> dict:
    """The time fields of an inference estimate from the step model (same keys as ``infer``'s roofline path).

    Colocated, over the life of ``B`` sequences a replica prefills ``B`` prompts and runs ``O`` decode
    steps: ``T = B·t_prefill + O·t_step``. Disaggregated (DistServe, Zhong et al. 2024), the same work
    runs on two pools sized to it — the prefill pool's share of accelerators is ``B·t_prefill / T`` —
    so tokens per second per accelerator are the same, while a user's gap between tokens is the decode
    step alone (no prefill stalls) and the first token also waits for the KV cache to cross.
    """
    c = I + (O + 1) / 2
    step = be.step(n, B, c)
    t_pf = be.prefill(n, I)
    ttft = be.ttft(n, I)
    cycle = B * t_pf + O * step
    ideal = be.ideal()
    ideal_cycle = B * ideal.prefill(n, I) + O * ideal.step(n, B, c)
    nan = np.where(fits, 1.0, np.nan)
    tps = B * O / cycle * nan
    out = {"time_to_first_token_s": ttft, "decode_step_s": step * nan, "time_per_output_token_s": cycle / O * nan,
           "decode_bound": be.bound(n, B, c), "tokens_per_second": tps, "tokens_per_second_per_accelerator": tps / n,
           "input_tokens_per_second": tps * I / O, "queries_per_second": B / cycle * nan,
           "roofline_tokens_per_second": B * O / ideal_cycle * nan,
           "_cycle_s": cycle * nan, "_prefill_s": t_pf * nan, "_step_s": step * nan}
    if be.disaggregated:
        out["time_per_output_token_s"] = step * nan
        out["time_to_first_token_s"] = ttft + be.kv_transfer_s(n, I)
        out["_prefill_accelerator_share"] = B * t_pf / cycle * nan
    return out


def largest_batch_within(be: StepBackend, n, I, O, hi, target):
    """Largest integer batch in [1, hi] whose time per output token is within ``target`` (bisection)."""
    shape = np.broadcast(hi, I, O, n, target).shape
    lo, hi = np.ones(shape), np.broadcast_to(np.asarray(hi, dtype=float), shape).copy()
    c = I + (O + 1) / 2

    def tpot(b):
        step = be.step(n, b, c)
        return step if be.disaggregated else (b * be.prefill(n, I) + O * step) / O

    while np.any(hi > lo):
        mid = np.ceil((lo + hi) / 2)
        ok = tpot(mid) <= target
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid - 1)
    return lo if lo.ndim else float(lo)


def load_percentiles(prof, s, acc, n, B, I, O, eff, rate_per_s, be=None) -> dict:
    """p95 TTFT and TPOT of ``infer``'s replica at ``rate_per_s`` requests/s from the load model (:mod:`.load`).

    The replica is ``infer``'s: its engine profile (TensorRT-LLM's without one) at the resolved
    efficiencies, its layout (``be``, or tensor parallel), its batch as the cap, fixed lengths.
    """
    from ..errors import InputError
    from .load import LengthDistribution
    from .replica import ReplicaLoadModel

    if any(np.ndim(x) for x in (I, O, B, n)):
        raise InputError("a load needs single values (no sweeps)", field="load_per_s")
    p = replace(prof or generic_profile(), max_batch=int(B),
                **{k: float(eff[k]) for k in ("flop_efficiency", "bandwidth_efficiency", "interconnect_efficiency",
                                              "allreduce_latency_s", "memory_utilization")})
    r = Replica(s.arch, acc, p, tp=int(n), dtype=s.dtype, kv_dtype=s.kv_dtype, group_size=s.group_size)
    if be is not None:  # the layout of the estimate (expert and attention data parallel)
        r = replace(be.replica(int(n)), profile=p)
    lengths = LengthDistribution(float(I), float(O), sigma=0.0, max_tokens=s.arch.context_length, source="given")
    model = ReplicaLoadModel.build(r, lengths, int(B))
    res = model.evaluate(rate_per_s)
    notes = [] if res.stable else [f"the replica saturates near {model.saturated_rate_per_s:.3g} requests/s: at "
                                   f"{res.arrival_rate_per_s:.3g} its queue grows, p95 latencies grow with the run"]
    return {"ttft_p95_s": res.ttft_p95_s, "tpot_p95_s": res.tpot_p95_s, "notes": notes}
