"""The serving roofline of one replica: FLOP and time of prefill and decode, tensor-parallel all-reduce.

Plain vectorized functions of an architecture and a :class:`_Setup` (peaks, bandwidths, efficiencies);
:mod:`costcurve.serving.estimate` builds the setup and turns these times into tokens/s and dollars, and
:mod:`costcurve.serving.step` adds pipeline and expert parallelism and engine overheads. The formulas
are in :mod:`costcurve.serving.estimate`'s docstring and docs/inference.md (Williams et al. 2009; Pope et al.
2022, §2–3; Shoeybi et al. 2019, §3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costcurve.serving import replica_memory as mem
from costcurve.architecture import Architecture
from costcurve.collectives import allreduce_s as _ring_allreduce_s
from costcurve.flop import forward_flop_per_token_breakdown


# ---- FLOP of the two phases ------------------------------------------------------------------
def _flop_terms(arch: Architecture):
    """(linear FLOP per token without LM head, LM head FLOP, attention FLOP per layer per key)."""
    b = forward_flop_per_token_breakdown(arch, 1, causal=False)
    per_key_layer = b["attention/scores"] / arch.n_layers
    return sum(b.values()) - b["attention/scores"] - b["lm_head"], b["lm_head"], per_key_layer


def _key_sum(arch: Architecture, tokens, *, causal: bool):
    """Σ over layers of the keys the queries see: causal prefill of ``tokens`` or one decode query."""
    S = np.asarray(tokens, dtype=float)
    L, W = arch.n_layers, arch.sliding_window
    full = S * (S + 1) / 2 if causal else S
    if W is None:
        return L * full
    local = arch.n_local_attention_layers
    capped = np.where(S <= W, full, W * (W + 1) / 2 + (S - W) * W) if causal else np.minimum(S, W)
    return local * capped + (L - local) * full


def prefill_flop(arch: Architecture, input_tokens):
    """FLOP of prefilling one prompt: linear layers per token, causal attention, one LM head. [FLOP]"""
    lin, head, per_key = _flop_terms(arch)
    I = np.asarray(input_tokens, dtype=float)
    return I * lin + head + per_key * _key_sum(arch, I, causal=True)


def mla_absorbed_flop_per_key(arch: Architecture) -> float:
    """Decode attention FLOP per key per layer of MLA in its absorbed form: ``2·h·(2·r_kv + e_rope)``. [FLOP]

    Decode kernels (FlashMLA; DeepSeek-AI 2024, DeepSeek-V2 §2.1.2) fold the key and value
    up-projections into the query and output projections and attend over the cached latent itself:
    the score is a dot product of ``r_kv + e_rope`` values and the output a sum of ``r_kv`` values
    per head and key (the per-token projection FLOP stay as counted). Prefill runs the expanded form.
    """
    return 2.0 * arch.n_heads * (2 * arch.kv_lora_rank + arch.qk_rope_head_dim)


def decode_flop_per_token(arch: Architecture, context_tokens):
    """(linear incl. LM head, attention) FLOP of one decode token attending ``context`` keys. [FLOP]

    MLA attends in its absorbed form (:func:`mla_absorbed_flop_per_key`).
    """
    lin, head, per_key = _flop_terms(arch)
    if arch.is_mla:
        per_key = mla_absorbed_flop_per_key(arch)
    return lin + head, per_key * _key_sum(arch, context_tokens, causal=False)


# ---- time of the two phases ------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    arch: Architecture
    dtype: str
    kv_dtype: str
    group_size: int | None
    peak: float  # FLOP/s per accelerator
    bw: float  # bytes/s per accelerator
    link: float  # bytes/s one direction per accelerator
    e_flop: object
    e_bw: object
    e_link: object
    latency: object


def allreduce_s(s: _Setup, n, tokens, *, with_latency=True):
    """Time of the 2·L tensor-parallel all-reduces of ``tokens`` hidden states. [s]"""
    msg = np.asarray(tokens, dtype=float) * s.arch.d_model * mem.ACTIVATION_BYTES
    return 2 * s.arch.n_layers * _ring_allreduce_s(msg, n, s.link * s.e_link, s.latency if with_latency else 0.0)


def decode_step_s(s: _Setup, n, batch, context):
    """(step time [s], memory time [s], compute time [s]) of one decode step of ``batch`` sequences."""
    lin_f, attn_f = decode_flop_per_token(s.arch, context)
    w = mem.weight_bytes_read_per_step(s.arch, s.dtype, batch, group_size=s.group_size) / n
    kv = batch * mem.kv_cache_bytes(s.arch, context, s.kv_dtype, n)
    rate_f, rate_b = n * s.peak * s.e_flop, s.bw * s.e_bw
    t_mem = (w + kv) / rate_b
    t_cmp = batch * (lin_f + attn_f) / rate_f
    step = np.maximum(w / rate_b, batch * lin_f / rate_f) + np.maximum(kv / rate_b, batch * attn_f / rate_f)
    return step + allreduce_s(s, n, batch), t_mem, t_cmp


def prefill_in_batch_s(s: _Setup, n, input_tokens):
    """Prefill time of one prompt inside a running batch (weights already streaming). [s]"""
    return prefill_flop(s.arch, input_tokens) / (n * s.peak * s.e_flop) + allreduce_s(s, n, input_tokens, with_latency=False)


def time_to_first_token_s(s: _Setup, n, input_tokens):
    """Prefill of one prompt alone: reads every weight once, computes every prompt token. [s]"""
    lin, head, per_key = _flop_terms(s.arch)
    I = np.asarray(input_tokens, dtype=float)
    w = mem.weight_bytes_read_per_step(s.arch, s.dtype, I, group_size=s.group_size) / n
    rate_f = n * s.peak * s.e_flop
    linear = np.maximum(w / (s.bw * s.e_bw), (I * lin + head) / rate_f)
    return linear + per_key * _key_sum(s.arch, I, causal=True) / rate_f + allreduce_s(s, n, I)


def largest_batch_within(s: _Setup, n, I, O, hi, target):
    """Largest integer batch in [1, hi] whose time per output token is within ``target`` (bisection)."""
    shape = np.broadcast(hi, I, O, n, target).shape
    lo, hi = np.ones(shape), np.broadcast_to(np.asarray(hi, dtype=float), shape).copy()
    c = I + (O + 1) / 2

    def tpot(b):
        return (b * prefill_in_batch_s(s, n, I) + O * decode_step_s(s, n, b, c)[0]) / O

    while np.any(hi > lo):
        mid = np.ceil((lo + hi) / 2)
        ok = tpot(mid) <= target
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid - 1)
    return lo if lo.ndim else float(lo)
