"""FLOP accounting for decoder-only transformers.

A matrix multiply of a token's ``m``-vector by an ``m×n`` weight costs ``2·m·n`` FLOP (one
multiply and one add per weight). Forward FLOP per token is then (Kaplan et al. 2020, Table 1;
Hoffmann et al. 2022, Appendix F; Narayanan et al. 2021, §5.1):

* projections: ``2 ×`` the weights of Q, K, V and O (MHA, GQA, MQA; MLA with its low-rank
  down/up projections, DeepSeek-AI 2024),
* attention scores: ``2·h·(e_qk + e_v)·c`` per layer, where ``c`` is the mean number of keys a
  query sees: ``(S+1)/2`` for causal attention over a sequence of ``S`` tokens, ``S`` if not causal,
  capped by a sliding window ``W`` (Beltagy et al. 2020; Gemma 2 alternates local and global layers),
* MLP ``2·(2 or 3)·d·f``; MoE: router ``2·d·E`` plus top-k routed and shared experts,
* LM head ``2·d·V``; the embedding lookup is a gather (0 FLOP; Chinchilla's Appendix F counts
  another ``2·d·V`` there, which we do not).

Training costs 3 × forward: the backward pass computes gradients with respect to both the
activations and the weights, twice the forward (Kaplan et al. 2020, §2.1). Activation
recomputation re-runs (part of) the forward in the backward pass; it adds *hardware* FLOP but not
*model* FLOP, which is what MFU is measured against (Chowdhery et al. 2022, Appendix B;
Korthikanti et al. 2022 for selective recomputation). The shortcut when only the parameter count
is known is ``C ≈ 6·N·D`` with ``N`` the active parameters and ``D`` the tokens.

Every function here accepts numpy arrays for sequence length and token counts and broadcasts.
"""

from __future__ import annotations

import functools

from .architecture import Architecture

RECOMPUTE = ("none", "selective", "full")


def mean_attended_keys(seq_len, window=None, causal: bool = True):
    """Mean number of keys each query attends to. [tokens]

    Causal over ``S`` tokens: ``(S+1)/2``; with a window ``W < S``:
    ``(W(W+1)/2 + (S-W)·W) / S``; not causal: ``S`` (or ``min(S, W)``).
    """
    S = seq_len
    if not causal:
        return S if window is None else (S < window) * S + (S >= window) * float(window)
    full = (S + 1) / 2
    if window is None:
        return full
    W = float(window)
    windowed = (W * (W + 1) / 2 + (S - W) * W) / S
    return (S <= W) * full + (S > W) * windowed


def forward_flop_per_token_breakdown(arch: Architecture, seq_len=None, *, causal: bool = True) -> dict:
    """Ordered forward FLOP per token by part of the model; the values sum to the total. [FLOP]

    ``seq_len`` [tokens] defaults to the architecture's pre-training sequence length. For one
    sequence length (None, int or float) the parts are cached on the values they depend on: the
    Architecture (a frozen dataclass), the length and its type, and ``causal``.
    """
    if seq_len is None or type(seq_len) is int or type(seq_len) is float:
        return dict(_forward_parts(arch, seq_len, type(seq_len), bool(causal)))
    return _forward_breakdown(arch, seq_len, causal)


@functools.lru_cache(maxsize=512)
def _forward_parts(arch: Architecture, seq_len, _seq_type, causal: bool) -> tuple:
    """:func:`forward_flop_per_token_breakdown` of one sequence length, as (part, FLOP) pairs."""
    return tuple(_forward_breakdown(arch, seq_len, causal).items())


def _forward_breakdown(arch: Architecture, seq_len, causal: bool) -> dict:
    a = arch
    S = a.pretrain_seq_len if seq_len is None else seq_len
    d, h, L = a.d_model, a.n_heads, a.n_layers
    out = {"embedding": 0.0}
    if a.is_mla:
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = (d * a.q_lora_rank + a.q_lora_rank * h * qk) if a.q_lora_rank else d * h * qk
        kv = d * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank * h * (a.qk_nope_head_dim + a.v_head_dim)
        out["attention/qkv"] = 2.0 * L * (q + kv)
        score_dims = h * (qk + a.v_head_dim)
        out_proj = h * a.v_head_dim * d
    else:
        e, k = a.head_size, a.kv_heads
        qkv = d * h * e + 2 * d * k * e + (d * h * e if a.position == "relative" else 0)
        out["attention/qkv"] = 2.0 * L * qkv
        score_dims = h * 2 * e
        out_proj = h * e * d
    if a.sliding_window is None:
        scores = 2.0 * L * score_dims * mean_attended_keys(S, None, causal)
    else:
        local = a.n_local_attention_layers
        scores = 2.0 * score_dims * (
            local * mean_attended_keys(S, a.sliding_window, causal) + (L - local) * mean_attended_keys(S, None, causal)
        )
    out["attention/scores"] = scores
    out["attention/output"] = 2.0 * L * out_proj
    mats = 3 if a.ffn_type == "gated" else 2
    dense_layers = a.n_dense_mlp_layers  # the layer pattern: leading, interleaved and listed dense layers
    if dense_layers:
        out["mlp"] = 2.0 * dense_layers * mats * d * a.ffn_dim
    if a.is_moe:
        M = a.n_moe_layers
        expert = 3 * d * a.moe_ffn_dim
        out["moe/router"] = 2.0 * M * d * a.n_experts
        out["moe/routed_experts"] = 2.0 * M * a.n_experts_active * expert
        if a.n_shared_experts:
            out["moe/shared_experts"] = 2.0 * M * a.n_shared_experts * expert
    out["lm_head"] = 2.0 * d * a.vocab_size
    return out


def forward_flop_per_token(arch: Architecture, seq_len=None, *, causal: bool = True):
    """Forward FLOP per token (sum of :func:`forward_flop_per_token_breakdown`). [FLOP]"""
    return sum(forward_flop_per_token_breakdown(arch, seq_len, causal=causal).values())


def training_flop_breakdown(arch: Architecture, tokens, seq_len=None) -> dict:
    """Model FLOP of training on ``tokens`` tokens, by part: ``3 × forward × tokens``. [FLOP]"""
    if seq_len is None or type(seq_len) is int or type(seq_len) is float:
        fwd = _forward_parts(arch, seq_len, type(seq_len), True)  # cached (part, FLOP) pairs
    else:
        fwd = _forward_breakdown(arch, seq_len, True).items()
    return {k: 3.0 * v * tokens for k, v in fwd}


def recompute_factor(arch: Architecture, recompute: str = "none", seq_len=None):
    """Hardware FLOP / model FLOP of training under activation recomputation. [1]

    ``none``: 1; ``full``: 4/3 (one more forward); ``selective``: re-runs the attention scores
    only (Korthikanti et al. 2022): ``1 + scores / (3·forward)``.
    """
    if recompute not in RECOMPUTE:
        from .errors import InputError

        raise InputError(f"got {recompute!r}; allowed: {', '.join(RECOMPUTE)}", field="recompute")
    if recompute == "none":
        return 1.0
    if recompute == "full":
        return 4.0 / 3.0
    b = forward_flop_per_token_breakdown(arch, seq_len)
    return 1.0 + b["attention/scores"] / (3.0 * sum(b.values()))


def training_flop_6nd(params_active, tokens):
    """Training FLOP by the shortcut ``6·N·D`` (Kaplan et al. 2020). [FLOP]

    ``params_active`` [count]: parameters used per token; ``tokens`` [count].
    """
    return 6.0 * params_active * tokens
