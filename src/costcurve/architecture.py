"""Decoder-only transformer architectures and their parameter counts.

An :class:`Architecture` holds the shape of a model (layers, widths, heads, MLP, MoE, MLA).
:func:`count_params` counts its weights from that shape, matrix by matrix, so that presets can be
checked against the totals their authors publish (tests pin these within 1%).

Parameter formulas (per layer, d = d_model, h = heads, k = kv heads, e = head_dim, f = ffn size):

* attention, standard/GQA/MQA: ``d·h·e`` (Q) + ``2·d·k·e`` (K, V) + ``h·e·d`` (O)
  (Vaswani et al. 2017; GQA: Ainslie et al. 2023; MQA: Shazeer 2019);
  relative position encodings (Transformer-XL, used by Gopher/Chinchilla) add ``d·h·e`` (W_R).
* attention, MLA (DeepSeek-V2/V3, DeepSeek-AI 2024): ``d·r_q + r_q·h·(e_nope+e_rope)`` (Q),
  ``d·(r_kv+e_rope) + r_kv·h·(e_nope+e_v)`` (KV), ``h·e_v·d`` (O), plus the two LoRA norms.
* MLP: plain (GELU) ``2·d·f``; gated (SwiGLU/GeGLU, Shazeer 2020) ``3·d·f``.
* MoE layer: router ``d·E``, ``E`` routed and ``S`` shared experts of ``3·d·f_e`` each
  (Mixtral: Jiang et al. 2024; DeepSeekMoE: Dai et al. 2024). Active = top-k routed + shared.
* embeddings ``V·d``, LM head ``V·d`` unless tied, learned positions ``T·d``; norms ``d`` (RMSNorm)
  or ``2d`` (LayerNorm) twice per layer plus a final one; biases where the model has them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from .errors import InputError

FFN_TYPES = ("gelu", "gated")
POSITIONS = ("learned", "rope", "alibi", "relative", "none")
NORMS = ("layernorm", "rmsnorm")
BIAS = ("false", "true", "qkv")
WINDOW_LAYERS = ("all", "alternate")


@dataclass(frozen=True)
class Architecture:
    """Shape of a decoder-only transformer. Sizes are counts (no unit); lengths in tokens."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int | None = None  #: None means n_heads (MHA); 1 is MQA
    head_dim: int | None = None  #: None means d_model // n_heads
    ffn_dim: int = 0  #: intermediate size of a dense MLP layer
    ffn_type: str = "gated"
    vocab_size: int = 32000
    context_length: int = 2048  #: longest sequence the model accepts [tokens]
    train_seq_len: int | None = None  #: sequence length of pre-training [tokens]; None = context_length
    tied_embeddings: bool = False
    position: str = "rope"
    norm: str = "rmsnorm"
    bias: str = "false"
    n_experts: int = 0  #: routed experts per MoE layer (0 = dense model)
    n_experts_active: int = 0  #: top-k routed experts per token
    n_shared_experts: int = 0
    moe_ffn_dim: int = 0  #: intermediate size of one expert
    n_dense_layers: int = 0  #: leading layers that stay dense in an MoE model
    q_lora_rank: int = 0  #: MLA query compression rank (0 = no MLA / no query compression)
    kv_lora_rank: int = 0  #: MLA key-value compression rank (0 = no MLA)
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    sliding_window: int | None = None  #: local attention window [tokens]
    sliding_window_layers: str = "all"
    family: str = ""
    aliases: tuple[str, ...] = ()
    published_params_total: float | None = None
    published_params_active: float | None = None
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for name in ("n_layers", "d_model", "n_heads", "vocab_size", "context_length"):
            v = getattr(self, name)
            if not isinstance(v, int) or v <= 0:
                raise InputError(f"got {v!r}; allowed: integer > 0", field=name)
        if self.ffn_type not in FFN_TYPES:
            raise InputError(f"got {self.ffn_type!r}; allowed: {', '.join(FFN_TYPES)}", field="ffn_type")
        if self.position not in POSITIONS:
            raise InputError(f"got {self.position!r}; allowed: {', '.join(POSITIONS)}", field="position")
        if self.norm not in NORMS:
            raise InputError(f"got {self.norm!r}; allowed: {', '.join(NORMS)}", field="norm")
        if self.bias not in BIAS:
            raise InputError(f"got {self.bias!r}; allowed: {', '.join(BIAS)}", field="bias")
        if self.sliding_window_layers not in WINDOW_LAYERS:
            raise InputError(f"got {self.sliding_window_layers!r}; allowed: all, alternate", field="sliding_window_layers")
        kv = self.kv_heads
        if kv <= 0 or self.n_heads % kv:
            raise InputError(f"got {kv}; allowed: a divisor of n_heads={self.n_heads}", field="n_kv_heads")
        if self.n_experts:
            if not (0 < self.n_experts_active <= self.n_experts):
                raise InputError(f"got {self.n_experts_active}; allowed: 1..n_experts={self.n_experts}", field="n_experts_active")
            if self.moe_ffn_dim <= 0:
                raise InputError("an MoE model needs moe_ffn_dim > 0", field="moe_ffn_dim")
            if not 0 <= self.n_dense_layers <= self.n_layers:
                raise InputError(f"got {self.n_dense_layers}; allowed: 0..n_layers", field="n_dense_layers")
        if (not self.n_experts or self.n_dense_layers) and self.ffn_dim <= 0:
            raise InputError("a dense layer needs ffn_dim > 0", field="ffn_dim")
        if self.is_mla and (self.qk_nope_head_dim <= 0 or self.v_head_dim <= 0):
            raise InputError("MLA needs qk_nope_head_dim and v_head_dim > 0", field="kv_lora_rank")
        if self.sliding_window is not None and self.sliding_window <= 0:
            raise InputError(f"got {self.sliding_window}; allowed: integer > 0", field="sliding_window")

    # ---- derived shape -------------------------------------------------------------------
    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @property
    def head_size(self) -> int:
        return self.head_dim or self.d_model // self.n_heads

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def attention_kind(self) -> str:
        if self.is_mla:
            return "mla"
        if self.kv_heads == self.n_heads:
            return "mha"
        return "mqa" if self.kv_heads == 1 else "gqa"

    @property
    def n_moe_layers(self) -> int:
        return self.n_layers - self.n_dense_layers if self.is_moe else 0

    @property
    def pretrain_seq_len(self) -> int:
        return self.train_seq_len or self.context_length

    def replace(self, **changes) -> "Architecture":
        return dataclasses.replace(self, extra={}, **changes)

    # ---- parameter counts ----------------------------------------------------------------
    def params(self) -> dict[str, float]:
        """Ordered parameter breakdown (counts) that sums to ``params_total``."""
        return param_breakdown(self)


def _attention_params(a: Architecture) -> float:
    d, h = a.d_model, a.n_heads
    if a.is_mla:
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        if a.q_lora_rank:
            q = d * a.q_lora_rank + a.q_lora_rank + a.q_lora_rank * h * qk
        else:
            q = d * h * qk
        kv = d * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank + a.kv_lora_rank * h * (a.qk_nope_head_dim + a.v_head_dim)
        o = h * a.v_head_dim * d
        return q + kv + o
    e, k = a.head_size, a.kv_heads
    p = d * h * e + 2 * d * k * e + h * e * d
    if a.position == "relative":
        p += d * h * e
    if a.bias == "true":
        p += h * e + 2 * k * e + d
    elif a.bias == "qkv":
        p += h * e + 2 * k * e
    return p


def _mlp_params(a: Architecture, f: int) -> float:
    mats = 3 if a.ffn_type == "gated" else 2
    p = mats * a.d_model * f
    if a.bias == "true":
        p += (mats - 1) * f + a.d_model
    return p


def param_breakdown(a: Architecture) -> dict[str, float]:
    """Parameters by part of the model (ordered; sums to the total)."""
    L, d = a.n_layers, a.d_model
    norm = d if a.norm == "rmsnorm" else 2 * d
    out = {"embedding": float(a.vocab_size * d)}
    if a.position == "learned":
        out["position_embedding"] = float(a.context_length * d)
    out["attention"] = float(L * _attention_params(a))
    dense_layers = a.n_dense_layers if a.is_moe else L
    if dense_layers:
        out["mlp"] = float(dense_layers * _mlp_params(a, a.ffn_dim))
    if a.is_moe:
        expert = 3 * d * a.moe_ffn_dim
        out["moe/router"] = float(a.n_moe_layers * d * a.n_experts)
        out["moe/routed_experts"] = float(a.n_moe_layers * a.n_experts * expert)
        if a.n_shared_experts:
            out["moe/shared_experts"] = float(a.n_moe_layers * a.n_shared_experts * expert)
    out["norms"] = float((2 * L + 1) * norm)
    if not a.tied_embeddings:
        out["lm_head"] = float(a.vocab_size * d)
    return out


def count_params(a: Architecture, *, active: bool = False) -> float:
    """Total (or, with ``active=True``, per-token active) parameter count of ``a``.

    Active parameters count only the top-k routed experts of each MoE layer; for dense
    models they equal the total.
    """
    key = ("count_params", active)
    hit = a.extra.get(key)  # the shape is frozen, so the count is cached on the instance
    if hit is not None:
        return hit
    total = math.fsum(param_breakdown(a).values())
    if active and a.is_moe:
        total -= a.n_moe_layers * (a.n_experts - a.n_experts_active) * 3 * a.d_model * a.moe_ffn_dim
    a.extra[key] = total
    return total
