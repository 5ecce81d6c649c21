"""Accelerator memory of serving a transformer: weights, KV cache, activations. [bytes]

* **Weights.** ``params × bytes per parameter``. The linear layers (attention projections, MLP,
  experts) take the serving dtype; embeddings, norms, router and LM head stay in 16 bit, as in
  the FP8 and INT4 checkpoints that TensorRT Model Optimizer, AWQ and GPTQ write (Lin et al. 2024,
  AWQ §4; Frantar et al. 2023, GPTQ §5). Grouped integer formats add one fp16 scale and one
  packed int4 zero point per ``group_size`` weights: ``(2 + 0.5) / group_size`` bytes per weight.
* **KV cache per token** (Pope et al. 2022, §3.1): ``2 · L · kv_heads · head_dim · bytes`` for MHA,
  GQA and MQA; MLA caches one latent per layer, ``L · (kv_lora_rank + qk_rope_head_dim) · bytes``
  (DeepSeek-AI 2024, DeepSeek-V2 §2.1.2). A sliding-window layer keeps at most ``W`` tokens.
* **Tensor parallelism over n accelerators** (Shoeybi et al. 2019): weights split ``1/n``; KV heads
  split ``ceil(kv_heads / n)`` per accelerator (an MQA head or an MLA latent is replicated).
* **Activations:** a workspace for one prefill chunk of ``T`` tokens (hidden states in and out,
  the local QKV and MLP intermediates in 16 bit) plus fp32 logits for up to 1024 sequences.

Every function broadcasts over numpy arrays of token counts and accelerator counts.
"""

from __future__ import annotations

import math

import numpy as np

from costcurve.architecture import Architecture, param_breakdown
from costcurve.errors import InputError

#: storage of one weight or cache element [bytes]
BYTES_PER_ELEMENT = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
WEIGHT_DTYPES = ("bf16", "fp16", "fp8", "int8", "int4")
KV_DTYPES = ("bf16", "fp16", "fp8", "int8", "int4")
GROUPED = ("int4",)  #: formats stored with per-group scales and zero points by default
DEFAULT_GROUP_SIZE = 128  #: AWQ and GPTQ default (Lin et al. 2024; Frantar et al. 2023)
SCALE_BYTES, ZERO_BYTES = 2.0, 0.5  #: fp16 scale and packed int4 zero point per group [bytes]
QUANTIZED_PARTS = ("attention", "mlp", "moe/routed_experts", "moe/shared_experts")
ACTIVATION_BYTES = 2.0  #: activations stay in 16 bit [bytes]
LOGIT_ROWS = 1024  #: sequences whose fp32 logits the workspace holds at once [count]
DEFAULT_PREFILL_CHUNK_TOKENS = 8192  #: TensorRT-LLM ``max_num_tokens`` default [tokens]


def _check_dtype(dtype: str, allowed, field: str) -> str:
    if dtype not in allowed:
        raise InputError(f"got {dtype!r}; allowed: {', '.join(allowed)}", field=field)
    return dtype


def quantization_overhead_bytes_per_param(dtype: str, group_size: int | None = None) -> float:
    """Extra bytes per quantized weight for group scales and zero points. [bytes]

    ``(2 + 0.5) / group_size`` for grouped formats (int4 by default; int8 when a group size is
    given), 0 otherwise (fp8 and int8 use one scale per tensor or channel, negligible).
    """
    if group_size is None:
        group_size = DEFAULT_GROUP_SIZE if dtype in GROUPED else 0
    if not group_size:
        return 0.0
    if group_size < 1:
        raise InputError(f"got {group_size}; allowed: an integer >= 1", field="group_size")
    return (SCALE_BYTES + ZERO_BYTES) / group_size


def weight_bytes_breakdown(arch: Architecture, dtype: str = "bf16", *, group_size: int | None = None) -> dict:
    """Weight storage by part of the model (ordered; sums to the total). [bytes]

    Parts in :data:`QUANTIZED_PARTS` take ``dtype`` plus the group overhead; the rest 16 bit.
    """
    _check_dtype(dtype, WEIGHT_DTYPES, "dtype")
    per = BYTES_PER_ELEMENT[dtype] + quantization_overhead_bytes_per_param(dtype, group_size)
    return {k: v * (per if k in QUANTIZED_PARTS else 2.0) for k, v in param_breakdown(arch).items()}


def weight_bytes(arch: Architecture, dtype: str = "bf16", *, group_size: int | None = None) -> float:
    """Total weight storage of ``arch`` in ``dtype``. [bytes]"""
    return math.fsum(weight_bytes_breakdown(arch, dtype, group_size=group_size).values())


def expected_experts_touched(n_experts: int, top_k: int, tokens):
    """Mean number of distinct routed experts a batch of ``tokens`` tokens uses in one layer. [count]

    Uniform, independent routing: ``E · (1 − (1 − k/E)^tokens)``; 1 token uses ``k``, many use ``E``.
    """
    t = np.asarray(tokens, dtype=float)
    if not n_experts:
        return 0.0 * t
    if top_k >= n_experts:
        return n_experts + 0.0 * t
    return n_experts * -np.expm1(t * math.log1p(-top_k / n_experts))


def weight_bytes_read_per_step(arch: Architecture, dtype: str, tokens, *, group_size: int | None = None):
    """Weight bytes one forward step over ``tokens`` tokens reads from memory. [bytes]

    Every weight but the embedding table (a gather of ``tokens`` rows, negligible); in an MoE
    layer only the experts the batch routes to: :func:`expected_experts_touched` of them.
    """
    b = weight_bytes_breakdown(arch, dtype, group_size=group_size)
    dense = math.fsum(v for k, v in b.items() if k not in ("embedding", "position_embedding", "moe/routed_experts"))
    if not arch.is_moe:
        return dense + 0.0 * np.asarray(tokens, dtype=float)
    per_expert = b["moe/routed_experts"] / (arch.n_moe_layers * arch.n_experts)
    touched = expected_experts_touched(arch.n_experts, arch.n_experts_active, tokens)
    return dense + arch.n_moe_layers * touched * per_expert


def kv_heads_per_accelerator(arch: Architecture, tp=1):
    """KV heads each of ``tp`` tensor-parallel accelerators stores: ``ceil(kv_heads / tp)``. [count]"""
    return np.ceil(arch.kv_heads / np.asarray(tp, dtype=float))


def kv_cache_bytes_per_token(arch: Architecture, kv_dtype: str = "bf16", tp=1):
    """KV cache of one token in all layers, on one of ``tp`` accelerators (no window cap). [bytes]

    MHA/GQA/MQA: ``2 · L · ceil(kv_heads/tp) · head_dim · bytes``; MLA (replicated latent):
    ``L · (kv_lora_rank + qk_rope_head_dim) · bytes``. ``tp=1`` gives the whole model's figure.
    """
    _check_dtype(kv_dtype, KV_DTYPES, "kv_dtype")
    b = BYTES_PER_ELEMENT[kv_dtype]
    if arch.is_mla:
        return arch.n_layers * (arch.kv_lora_rank + arch.qk_rope_head_dim) * b + 0.0 * np.asarray(tp, dtype=float)
    return 2.0 * arch.n_layers * kv_heads_per_accelerator(arch, tp) * arch.head_size * b


def kv_cache_bytes(arch: Architecture, context_tokens, kv_dtype: str = "bf16", tp=1):
    """KV cache of one sequence holding ``context_tokens`` tokens, on one accelerator. [bytes]

    Sliding-window layers (all, or every other one from the first) keep ``min(context, W)`` tokens.
    """
    per_token = kv_cache_bytes_per_token(arch, kv_dtype, tp)
    S = np.asarray(context_tokens, dtype=float)
    if arch.sliding_window is None:
        return per_token * S
    L = arch.n_layers
    local = arch.n_local_attention_layers
    return per_token / L * (local * np.minimum(S, arch.sliding_window) + (L - local) * S)


def activation_bytes(arch: Architecture, tp=1, *, prefill_chunk_tokens=DEFAULT_PREFILL_CHUNK_TOKENS):
    """Activation workspace on one of ``tp`` accelerators. [bytes]

    ``T · (2d + (h + 2k)·e/tp + 2·f/tp) · 2 + min(T, 1024) · V/tp · 4`` with ``T`` the prefill
    chunk [tokens] and ``f`` the widest MLP (dense, or top-k plus shared experts).
    """
    n = np.asarray(tp, dtype=float)
    T = np.asarray(prefill_chunk_tokens, dtype=float)
    a = arch
    qkv = (a.n_heads + 2 * a.kv_heads) * a.head_size
    f = max(a.ffn_dim, a.moe_ffn_dim * (a.n_experts_active + a.n_shared_experts))
    per_token = (2 * a.d_model + qkv / n + 2 * f / n) * ACTIVATION_BYTES
    return T * per_token + np.minimum(T, LOGIT_ROWS) * a.vocab_size / n * 4.0
