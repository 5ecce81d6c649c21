"""Memory per accelerator: pinned to Korthikanti et al. 2022 Figure 1 and ZeRO's Figure 1; invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve.architecture import Architecture
from costcurve.catalog import load_catalog
from costcurve.errors import InputError
from costcurve.training.planner import activation_bytes_per_layer, memory_breakdown, model_state_bytes
from costcurve.training.planner.rank_memory import MEMORY_KEYS

GiB = 2**30


def gpt(name, heads, hidden, layers):
    """The GPT shape of Korthikanti et al. 2022 (Table 3): GELU MLP 4h, vocab 51200, seq 2048, tied embeddings."""
    return Architecture(name=name, n_layers=layers, d_model=hidden, n_heads=heads, ffn_dim=4 * hidden, ffn_type="gelu",
                        vocab_size=51200, context_length=2048, tied_embeddings=True, position="learned",
                        norm="layernorm", bias="true")


# Korthikanti et al. 2022 (arXiv 2205.05198): Table 3 configurations (heads, hidden, layers, t, p, v,
# microbatch) and Figure 1 memory per GPU [GiB]: parameters+optimizer, activations without
# recomputation, activations with sequence parallelism + selective recomputation.
KORTHIKANTI = {
    "22B": ((64, 6144, 48, 8, 1, 1, 4), (45.56, 59.25, 9.56)),
    "175B": ((96, 12288, 96, 8, 8, 3, 1), (45.56, 66.84, 12.35)),
    "530B": ((128, 20480, 105, 8, 35, 3, 1), (31.64, 114.02, 23.08)),
    "1T": ((160, 25600, 128, 8, 64, 1, 1), (32.96, 131.25, 26.56)),
}


@pytest.mark.parametrize("name", list(KORTHIKANTI))
def test_korthikanti_figure1(name):
    (a, h, L, t, p, v, b), (states, act_none, act_sel) = KORTHIKANTI[name]
    arch = gpt(name, a, h, L)
    # the paper counts the transformer layers (12·L·h² parameters at 18 bytes: fp16 weights, fp32
    # gradients, fp32 master + Adam) and the first stage's p microbatches in flight; its GPT used
    # dropout and no flash attention
    kw = dict(seq_len=2048, microbatch=b, tp=t, pp=p, vpp=v, num_microbatches=64, flash_attention=False,
              dropout=True, stage="middle")
    m0 = memory_breakdown(arch, **kw)
    m1 = memory_breakdown(arch, sequence_parallel=True, recompute="selective", **kw)
    assert (m0["weights"] + m0["gradients"] + m0["optimizer"]) / GiB == pytest.approx(states, rel=0.02)
    assert m0["activations"] / GiB == pytest.approx(act_none, rel=0.02)
    assert m1["activations"] / GiB == pytest.approx(act_sel, rel=0.02)


def test_korthikanti_table2_per_layer_formulas():
    arch = gpt("x", 32, 4096, 4)
    s, b, h, a = 2048, 2, 4096, 32
    for t in (1, 2, 8):
        kw = dict(seq_len=s, microbatch=b, tp=t, flash_attention=False, dropout=True)
        assert activation_bytes_per_layer(arch, **kw) == pytest.approx(s * b * h * (10 + 24 / t + 5 * a * s / (h * t)))
        assert activation_bytes_per_layer(arch, sequence_parallel=True, **kw) == pytest.approx(
            s * b * h / t * (34 + 5 * a * s / h))
        assert activation_bytes_per_layer(arch, sequence_parallel=True, recompute="selective", **kw) == pytest.approx(
            34 * s * b * h / t)
        assert activation_bytes_per_layer(arch, sequence_parallel=True, recompute="full", **kw) == pytest.approx(
            2 * s * b * h / t)


def test_zero_figure1():
    # Rajbhandari et al. 2020, Figure 1: 7.5B parameters, 64-way data parallel, K = 12, fp16 grads:
    # 120 / 31.4 / 16.6 / 1.9 GB per GPU for the baseline and stages 1-3
    for zero, gb in zip(range(4), (120, 31.4, 16.6, 1.9)):
        total = sum(model_state_bytes(7.5e9, zero=zero, shard=64, grad_bytes=2))
        assert total / 1e9 == pytest.approx(gb, rel=0.02)


def test_breakdown_sums_and_orders():
    arch = load_catalog().architecture("llama3-8b")
    m = memory_breakdown(arch, seq_len=8192, tp=2, pp=2, dp=4, zero=1, num_microbatches=8)
    assert tuple(m) == MEMORY_KEYS
    assert m["total"] == pytest.approx(sum(v for k, v in m.items() if k != "total"))


def test_flash_attention_removes_the_score_tensor_and_gqa_shrinks_kv():
    arch = load_catalog().architecture("llama3-8b")
    flash = activation_bytes_per_layer(arch, seq_len=8192, microbatch=1)
    eager = activation_bytes_per_layer(arch, seq_len=8192, microbatch=1, flash_attention=False)
    assert eager - flash == pytest.approx(2 * 1 * 32 * 8192 * 8192 - 4 * 32 * 8192, rel=1e-6)
    mha = activation_bytes_per_layer(arch.replace(n_kv_heads=32), seq_len=8192, microbatch=1)
    assert mha - flash == pytest.approx(2 * 8192 * 2 * (32 - 8) * 128)


def test_moe_experts_split_by_expert_parallelism():
    arch = load_catalog().architecture("deepseek-v3")
    kw = dict(seq_len=4096, tp=1, pp=16, dp=64, num_microbatches=32)
    one, eight = memory_breakdown(arch, ep=1, **kw), memory_breakdown(arch, ep=8, **kw)
    assert eight["weights"] < one["weights"] / 4


def test_recompute_names_its_field():
    with pytest.raises(InputError) as e:
        activation_bytes_per_layer(gpt("x", 8, 512, 2), seq_len=128, recompute="partial")
    assert e.value.field == "recompute"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.integers(0, 3), st.sampled_from([1, 2, 4]),
       st.sampled_from([1, 2, 4, 8, 16]))
def test_more_parallelism_never_needs_more_memory(tp, pp, zero, b, dp):
    arch = load_catalog().architecture("llama3-8b")
    kw = dict(seq_len=4096, microbatch=b, pp=pp, zero=zero, dp=dp, num_microbatches=8, sequence_parallel=tp > 1)
    base = memory_breakdown(arch, tp=tp, **kw)
    assert memory_breakdown(arch, tp=2 * tp, **{**kw, "sequence_parallel": True})["total"] <= base["total"] * 1.0001
    if dp >= 4:  # ZeRO-3 keeps two gathered layers; sharding over fewer than 4 need not pay for them
        assert memory_breakdown(arch, tp=tp, **{**kw, "zero": min(zero + 1, 3)})["total"] <= base["total"] * 1.0001
    full = memory_breakdown(arch, tp=tp, recompute="full", **kw)
    assert full["activations"] <= base["activations"]
    assert np.isfinite(base["total"]) and base["total"] > 0
