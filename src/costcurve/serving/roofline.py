"""FLOP of the two serving phases — prefill of a prompt, one decode token — and ``infer``'s setup record.

Plain vectorized functions of an architecture. The one serving time model that uses them is
:mod:`costcurve.serving.step` (roofline per step, tensor, pipeline and expert parallelism, engine
overheads); :class:`_Setup` is the model, dtypes, peaks and efficiencies ``estimate_inference``
resolves before it builds that model (:mod:`costcurve.serving.layout`). The formulas are in
docs/inference.md (Williams et al. 2009; Pope et al. 2022, §2–3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costcurve.architecture import Architecture
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


# ---- infer's resolved setup --------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    """The model and dtypes ``estimate_inference`` resolved (efficiencies travel beside it, peaks in the step model)."""

    arch: Architecture
    dtype: str
    kv_dtype: str
    group_size: int | None
