"""One serving replica — ``tp`` tensor × ``pp`` pipeline parallel accelerators — step by step. [s, bytes]

Roofline per forward step (Williams et al. 2009; Pope et al. 2022 §2–3), with the achieved
fractions and overheads of an engine profile (:mod:`.engines`):

* **decode stage step** of ``b`` sequences at context ``c`` on one pipeline stage (``L/pp`` layers):
  ``max(W_read(b)/(tp·pp·bw·e_bw), b·F_lin/(pp·tp·peak·e_f)) + max(b·KV(c)/(pp·bw·e_bw), b·F_attn(c)/(pp·tp·peak·e_f))
  + comm``; ``W_read`` counts the distinct experts ``b`` tokens touch (:mod:`.moe`); ``comm`` is
  ``2·L/pp`` tensor-parallel all-reduces of ``b·d·2`` bytes (MoE layers under expert parallelism:
  two all-to-alls instead of the MLP's all-reduce), each ``latency + size/bandwidth`` on the link the
  group spans (:mod:`.collectives`).
* **decode cycle** of a batch ``B`` split into ``pp`` micro-batches (pipeline serving): every stage
  runs each micro-batch once per token: ``pp · stage_step(B/pp) + (pp−1) · send(B/pp·d·2) + overhead``;
  with ``pp = 1`` this is the step of :func:`costcurve.roofline.decode_step_s` plus the engine's
  ``step_overhead_s`` (tests check the two agree).
* **prefill** of one ``I``-token prompt inside a running batch: ``FLOP_prefill(I) / (tp·pp·peak·e_f)``
  plus its all-reduce bandwidth; alone (time to first token) it is at least one read of the weights.
* **memory**: weights / (tp·pp) + KV of the batch / pp (KV heads split over tp) + activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import memory as mem
from ..architecture import Architecture
from ..catalog import HALF, Accelerator
from ..errors import InputError
from ..roofline import decode_flop_per_token, prefill_flop
from .collectives import allreduce_s, send_s
from .engines import EngineProfile
from .moe import expert_parallel_s

#: when the interconnect table publishes no link for a group: PCIe Gen4 x16, one direction [bytes/s]
PCIE_FALLBACK_BYTES_PER_S = 32e9


@dataclass(frozen=True)
class Replica:
    """A replica's hardware, parallel layout, dtypes and engine; the inputs of every step-time function."""

    arch: Architecture
    acc: Accelerator
    profile: EngineProfile
    tp: int = 1
    pp: int = 1
    expert_parallel: bool = False
    dtype: str = "bf16"
    kv_dtype: str = "bf16"
    group_size: int | None = None

    def __post_init__(self):
        for name in ("tp", "pp"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise InputError(f"got {v!r}; allowed: a whole number >= 1", field=name)
        if self.pp > self.arch.n_layers:
            raise InputError(f"got {self.pp}; allowed: at most {self.arch.n_layers} stages (one per layer)", field="pp")
        mem._check_dtype(self.dtype, mem.WEIGHT_DTYPES, "dtype")
        mem._check_dtype(self.kv_dtype, mem.KV_DTYPES, "kv_dtype")

    @property
    def gpus(self) -> int:
        return self.tp * self.pp

    @property
    def peak_flop_per_s(self) -> float:
        """Dense peak of the compute format: fp8 with fp8 weights, else the chip's own 16-bit format
        (bf16, or fp16 on V100/T4, fp32 on chips without fast 16-bit arithmetic). [FLOP/s]"""
        return self.acc.peak_flop_per_s("fp8" if self.dtype == "fp8" else HALF)

    # ---- links ---------------------------------------------------------------------------
    def link(self, group: int, stride: int = 1):
        """(achieved one-direction bandwidth [bytes/s], latency of one collective [s], kind) of a group.

        The link comes from the interconnect table (:func:`costcurve.interconnect.link_for_group`).
        Inside the scale-up domain the latency is the engine's measured small all-reduce; across
        PCIe or the network a ring pays one step latency per hop: ``2(g−1) · hwLat``.
        """
        from ..interconnect import interconnect, link_for_group
        from ..errors import UnknownNameError

        try:
            bw, step_lat, kind = link_for_group(interconnect(self.acc.name), group, stride)
        except UnknownNameError:
            bw, step_lat, kind = float("nan"), float("nan"), "none"
        if not bw == bw:  # NaN: no published link
            bw, step_lat, kind = PCIE_FALLBACK_BYTES_PER_S, 5.7e-6, "pcie (assumed)"
        lat = self.profile.allreduce_latency_s if kind == "scale-up" else 2 * max(group - 1, 1) * step_lat
        return bw * self.profile.interconnect_efficiency, lat, kind

    def tp_link(self):
        """(bandwidth [bytes/s], latency [s]) of the tensor-parallel group (innermost ranks)."""
        bw, lat, _ = self.link(self.tp)
        return bw, lat

    def pp_link(self):
        """(bandwidth [bytes/s], latency [s]) of a stage hand-off (ranks ``tp`` apart)."""
        bw, lat, _ = self.link(2, self.tp) if self.pp > 1 else self.link(1)
        return bw, lat


def _rates(r: Replica):
    p = r.profile
    return r.tp * r.peak_flop_per_s * p.flop_efficiency, r.acc.memory_bandwidth_bytes_per_s * p.bandwidth_efficiency


def comm_s(r: Replica, tokens, layers, *, with_latency=True):
    """Tensor- and expert-parallel communication of ``tokens`` tokens through ``layers`` layers. [s]

    ``with_latency=False`` gives the bandwidth part only (a prompt inside a batched prefill step,
    whose fixed latencies the step pays once: :func:`prefill_step_fixed_s`).
    """
    a = r.arch
    bw, lat = r.tp_link()
    lat = lat if with_latency else 0.0
    msg = np.asarray(tokens, dtype=float) * a.d_model * mem.ACTIVATION_BYTES
    frac = layers / a.n_layers
    if r.expert_parallel and a.is_moe:
        n_ar = 2 * a.n_layers - a.n_moe_layers  # attention all-reduce everywhere, MLP one only in dense layers
        return frac * (n_ar * allreduce_s(msg, r.tp, bw, lat) + expert_parallel_s(a, tokens, r.tp, bw, lat))
    return frac * 2 * a.n_layers * allreduce_s(msg, r.tp, bw, lat)


def stage_step_s(r: Replica, batch, context):
    """(time [s], memory time [s], compute time [s]) of one decode step of ``batch`` sequences on one stage."""
    rate_f, rate_b = _rates(r)
    lin_f, attn_f = decode_flop_per_token(r.arch, context)
    b = np.asarray(batch, dtype=float)
    w = mem.weight_bytes_read_per_step(r.arch, r.dtype, b, group_size=r.group_size) / (r.tp * r.pp)
    kv = b * mem.kv_cache_bytes(r.arch, context, r.kv_dtype, r.tp) / r.pp
    lin_t, attn_t = b * lin_f / (r.pp * rate_f), b * attn_f / (r.pp * rate_f)
    t = np.maximum(w / rate_b, lin_t) + np.maximum(kv / rate_b, attn_t)
    return t + comm_s(r, b, r.arch.n_layers / r.pp), (w + kv) / rate_b, lin_t + attn_t


def decode_cycle_s(r: Replica, batch, context):
    """Time for every sequence of a batch of ``batch`` to gain one token (pipeline: ``pp`` micro-batches). [s]"""
    B = np.asarray(batch, dtype=float)
    micro = np.maximum(B / r.pp, np.minimum(B, 1.0))
    t, _, _ = stage_step_s(r, micro, context)
    hops = 0.0
    if r.pp > 1:
        bw, lat = r.pp_link()
        hops = (r.pp - 1) * send_s(micro * r.arch.d_model * mem.ACTIVATION_BYTES, bw, lat)
    return r.pp * t + hops + r.profile.step_overhead_s


def prefill_s(r: Replica, input_tokens):
    """Accelerator time one prompt's prefill occupies inside a batched prefill step, without fixed costs. [s]"""
    rate_f, _ = _rates(r)
    I = np.asarray(input_tokens, dtype=float)
    return prefill_flop(r.arch, I) / (r.pp * rate_f) + comm_s(r, I, r.arch.n_layers, with_latency=False) / r.pp


def prefill_step_fixed_s(r: Replica) -> float:
    """Fixed cost of one prefill step: the engine's step overhead plus every collective's latency. [s]"""
    return r.profile.step_overhead_s + float(comm_s(r, 1.0, r.arch.n_layers) - comm_s(r, 1.0, r.arch.n_layers,
                                                                                         with_latency=False))


def weight_read_s(r: Replica, tokens):
    """Time to read the weights a step over ``tokens`` tokens touches, one stage after another. [s]"""
    _, rate_b = _rates(r)
    return mem.weight_bytes_read_per_step(r.arch, r.dtype, tokens, group_size=r.group_size) / (r.tp * rate_b)


def time_to_first_token_s(r: Replica, input_tokens):
    """One prompt alone on an idle replica: max(weight read, compute) + comm + overheads. [s]"""
    rate_f, _ = _rates(r)
    I = np.asarray(input_tokens, dtype=float)
    compute = prefill_flop(r.arch, I) / rate_f + comm_s(r, I, r.arch.n_layers)
    return np.maximum(weight_read_s(r, I), compute) + r.profile.step_overhead_s + r.profile.request_overhead_s


# ---- memory --------------------------------------------------------------------------------------
def memory_per_accelerator(r: Replica, batch, input_tokens, output_tokens):
    """Ordered ``{weights, kv_cache, activations}`` per accelerator of the most loaded stage. [bytes]"""
    I, O = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    return {
        "weights": mem.weight_bytes(r.arch, r.dtype, group_size=r.group_size) / r.gpus,
        "kv_cache": np.asarray(batch, dtype=float) * mem.kv_cache_bytes(r.arch, I + O / 2, r.kv_dtype, r.tp) / r.pp,
        "activations": mem.activation_bytes(r.arch, r.tp),
    }


def max_batch(r: Replica, input_tokens, output_tokens):
    """Sequences the memory holds at mean context ``I + O/2`` (0 if one full sequence does not fit). [count]"""
    usable = r.acc.memory_bytes * r.profile.memory_utilization
    m = memory_per_accelerator(r, 0.0, input_tokens, output_tokens)
    free = usable - m["weights"] - m["activations"]
    I, O = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    per_mean = mem.kv_cache_bytes(r.arch, I + O / 2, r.kv_dtype, r.tp) / r.pp
    per_full = mem.kv_cache_bytes(r.arch, I + O, r.kv_dtype, r.tp) / r.pp
    return np.where(free >= per_full, np.floor(np.maximum(free, 0.0) / per_mean), 0.0)


def steady_state_tokens_per_s(r: Replica, batch, input_tokens, output_tokens):
    """Output tokens/s of a replica kept full at ``batch`` sequences (offline benchmark). [tokens/s]

    Over the life of ``B`` sequences the replica prefills ``B`` prompts (each with the engine's
    per-request overhead) and runs ``O`` decode cycles: ``B·O / (B·(t_pf + t_req) + O·t_cycle)``.
    """
    I, O = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    B = np.asarray(batch, dtype=float)
    cycle = decode_cycle_s(r, B, I + (O + 1) / 2)
    total = B * (prefill_s(r, I) + r.profile.request_overhead_s) + O * cycle
    return B * O / total


def roofline_tokens_per_s(r: Replica, batch, input_tokens, output_tokens):
    """The same replica with every efficiency 1 and no latency or overhead: an upper bound. [tokens/s]"""
    from dataclasses import replace

    ideal = replace(r.profile, flop_efficiency=1.0, bandwidth_efficiency=1.0, interconnect_efficiency=1.0,
                    allreduce_latency_s=0.0, step_overhead_s=0.0, request_overhead_s=0.0)
    return steady_state_tokens_per_s(replace(r, profile=ideal), batch, input_tokens, output_tokens)


def offline_throughput(r: Replica, input_tokens, output_tokens):
    """(output tokens/s, batch) of an offline benchmark: batch = min(engine cap, what memory holds). [tokens/s]"""
    B = np.minimum(max_batch(r, input_tokens, output_tokens), r.profile.max_batch)
    tps = np.where(B >= 1, steady_state_tokens_per_s(r, np.maximum(B, 1), input_tokens, output_tokens), np.nan)
    return tps, B
