"""Read a Hugging Face ``config.json`` (offline) into an :class:`Architecture`.

Understands the key styles of GPT-2 (``n_layer``, ``n_embd``, ...), LLaMA/Mistral/Qwen2
(``num_hidden_layers``, ``hidden_size``, ``num_key_value_heads``, ...), Mixtral
(``num_local_experts``), Gemma 2 (``head_dim``, alternating ``sliding_window``), DeepSeek-V3
(``n_routed_experts``, ``first_k_dense_replace``, MLA ranks), Qwen2/Qwen3-MoE (``num_experts``,
``moe_intermediate_size``, ``decoder_sparse_step``, ``mlp_only_layers``; Qwen2-MoE's
``shared_expert_intermediate_size`` as whole experts) and Llama 4 (its ``text_config``; one shared
expert per MoE layer, ``intermediate_size`` per expert, ``intermediate_size_mlp`` in the dense layers,
``interleave_moe_layer_step`` or an explicit ``moe_layers`` list; its chunked attention,
``attention_chunk_size`` in three of four layers, read as a window of that size). ``norm_topk_prob`` (renormalised
top-k weights) changes no cost and is not read. A multimodal config is read from its ``text_config``
(the vision tower is not counted). Unknown ``model_type`` values are read with the LLaMA key style
when those keys are present.
"""

from __future__ import annotations

from pathlib import Path

from .architecture import Architecture
from .errors import CostcurveError, InputError
from .files import printable, read_json

MAX_CONFIG_BYTES = 4 * 2**20  #: a config.json is a few KiB; refuse anything over 4 MiB [bytes]
GATED_ACTS = {"silu", "swiglu", "swish", "gelu_pytorch_tanh", "geglu", "gelu"}


def _whole(v):
    """``v`` as an int when it is a JSON whole number (``4096`` or ``4096.0``); None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _get(cfg, path, *keys, default=...):
    """The whole-number value of the first of ``keys`` present in ``cfg`` (range checks: Architecture)."""
    for k in keys:
        if k in cfg and cfg[k] is not None:
            v = _whole(cfg[k])
            if v is None:
                shown = repr(cfg[k]) if len(repr(cfg[k])) <= 40 else repr(cfg[k])[:37] + "..."
                raise InputError(f"{path}: key {k!r} is {shown}; allowed: a whole number", field="model")
            return v
    if default is ...:
        raise InputError(f"{path}: missing key {keys[0]!r} (model_type {printable(cfg.get('model_type', 'unknown'))!r})",
                         field="model")
    return default


#: Architecture field -> the config.json key(s) it is read from, for error messages
HF_KEYS = {
    "n_layers": "num_hidden_layers / n_layer", "d_model": "hidden_size / n_embd", "n_heads": "num_attention_heads / n_head",
    "n_kv_heads": "num_key_value_heads", "head_dim": "head_dim", "ffn_dim": "intermediate_size / n_inner",
    "vocab_size": "vocab_size", "context_length": "max_position_embeddings / n_positions", "n_experts": "num_local_experts / n_routed_experts",
    "n_experts_active": "num_experts_per_tok", "n_shared_experts": "n_shared_experts",
    "moe_ffn_dim": "moe_intermediate_size / intermediate_size", "n_dense_layers": "first_k_dense_replace",
    "q_lora_rank": "q_lora_rank", "kv_lora_rank": "kv_lora_rank", "qk_nope_head_dim": "qk_nope_head_dim",
    "qk_rope_head_dim": "qk_rope_head_dim", "v_head_dim": "v_head_dim", "sliding_window": "sliding_window",
    "moe_layer_step": "decoder_sparse_step / interleave_moe_layer_step", "mlp_only_layers": "mlp_only_layers / moe_layers",
}


def _layer_list(cfg, path, key):
    """A list of whole-number layer indexes under ``key`` (empty when absent)."""
    v = cfg.get(key)
    if v is None:
        return ()
    if not isinstance(v, list) or any(_whole(x) is None for x in v):
        raise InputError(f"{path}: key {key!r} must be a list of layer indexes", field="model")
    return tuple(_whole(x) for x in v)


def _moe_keys(cfg, path, mt) -> dict:
    """Architecture fields of the MoE keys of Mixtral, DeepSeek, Qwen-MoE and Llama 4 ({} for a dense model)."""
    if "num_local_experts" in cfg and mt.startswith("llama4"):  # Llama 4: a shared expert in every MoE layer
        L = _get(cfg, path, "num_hidden_layers")
        moe = _layer_list(cfg, path, "moe_layers")
        kw = dict(n_experts=_get(cfg, path, "num_local_experts"), n_experts_active=_get(cfg, path, "num_experts_per_tok"),
                  n_shared_experts=1, moe_ffn_dim=_get(cfg, path, "intermediate_size"),
                  ffn_dim=_get(cfg, path, "intermediate_size_mlp", "intermediate_size"))
        chunk = _get(cfg, path, "attention_chunk_size", default=None)
        if chunk:  # chunked attention in three of four layers, every fourth global (no RoPE): as a window
            kw.update(sliding_window=chunk, sliding_window_layers="three_of_four")
        if moe:
            kw["mlp_only_layers"] = tuple(i for i in range(L) if i not in set(moe))
        else:
            kw["moe_layer_step"] = _get(cfg, path, "interleave_moe_layer_step", default=1)
        return kw
    if "num_local_experts" in cfg:  # Mixtral
        return dict(n_experts=_get(cfg, path, "num_local_experts"), n_experts_active=_get(cfg, path, "num_experts_per_tok"),
                    moe_ffn_dim=_get(cfg, path, "intermediate_size"), ffn_dim=0)
    if "n_routed_experts" in cfg:  # DeepSeek-V2/V3
        return dict(n_experts=_get(cfg, path, "n_routed_experts"), n_experts_active=_get(cfg, path, "num_experts_per_tok"),
                    n_shared_experts=_get(cfg, path, "n_shared_experts", default=0),
                    moe_ffn_dim=_get(cfg, path, "moe_intermediate_size"),
                    n_dense_layers=_get(cfg, path, "first_k_dense_replace", default=0),
                    moe_layer_step=_get(cfg, path, "moe_layer_freq", default=1), ffn_dim=_get(cfg, path, "intermediate_size"))
    if _get(cfg, path, "num_experts", default=0):  # Qwen2-MoE / Qwen3-MoE
        f_e = _get(cfg, path, "moe_intermediate_size")
        shared = _get(cfg, path, "shared_expert_intermediate_size", default=0)
        if shared % f_e:
            raise InputError(f"{path}: shared_expert_intermediate_size {shared} is not a whole number of experts of "
                             f"moe_intermediate_size {f_e}", field="model")
        return dict(n_experts=_get(cfg, path, "num_experts"), n_experts_active=_get(cfg, path, "num_experts_per_tok"),
                    n_shared_experts=shared // f_e, moe_ffn_dim=f_e,
                    moe_layer_step=_get(cfg, path, "decoder_sparse_step", default=1),
                    mlp_only_layers=_layer_list(cfg, path, "mlp_only_layers"),
                    ffn_dim=_get(cfg, path, "intermediate_size", default=0))
    return {}


def architecture_from_hf_dict(cfg: dict, name: str = "config.json", path: str = "config.json") -> Architecture:
    """Build an Architecture from a parsed config.json dict. Raises InputError on missing/bad keys."""
    if not isinstance(cfg, dict):
        raise InputError(f"{path}: expected a JSON object", field="model")
    mt = str(cfg.get("model_type", "")).lower()
    if isinstance(cfg.get("text_config"), dict) and "num_hidden_layers" not in cfg:  # multimodal: the language model
        top = cfg
        cfg = dict(cfg["text_config"])
        cfg.setdefault("tie_word_embeddings", top.get("tie_word_embeddings", False))
        mt = str(cfg.get("model_type") or mt).lower()
    if mt == "gpt2" or "n_embd" in cfg:
        d = _get(cfg, path, "n_embd")
        return Architecture(
            name=name, n_layers=_get(cfg, path, "n_layer"), d_model=d, n_heads=_get(cfg, path, "n_head"),
            ffn_dim=_get(cfg, path, "n_inner", default=4 * d), ffn_type="gelu", vocab_size=_get(cfg, path, "vocab_size"),
            context_length=_get(cfg, path, "n_positions", "n_ctx"), tied_embeddings=bool(cfg.get("tie_word_embeddings", True)),
            position="learned", norm="layernorm", bias="true", family="gpt2", source=f"Hugging Face config: {path}")
    L = _get(cfg, path, "num_hidden_layers")
    d = _get(cfg, path, "hidden_size")
    h = _get(cfg, path, "num_attention_heads")
    kv = _get(cfg, path, "num_key_value_heads", default=h)
    act = str(cfg.get("hidden_act") or cfg.get("hidden_activation") or "silu").lower()
    kw = dict(
        name=name, n_layers=L, d_model=d, n_heads=h, n_kv_heads=kv, head_dim=_get(cfg, path, "head_dim", default=None),
        ffn_type="gated" if act in GATED_ACTS else "gelu", vocab_size=_get(cfg, path, "vocab_size"),
        context_length=_get(cfg, path, "max_position_embeddings", default=4096),
        tied_embeddings=bool(cfg.get("tie_word_embeddings", mt.startswith("gemma"))), position="rope", norm="rmsnorm",
        family=printable(mt) or "llama", source=f"Hugging Face config: {path}",
    )
    if cfg.get("attention_bias") or mt in ("qwen2", "qwen2_moe"):
        kw["bias"] = "qkv"
    window = cfg.get("sliding_window")
    if window and (cfg.get("use_sliding_window", True) or mt != "qwen2"):
        kw["sliding_window"] = _get(cfg, path, "sliding_window")
        kw["sliding_window_layers"] = "alternate" if mt in ("gemma2", "gemma3") else "all"
    moe = _moe_keys(cfg, path, mt)
    kw.update(moe or {"ffn_dim": _get(cfg, path, "intermediate_size")})
    if cfg.get("kv_lora_rank"):
        kw.update(q_lora_rank=_get(cfg, path, "q_lora_rank", default=0) or 0, kv_lora_rank=_get(cfg, path, "kv_lora_rank"),
                  qk_nope_head_dim=_get(cfg, path, "qk_nope_head_dim"), qk_rope_head_dim=_get(cfg, path, "qk_rope_head_dim"),
                  v_head_dim=_get(cfg, path, "v_head_dim"), head_dim=None)
    try:
        return Architecture(**kw)
    except CostcurveError as e:
        key = f" (config key {HF_KEYS[e.field]})" if e.field in HF_KEYS else ""
        raise InputError(f"{path}: {e}{key}", field="model") from None


def read_hf_config(path) -> Architecture:
    """Read ``path`` (a config.json, or a folder holding one) into an Architecture."""
    p = Path(path)
    if p.is_dir():
        p = p / "config.json"
    cfg = read_json(p, field="model", max_bytes=MAX_CONFIG_BYTES)
    name = p.parent.name if p.name == "config.json" and p.parent.name else p.stem
    return architecture_from_hf_dict(cfg, name=printable(name) or "config.json", path=printable(p))
