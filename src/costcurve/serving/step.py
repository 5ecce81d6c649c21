"""One serving replica — ``tp`` × ``pp`` accelerators, tensor or expert and attention-data parallel — step by step. [s, bytes]

Roofline per forward step (Williams et al. 2009; Pope et al. 2022 §2–3), with the achieved
fractions and overheads of an engine profile (:mod:`.engines`). Each step splits into the parts
every token runs (attention projections, dense MLPs, shared experts, router, LM head: "shared") and
the routed experts, each bound by the slower of memory and compute:

* **decode stage step** of ``b`` sequences at context ``c`` on one pipeline stage (``L/pp`` layers),
  tensor parallel over ``tp``: ``max(W_sh/(tp·pp·bw·e_bw), b·F_sh/(pp·tp·peak·e_f))
  + max(b·KV(c)/(pp·bw·e_bw), b·F_attn(c)/(pp·tp·peak·e_f)) + routed + comm``;
  ``routed = max(W_touched(b)/(tp·pp·bw·e_bw), s·p·b·F_routed/(pp·tp·peak·e_f)) / g`` counts the
  distinct experts ``b`` tokens touch, the busiest rank's share ``s`` under expert parallelism
  (1 under tensor parallelism, where every rank computes a slice of every expert), the tile padding
  ``p`` and the grouped-GEMM ratio ``g`` (:mod:`.moe`); ``comm`` is ``2·L/pp`` tensor-parallel
  all-reduces of ``b·d·2`` bytes (under expert parallelism a dispatch and a combine all-to-all
  replace each MoE layer's all-reduce; an all-gather and a reduce-scatter where the engine has no all-to-all
  for the hardware, :func:`.moe.gathers_tokens`) on the link the group spans (:meth:`Replica.tp_allreduce_s`:
  NCCL's ring/tree minimum across the network, :mod:`costcurve.collectives`).
* **attention data parallel** (``attention_dp``; TensorRT-LLM's DEP, DeepSeek's "MLA/shared expert
  DP"): every rank holds the shared weights whole and its own ``b/tp`` requests' KV cache (MLA's
  latent is no longer replicated ``tp`` times), runs their attention alone, and dispatches their
  tokens to the experts, which are expert parallel over the ``tp`` ranks; no all-reduce.
* **decode cycle** of a batch ``B`` split into ``pp`` micro-batches (pipeline serving): every stage
  runs each micro-batch once per token: ``pp · stage_step(B/pp) + (pp−1) · send(B/pp·d·2) + overhead``;
  ``estimate_inference`` is this model at ``pp = 1`` (:class:`costcurve.serving.layout.StepBackend`).
* **prefill** of one ``I``-token prompt inside a running batch: ``FLOP_prefill(I) / (tp·pp·peak·e_f)``
  (routed part times the busiest rank's share under expert parallelism) plus its communication
  bandwidth; alone (time to first token) it is at least one read of the weights.
* **memory**: shared weights / (tp·pp) (whole on every rank under attention DP) + routed experts /
  (tp·pp) + KV of the batch / pp (KV heads split over tp, or whole sequences per rank under
  attention DP) + activations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from costcurve.serving import replica_memory as mem
from ..architecture import Architecture
from ..catalog import HALF, Accelerator
from ..errors import InputError
from costcurve.serving.roofline import decode_flop_per_token, prefill_flop
from ..collectives import allreduce_s, nccl_allreduce_s, send_s
from .engines import EngineProfile
from .moe import (busiest_rank_share, dispatch_combine_s, expected_experts_touched, gathers_tokens,
                  padded_expert_rows)

MAX_REPLICA_GPUS = 2**20  #: largest replica [count] (the planner bounds accelerator counts the same way)
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
    expert_parallel: bool = False  #: routed experts whole on ``tp`` ranks (E/tp each) instead of sliced
    attention_dp: bool = False  #: attention, dense MLPs and shared experts data parallel over the tp ranks
    dtype: str = "bf16"
    kv_dtype: str = "bf16"
    group_size: int | None = None

    def __post_init__(self):
        for name in ("tp", "pp"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise InputError(f"got {v!r}; allowed: a whole number >= 1", field=name)
        if self.tp * self.pp > MAX_REPLICA_GPUS:  # the planner's bound; past it a sum over ranks is meaningless
            raise InputError(f"got {self.tp * self.pp:.3g} accelerators in one replica; allowed: 1..{MAX_REPLICA_GPUS:,}",
                             field="gpus")
        if self.pp > self.arch.n_layers:
            raise InputError(f"got {self.pp}; allowed: at most {self.arch.n_layers} stages (one per layer)", field="pp")
        for name in ("expert_parallel", "attention_dp"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InputError(f"got {getattr(self, name)!r}; allowed: True or False", field=name)
        if self.attention_dp:
            if not self.arch.is_moe:
                raise InputError(f"{self.arch.name} is dense: attention data parallel over its ranks is {self.tp} "
                                 "replicas; give replicas (tp 1) instead", field="attention_dp")
            object.__setattr__(self, "expert_parallel", True)  # DEP: experts expert parallel over the same ranks
        mem._check_dtype(self.dtype, mem.WEIGHT_DTYPES, "dtype")
        mem._check_dtype(self.kv_dtype, mem.KV_DTYPES, "kv_dtype")

    @functools.cached_property
    def decode_arch(self) -> Architecture:
        """The architecture the KV cache and decode steps see: Llama 4's chunked local attention (``sliding_window_layers``
        'three_of_four') bounds them only in an engine that applies it in decode (``decode_chunked_attention``);
        TensorRT-LLM applies it to context requests only (docs, features/long-sequence.md, 1.0: "chunked attention can
        only be applied to context requests"), so every layer keeps and reads the whole context."""
        a = self.arch
        if a.sliding_window_layers == "three_of_four" and not self.profile.decode_chunked_attention:
            return replace(a, sliding_window=None, sliding_window_layers="all")
        return a

    @property
    def gpus(self) -> int:
        return self.tp * self.pp

    @property
    def peak_flop_per_s(self) -> float:
        """Dense peak of the compute format: fp8 with fp8 weights, else the chip's own 16-bit format
        (bf16, or fp16 on V100/T4, fp32 on chips without fast 16-bit arithmetic). [FLOP/s]"""
        return self.acc.peak_flop_per_s("fp8" if self.dtype == "fp8" else HALF)

    @property
    def attention_flop_scale(self) -> float:
        """Decode attention's FLOP time over the linear layers' rate: MLA multiplies in 16 bit whatever the
        weights (FlashMLA, the Hopper MLA decode kernel: BF16 cache in its dense kernel, an FP8 cache
        dequantized to BF16 in its sparse one; deepseek-ai/FlashMLA README), other attention at the weights'
        rate. [ratio]"""
        return self.peak_flop_per_s / self.acc.peak_flop_per_s(HALF) if self.arch.is_mla else 1.0

    # ---- links ---------------------------------------------------------------------------
    def _link_parts(self, group: int, stride: int = 1):
        """(achieved one-direction bandwidth [bytes/s], latency of one step [s], kind) of a group's link
        (:func:`costcurve.interconnect.link_for_group`; PCIe Gen4 assumed where the table has none)."""
        from ..interconnect import interconnect, link_for_group
        from ..errors import UnknownNameError

        try:
            bw, step_lat, kind = link_for_group(interconnect(self.acc.name), group, stride)
        except UnknownNameError:
            bw, step_lat, kind = float("nan"), float("nan"), "none"
        if not bw == bw:  # NaN: no published link
            bw, step_lat, kind = PCIE_FALLBACK_BYTES_PER_S, 5.7e-6, "pcie (assumed)"
        return bw * self.profile.interconnect_efficiency, step_lat, kind

    def link(self, group: int, stride: int = 1):
        """(achieved one-direction bandwidth [bytes/s], latency of one collective [s], kind) of a group.

        Inside the scale-up domain the latency is the engine's measured small all-reduce; across
        PCIe or the network a ring pays one step latency per hop: ``2(g−1) · hwLat``.
        """
        bw, step_lat, kind = self._link_parts(group, stride)
        lat = self.profile.allreduce_latency_s if kind == "scale-up" else 2 * max(group - 1, 1) * step_lat
        return bw, lat, kind

    def tp_allreduce_s(self, message_bytes, *, with_latency=True):
        """One tensor-parallel all-reduce of ``message_bytes`` over the ``tp`` ranks. [s]

        Across PCIe or the network: NCCL's faster of ring and tree with the link's step latency
        (:func:`costcurve.collectives.nccl_allreduce_s`, as the training planner). Inside the scale-up
        domain: a ring whose whole latency ``α`` is the engine's measured small all-reduce
        (``allreduce_latency_s``), i.e. ``α_step = α / (2(tp−1))`` in NCCL's step terms; the measurement
        already holds whichever algorithm NCCL picked for small messages.
        """
        bw, step_lat, kind = self._link_parts(self.tp)
        if kind == "scale-up":
            return allreduce_s(message_bytes, self.tp, bw, self.profile.allreduce_latency_s if with_latency else 0.0)
        return nccl_allreduce_s(message_bytes, self.tp, bw, step_lat if with_latency else 0.0)

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


def _a2a_link(r: Replica):
    """(domain, up bandwidth, up latency, out bandwidth, out latency) of the expert-parallel group (achieved)."""
    from ..interconnect import interconnect
    from ..errors import UnknownNameError

    up_bw, up_lat, _ = r.link(min(r.tp, _domain(r)))
    if r.tp <= _domain(r):
        return _domain(r), up_bw, up_lat, up_bw, up_lat
    try:
        ic = interconnect(r.acc.name)
        out_bw, out_lat = ic.scale_out_bytes_per_s, ic.scale_out_latency_s
    except UnknownNameError:
        out_bw, out_lat = None, None
    if out_bw is None:
        out_bw, out_lat = PCIE_FALLBACK_BYTES_PER_S, 5.7e-6
    return _domain(r), up_bw, up_lat, out_bw * r.profile.interconnect_efficiency, out_lat


def _domain(r: Replica) -> int:
    from ..interconnect import interconnect
    from ..errors import UnknownNameError

    try:
        return int(interconnect(r.acc.name).scale_up_domain)
    except UnknownNameError:
        return 1


def _weights(r: Replica):
    """(shared weight bytes read per step, stored shared bytes, routed bytes of one expert in one layer)."""
    b = mem.weight_bytes_breakdown(r.arch, r.dtype, group_size=r.group_size)
    routed = b.get("moe/routed_experts", 0.0)
    stored = sum(b.values()) - routed
    read = stored - b["embedding"] - b.get("position_embedding", 0.0)
    per_expert = routed / (r.arch.n_moe_layers * r.arch.n_experts) if r.arch.is_moe else 0.0
    return read, stored, per_expert


def routed_flop_per_token(arch: Architecture) -> float:
    """FLOP of the ``k`` routed experts of one token through every MoE layer: ``2·M·k·3·d·f_e``. [FLOP]"""
    return 2.0 * arch.n_moe_layers * arch.n_experts_active * 3 * arch.d_model * arch.moe_ffn_dim if arch.is_moe else 0.0


def _touched(r: Replica, tokens):
    a = r.arch
    return expected_experts_touched(a.n_experts, a.n_experts_active, tokens) if a.is_moe else 0.0 * tokens


def _routed_s(r: Replica, tokens, layers_share, *, decode=True):
    """Time of the routed experts of a step over ``tokens`` tokens on one stage (``layers_share`` of the layers). [s]"""
    a = r.arch
    if not a.is_moe:
        return 0.0 * np.asarray(tokens, dtype=float)
    rate_f, rate_b = _rates(r)
    t = np.asarray(tokens, dtype=float)
    touched = _touched(r, t)
    _, _, per_expert = _weights(r)
    w = a.n_moe_layers * touched * per_expert * layers_share / r.tp
    assign = t * a.n_experts_active
    share = busiest_rank_share(assign, r.tp) if r.expert_parallel else 1.0
    # rows the busiest rank computes: its share of the tokens, or one tile per touched expert when few arrive
    rows = np.maximum(share * assign, padded_expert_rows(assign, a.n_experts) if decode else 0.0)
    f = rows / np.maximum(assign, 1e-12) * t * routed_flop_per_token(a) * layers_share / rate_f
    ratio = r.profile.grouped_gemm_ratio if decode else 1.0
    return np.maximum(w / rate_b, f) / ratio


def comm_s(r: Replica, tokens, layers, *, with_latency=True):
    """Tensor- and expert-parallel communication of ``tokens`` tokens (the replica's) through ``layers`` layers. [s]

    ``with_latency=False`` gives the bandwidth part only (a prompt inside a batched prefill step,
    whose fixed latencies the step pays once: :func:`prefill_step_fixed_s`).
    """
    a = r.arch
    frac = layers / a.n_layers
    tokens = np.asarray(tokens, dtype=float)
    if r.expert_parallel and a.is_moe:
        dom, up_bw, up_lat, out_bw, out_lat = _a2a_link(r)
        link = (dom, up_bw, up_lat if with_latency else 0.0, out_bw, out_lat if with_latency else 0.0)
        gather = r.attention_dp and gathers_tokens(r.profile.moe_dispatch_allgather, r.tp, a.n_experts_active, dom)
        a2a = dispatch_combine_s(a, tokens / r.tp, r.tp, link, dispatch_dtype="fp8" if r.dtype == "fp8" else "bf16",
                                 gather=gather)
        if r.attention_dp:
            return frac * a2a
        msg = tokens * a.d_model * mem.ACTIVATION_BYTES
        n_ar = 2 * a.n_layers - a.n_moe_layers  # attention all-reduce everywhere, MLP one only in dense layers
        return frac * (n_ar * r.tp_allreduce_s(msg, with_latency=with_latency) + a2a)
    msg = tokens * a.d_model * mem.ACTIVATION_BYTES
    return frac * 2 * a.n_layers * r.tp_allreduce_s(msg, with_latency=with_latency)


def stage_step_s(r: Replica, batch, context):
    """(time [s], memory time [s], compute time [s]) of one decode step of ``batch`` sequences on one stage."""
    rate_f, rate_b = _rates(r)
    lin_f, attn_f = decode_flop_per_token(r.decode_arch, context)
    sh_f = lin_f - routed_flop_per_token(r.arch)
    b = np.asarray(batch, dtype=float)
    read, _, _ = _weights(r)
    if r.attention_dp:  # each rank: whole shared weights, its own b/tp sequences (rate_f is tp ranks' worth)
        w = read / r.pp + 0.0 * b
        kv = b / r.tp * mem.kv_cache_bytes(r.decode_arch, context, r.kv_dtype, 1) / r.pp
    else:
        w = read / (r.tp * r.pp) + 0.0 * b
        kv = b * mem.kv_cache_bytes(r.decode_arch, context, r.kv_dtype, r.tp) / r.pp
    lin_t, attn_t = b * sh_f / (r.pp * rate_f), b * attn_f * r.attention_flop_scale / (r.pp * rate_f)
    routed = _routed_s(r, b, 1.0 / r.pp)
    t = np.maximum(w / rate_b, lin_t) + np.maximum(kv / rate_b, attn_t) + routed
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


def _prefill_compute_s(r: Replica, I):
    """Compute time of prefilling ``I`` tokens spread over the replica, the routed part at the busiest rank's share. [s]"""
    rate_f, _ = _rates(r)
    routed = I * routed_flop_per_token(r.arch)
    share = busiest_rank_share(I * r.arch.n_experts_active, r.tp) if r.expert_parallel and r.arch.is_moe else 1.0
    return (prefill_flop(r.arch, I) - routed + share * routed) / (r.pp * rate_f)


def prefill_s(r: Replica, input_tokens):
    """Accelerator time one prompt's prefill occupies inside a batched prefill step, without fixed costs. [s]"""
    I = np.asarray(input_tokens, dtype=float)
    return _prefill_compute_s(r, I) + comm_s(r, I, r.arch.n_layers, with_latency=False) / r.pp


def prefill_step_fixed_s(r: Replica) -> float:
    """Fixed cost of one prefill step: the engine's step overhead plus every collective's latency. [s]"""
    return r.profile.step_overhead_s + float(comm_s(r, 1.0, r.arch.n_layers) - comm_s(r, 1.0, r.arch.n_layers,
                                                                                         with_latency=False))


def weight_read_s(r: Replica, tokens):
    """Time to read the weights a step over ``tokens`` tokens touches, one stage after another. [s]"""
    _, rate_b = _rates(r)
    read, _, per_expert = _weights(r)
    t = np.asarray(tokens, dtype=float)
    routed = r.arch.n_moe_layers * _touched(r, t) * per_expert
    return ((read if r.attention_dp else read / r.tp) + routed / r.tp) / rate_b


def time_to_first_token_s(r: Replica, input_tokens):
    """One prompt alone on an idle replica: max(weight read, compute) + comm + overheads. [s]

    Under attention data parallel one rank runs the prompt's shared layers alone.
    """
    rate_f, _ = _rates(r)
    I = np.asarray(input_tokens, dtype=float)
    compute = _prefill_compute_s(r, I) * r.pp
    if r.attention_dp:
        routed = I * routed_flop_per_token(r.arch)
        compute = compute + (prefill_flop(r.arch, I) - routed) * (r.tp - 1) / rate_f
    compute = compute + comm_s(r, I, r.arch.n_layers)
    return np.maximum(weight_read_s(r, I), compute) + r.profile.step_overhead_s + r.profile.request_overhead_s


# ---- memory --------------------------------------------------------------------------------------
def _kv_per_sequence(r: Replica, context):
    """KV cache of one sequence per accelerator on average (heads split over tp, or whole on one of tp ranks). [bytes]"""
    if r.attention_dp:
        return mem.kv_cache_bytes(r.decode_arch, context, r.kv_dtype, 1) / (r.tp * r.pp)
    return mem.kv_cache_bytes(r.decode_arch, context, r.kv_dtype, r.tp) / r.pp


def memory_per_accelerator(r: Replica, batch, input_tokens, output_tokens):
    """Ordered ``{weights, kv_cache, activations}`` per accelerator of the most loaded stage. [bytes]"""
    I, O = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    _, stored, _ = _weights(r)
    routed = mem.weight_bytes(r.arch, r.dtype, group_size=r.group_size) - stored
    shared = stored / r.pp if r.attention_dp else stored / r.gpus
    return {
        "weights": shared + routed / r.gpus,
        "kv_cache": np.asarray(batch, dtype=float) * _kv_per_sequence(r, I + O / 2),
        "activations": mem.activation_bytes(r.arch, 1 if r.attention_dp else r.tp),
    }


def max_batch(r: Replica, input_tokens, output_tokens):
    """Sequences the memory holds at mean context ``I + O/2``, or at ``I + O`` when the engine reserves whole
    sequences (``reserve_full_sequence``); 0 if one full sequence does not fit. The KV room is the engine's
    share of all memory less weights and activations, or its share of what they leave free
    (:meth:`~costcurve.serving.engines.EngineProfile.kv_budget_bytes`). [count]"""
    m = memory_per_accelerator(r, 0.0, input_tokens, output_tokens)
    free = r.profile.kv_budget_bytes(r.acc.memory_bytes, m["weights"] + m["activations"])
    I, O = np.asarray(input_tokens, dtype=float), np.asarray(output_tokens, dtype=float)
    per_mean = _kv_per_sequence(r, I + O if r.profile.reserve_full_sequence else I + O / 2)
    per_full = mem.kv_cache_bytes(r.decode_arch, I + O, r.kv_dtype, 1 if r.attention_dp else r.tp) / r.pp
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
    ideal = replace(r.profile, flop_efficiency=1.0, bandwidth_efficiency=1.0, interconnect_efficiency=1.0,
                    allreduce_latency_s=0.0, step_overhead_s=0.0, request_overhead_s=0.0, grouped_gemm_ratio=1.0)
    return steady_state_tokens_per_s(replace(r, profile=ideal), batch, input_tokens, output_tokens)


def batch_cap(r: Replica) -> int:
    """The engine's cap on running sequences of the replica: per scheduler, so per rank under attention DP. [count]"""
    return r.profile.max_batch * (r.tp if r.attention_dp else 1)


def offline_throughput(r: Replica, input_tokens, output_tokens):
    """(output tokens/s, batch) of an offline benchmark: batch = min(engine cap, what memory holds). [tokens/s]"""
    B = np.minimum(max_batch(r, input_tokens, output_tokens), batch_cap(r))
    tps = np.where(B >= 1, steady_state_tokens_per_s(r, np.maximum(B, 1), input_tokens, output_tokens), np.nan)
    return tps, B
