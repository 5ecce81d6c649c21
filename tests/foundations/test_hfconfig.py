"""Hugging Face config.json files of each key style read offline into the right architecture."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcurve import count_params
from costcurve.errors import InputError
from costcurve.hfconfig import architecture_from_hf_dict, read_hf_config

HF = Path(__file__).parents[1] / "data" / "hf"

# file, attention kind, total params, active params (published figures; see tests/data/hf/SOURCE.txt)
CASES = [
    ("gpt2.json", "mha", 124e6, None),  # Radford et al. 2019: 124M (117M in the paper's count)
    ("llama2-7b.json", "mha", 6.74e9, None),
    ("llama3-8b.json", "gqa", 8.03e9, None),
    ("mistral-7b.json", "gqa", 7.24e9, None),  # Mistral 7B: 7.24B (model card)
    ("mixtral-8x7b.json", "gqa", 46.7e9, 12.9e9),
    ("qwen2.5-7b.json", "gqa", 7.61e9, None),  # Qwen2.5 model card: 7.61B
    ("gemma2-9b.json", "gqa", 9.24e9, None),  # Gemma 2 report Table 1 (9.24B incl. embeddings)
    ("deepseek-v3.json", "mla", 671e9, None),
    # Qwen3 model cards: 235B total / 22B activated, 30.5B / 3.3B (2 significant digits: 4% on active below)
    ("qwen3-235b-a22b.json", "gqa", 235e9, 22e9),
    ("qwen3-30b-a3b.json", "gqa", 30.5e9, 3.3e9),
    # Llama 4 model cards: Maverick 400B total (text 400.7B + 0.87B vision tower), 17B active
    ("llama4-maverick.json", "gqa", 400e9, 17e9),
]


@pytest.mark.parametrize("fname,kind,total,active", CASES, ids=[c[0] for c in CASES])
def test_key_styles(fname, kind, total, active):
    a = read_hf_config(HF / fname)
    assert a.attention_kind == kind
    assert count_params(a) == pytest.approx(total, rel=0.01)
    if active:  # a published active count of two significant digits is a rounded figure: 4%
        assert count_params(a, active=True) == pytest.approx(active, rel=0.01 if active % 1e8 else 0.04)


def test_specific_fields():
    assert read_hf_config(HF / "mistral-7b.json").sliding_window == 4096
    g = read_hf_config(HF / "gemma2-9b.json")
    assert g.sliding_window_layers == "alternate" and g.tied_embeddings and g.head_size == 256
    q = read_hf_config(HF / "qwen2.5-7b.json")
    assert q.sliding_window is None and q.bias == "qkv"  # use_sliding_window is false
    d = read_hf_config(HF / "deepseek-v3.json")
    assert d.n_dense_layers == 3 and d.n_shared_experts == 1 and d.kv_lora_rank == 512


def test_qwen3_moe_and_llama4_layer_patterns_and_presets_agree():
    """Qwen3-MoE: every layer MoE (decoder_sparse_step 1); Llama 4 Maverick alternates dense and MoE layers
    (interleave_moe_layer_step 2: layers 1, 3, 5, ... are MoE) with one shared expert; each config reads as its preset."""
    from costcurve import load_catalog

    cat = load_catalog()
    q = read_hf_config(HF / "qwen3-235b-a22b.json")
    assert q.n_moe_layers == 94 and q.n_experts == 128 and q.n_experts_active == 8 and q.n_shared_experts == 0
    m = read_hf_config(HF / "llama4-maverick.json")
    assert m.layer_kinds[:4] == ("dense", "moe", "dense", "moe") and m.n_moe_layers == 24
    assert m.n_shared_experts == 1 and m.moe_ffn_dim == 8192 and m.ffn_dim == 16384 and not m.tied_embeddings
    for fname, preset in (("qwen3-235b-a22b.json", "qwen3-235b-a22b"), ("qwen3-30b-a3b.json", "qwen3-30b-a3b"),
                          ("llama4-scout.json", "llama4-scout"), ("llama4-maverick.json", "llama4-maverick")):
        a, p = read_hf_config(HF / fname), cat.architecture(preset)
        assert count_params(a) == count_params(p) and count_params(a, active=True) == count_params(p, active=True)
        assert a.layer_kinds == p.layer_kinds
    # an explicit Qwen3 mlp_only_layers list and a sparse step
    cfg = {"model_type": "qwen3_moe", "num_hidden_layers": 8, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 2, "vocab_size": 100, "intermediate_size": 128, "moe_intermediate_size": 32,
           "num_experts": 4, "num_experts_per_tok": 2, "decoder_sparse_step": 2, "mlp_only_layers": [3]}
    a = architecture_from_hf_dict(cfg)
    assert a.layer_kinds == ("dense", "moe", "dense", "dense", "dense", "moe", "dense", "moe")
    with pytest.raises(InputError, match="mlp_only_layers"):
        architecture_from_hf_dict({**cfg, "mlp_only_layers": "3"})
    with pytest.raises(InputError, match="mlp_only_layers"):  # a layer past the last
        architecture_from_hf_dict({**cfg, "mlp_only_layers": [8]})


def test_folder_with_config(tmp_path):
    (tmp_path / "config.json").write_text((HF / "llama2-7b.json").read_text())
    assert read_hf_config(tmp_path).n_layers == 32


@pytest.mark.parametrize("cfg,needle", [
    ({"model_type": "llama"}, "num_hidden_layers"),
    ({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": "big", "num_attention_heads": 2,
      "vocab_size": 10, "intermediate_size": 8}, "hidden_size"),
    ({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 3, "num_key_value_heads": 2,
      "vocab_size": 10, "intermediate_size": 8}, "n_kv_heads"),
    ([1, 2], "JSON object"),
])
def test_bad_configs(cfg, needle):
    with pytest.raises(InputError) as e:
        architecture_from_hf_dict(cfg)
    assert needle in str(e.value)


LLAMA = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "vocab_size": 10,
         "intermediate_size": 8}
DEEPSEEK = {**LLAMA, "n_routed_experts": 4, "num_experts_per_tok": 2, "n_shared_experts": 1, "moe_intermediate_size": 8,
            "kv_lora_rank": 16, "q_lora_rank": 8, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8}


@pytest.mark.parametrize("base,key,value,field", [
    (LLAMA, "head_dim", -1, "head_dim"), (LLAMA, "head_dim", 0, "head_dim"),
    (LLAMA, "intermediate_size", 0, "ffn_dim"), (LLAMA, "intermediate_size", -5, "ffn_dim"),
    (LLAMA, "num_key_value_heads", -1, "n_kv_heads"), (LLAMA, "num_key_value_heads", 0, "n_kv_heads"),
    (LLAMA, "hidden_size", 10**400, "d_model"), (LLAMA, "vocab_size", 4.5, "vocab_size"),
    (LLAMA, "num_hidden_layers", float("inf"), "num_hidden_layers"), (LLAMA, "sliding_window", -3, "sliding_window"),
    (DEEPSEEK, "n_shared_experts", -1, "n_shared_experts"), (DEEPSEEK, "q_lora_rank", -5, "q_lora_rank"),
    (DEEPSEEK, "v_head_dim", 0, "v_head_dim"), (DEEPSEEK, "moe_intermediate_size", -8, "moe_ffn_dim"),
    (DEEPSEEK, "num_experts_per_tok", 9, "n_experts_active"),
])
def test_non_positive_sizes_are_refused_naming_the_field(base, key, value, field):
    """Negative or zero sizes gave negative FLOP parts; now each is refused naming the field."""
    with pytest.raises(InputError) as e:
        architecture_from_hf_dict({**base, key: value})
    assert e.value.field == "model" and field in str(e.value)
    assert len(str(e.value)) < 300  # never a 400-digit number


def test_valid_deepseek_style_config_still_reads():
    a = architecture_from_hf_dict(DEEPSEEK)
    assert a.is_mla and a.is_moe and all(v >= 0 for v in a.params().values())
