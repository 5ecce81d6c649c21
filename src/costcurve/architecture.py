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
* layer pattern (:attr:`Architecture.layer_kinds`): the first ``n_dense_layers`` layers are dense
  (DeepSeek-V3's ``first_k_dense_replace``); after them layer ``i`` (0-based) is MoE when
  ``(i+1) % moe_layer_step == 0`` (Qwen3-MoE's ``decoder_sparse_step``, Llama 4's
  ``interleave_moe_layer_step``: Maverick alternates dense and MoE), unless listed in
  ``mlp_only_layers`` (Qwen3-MoE's key). Dense layers use ``ffn_dim``, MoE layers the experts.
* embeddings ``V·d``, LM head ``V·d`` unless tied, learned positions ``T·d``; norms ``d`` (RMSNorm)
  or ``2d`` (LayerNorm) twice per layer plus a final one; biases where the model has them.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass

from .errors import InputError

FFN_TYPES = ("gelu", "gated")
POSITIONS = ("learned", "rope", "alibi", "relative", "none")
NORMS = ("layernorm", "rmsnorm")
BIAS = ("false", "true", "qkv")
WINDOW_LAYERS = ("all", "alternate", "three_of_four")
#: layers with a local window: all; every other from the first (Gemma 2); three of every four, the
#: fourth global (Llama 4's chunked attention with a global NoPE layer every fourth)
#: field -> (lowest, highest, None allowed): whole-number sizes of an architecture. The upper ends are
#: far beyond any published model (DeepSeek-V3: 61 layers, 256 experts; GPT-3: d_model 12288) and keep
#: every product of sizes an exactly representable float.
SIZE_LIMITS = {
    "n_layers": (1, 10_000, False), "d_model": (1, 1_000_000, False), "n_heads": (1, 10_000, False),
    "n_kv_heads": (1, 10_000, True), "head_dim": (1, 100_000, True), "ffn_dim": (0, 10_000_000, False),
    "vocab_size": (1, 10_000_000, False), "context_length": (1, 100_000_000, False),
    "train_seq_len": (1, 100_000_000, True), "n_experts": (0, 100_000, False), "n_experts_active": (0, 100_000, False),
    "n_shared_experts": (0, 100_000, False), "moe_ffn_dim": (0, 10_000_000, False), "n_dense_layers": (0, 10_000, False),
    "q_lora_rank": (0, 1_000_000, False), "kv_lora_rank": (0, 1_000_000, False), "qk_nope_head_dim": (0, 100_000, False),
    "qk_rope_head_dim": (0, 100_000, False), "v_head_dim": (0, 100_000, False), "sliding_window": (1, 100_000_000, True),
    "moe_layer_step": (1, 10_000, False),
}


def _show(v) -> str:
    """``v`` for an error message: short (no 300-digit numbers) and without control characters."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 64:
        return f"a {v.bit_length()}-bit integer"
    if isinstance(v, float):
        return f"{v:.6g}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def hash_fields_once(self) -> int:
    """A frozen dataclass's hash of its fields (as the generated one), computed once and kept: for records whose
    fields never change and which key value caches (Architecture, Accelerator). Set as ``__hash__`` in the
    class body (a dataclass replaces an inherited one)."""
    h = self.__dict__.get("_hash")
    if h is None:
        h = hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))
        object.__setattr__(self, "_hash", h)
    return h


def state_without_hash(self) -> dict:
    """``__getstate__`` of a record using :func:`hash_fields_once`: pickled without the kept hash (a str's hash
    differs from one process to the next)."""
    return {k: v for k, v in self.__dict__.items() if k != "_hash"}


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
    moe_layer_step: int = 1  #: after the leading dense layers, every k-th layer is MoE ((i+1) % k == 0)
    mlp_only_layers: tuple[int, ...] = ()  #: further layers (0-based indexes) that stay dense
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

    def __post_init__(self):
        for name in ("name", "family", "source"):
            if not isinstance(getattr(self, name), str):
                raise InputError(f"got {_show(getattr(self, name))}; allowed: text", field=name)
        if not isinstance(self.aliases, tuple) or not all(isinstance(x, str) for x in self.aliases):
            raise InputError("allowed: a tuple of names", field="aliases")
        if not isinstance(self.mlp_only_layers, tuple) or not all(
                isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= i < 10_000 for i in self.mlp_only_layers):
            raise InputError(f"got {_show(self.mlp_only_layers)}; allowed: a tuple of layer indexes 0..9,999",
                             field="mlp_only_layers")
        object.__setattr__(self, "mlp_only_layers", tuple(sorted({int(i) for i in self.mlp_only_layers})))
        if not isinstance(self.tied_embeddings, bool):
            raise InputError(f"got {_show(self.tied_embeddings)}; allowed: True, False", field="tied_embeddings")
        for name, (low, high, optional) in SIZE_LIMITS.items():
            v = getattr(self, name)
            if v is None and optional:
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not low <= v <= high:
                raise InputError(f"got {_show(v)}; allowed: a whole number {low:,}..{high:,}", field=name)
            object.__setattr__(self, name, int(v))  # numpy integers become int
        for name, allowed in (("ffn_type", FFN_TYPES), ("position", POSITIONS), ("norm", NORMS), ("bias", BIAS),
                              ("sliding_window_layers", WINDOW_LAYERS)):
            if getattr(self, name) not in allowed:
                raise InputError(f"got {_show(getattr(self, name))}; allowed: {', '.join(allowed)}", field=name)
        for name in ("published_params_total", "published_params_active"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 < v < 1e16):
                raise InputError(f"got {_show(v)}; allowed: a count > 0 (under 1e16) or None", field=name)
        self._check_shape()

    def _check_shape(self):
        """Relations between fields (each error names the field to change)."""
        if self.n_heads % self.kv_heads:
            raise InputError(f"got {self.kv_heads}; allowed: a divisor of n_heads={self.n_heads}", field="n_kv_heads")
        if self.n_experts:
            if not 0 < self.n_experts_active <= self.n_experts:
                raise InputError(f"got {self.n_experts_active}; allowed: 1..n_experts={self.n_experts}", field="n_experts_active")
            if self.moe_ffn_dim <= 0:
                raise InputError("an MoE model needs moe_ffn_dim > 0", field="moe_ffn_dim")
            if self.n_dense_layers > self.n_layers:
                raise InputError(f"got {self.n_dense_layers}; allowed: 0..n_layers={self.n_layers}", field="n_dense_layers")
            if self.mlp_only_layers and self.mlp_only_layers[-1] >= self.n_layers:
                raise InputError(f"got layer {self.mlp_only_layers[-1]}; allowed: 0..n_layers-1={self.n_layers - 1}",
                                 field="mlp_only_layers")
            if self.n_moe_layers == 0:
                raise InputError("no layer is MoE under this pattern; allowed: a pattern with at least one MoE layer "
                                 "(or n_experts 0 for a dense model)", field="moe_layer_step")
        else:
            for name in ("n_experts_active", "n_shared_experts", "moe_ffn_dim", "n_dense_layers", "mlp_only_layers"):
                if getattr(self, name):
                    raise InputError(f"got {_show(getattr(self, name))}; allowed: 0 when n_experts is 0 (a dense model)",
                                     field=name)
            if self.moe_layer_step != 1:
                raise InputError(f"got {self.moe_layer_step}; allowed: 1 when n_experts is 0 (a dense model)",
                                 field="moe_layer_step")
        if self.n_layers - self.n_moe_layers > 0 and self.ffn_dim <= 0:
            raise InputError("a dense layer needs ffn_dim > 0", field="ffn_dim")
        if self.is_mla:
            for name in ("qk_nope_head_dim", "v_head_dim"):
                if getattr(self, name) <= 0:
                    raise InputError(f"got {getattr(self, name)}; MLA (kv_lora_rank > 0) needs it > 0", field=name)
        else:
            for name in ("q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
                if getattr(self, name):
                    raise InputError(f"got {getattr(self, name)}; allowed: 0 without MLA (kv_lora_rank = 0)", field=name)

    # an Architecture keys the value caches of the FLOP and parameter counts and of the planner
    __hash__ = hash_fields_once
    __getstate__ = state_without_hash

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
    def n_local_attention_layers(self) -> int:
        """Layers whose attention keeps at most ``sliding_window`` keys (0 without a window). [count]"""
        if self.sliding_window is None:
            return 0
        L = self.n_layers
        return {"all": L, "alternate": (L + 1) // 2, "three_of_four": L - L // 4}[self.sliding_window_layers]

    @property
    def layer_kinds(self) -> tuple[str, ...]:
        """``"dense"`` or ``"moe"`` for each layer, first to last (the layer pattern of the module docstring)."""
        if not self.is_moe:
            return ("dense",) * self.n_layers
        skip, k, dense = self.n_dense_layers, self.moe_layer_step, set(self.mlp_only_layers)
        return tuple("moe" if i >= skip and (i + 1) % k == 0 and i not in dense else "dense" for i in range(self.n_layers))

    @property
    def n_moe_layers(self) -> int:
        """Layers whose MLP is a mixture of experts. [count]"""
        return self.layer_kinds.count("moe") if self.is_moe else 0

    @property
    def n_dense_mlp_layers(self) -> int:
        """Layers with a dense MLP of ``ffn_dim`` (every layer of a dense model). [count]"""
        return self.n_layers - self.n_moe_layers

    @property
    def pretrain_seq_len(self) -> int:
        return self.train_seq_len or self.context_length

    def replace(self, **changes) -> "Architecture":
        """A copy with ``changes`` (validated like a new instance)."""
        return dataclasses.replace(self, **changes)

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
    dense_layers = a.n_dense_mlp_layers
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
    models they equal the total. Cached on the Architecture's values (a frozen dataclass).
    """
    return param_counts(a)[1 if active else 0]


@functools.lru_cache(maxsize=512)
def param_counts(a: Architecture) -> tuple[float, float]:
    """(total, active) parameters of ``a`` (:func:`count_params` both ways, one cached lookup). [count]"""
    total = math.fsum(param_breakdown(a).values())
    if not a.is_moe:
        return total, total
    return total, total - a.n_moe_layers * (a.n_experts - a.n_experts_active) * 3 * a.d_model * a.moe_ffn_dim
