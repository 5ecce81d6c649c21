"""`costcurve measure --memory`: one training step traced by PyTorch (FakeTensorMode + MemTracker) on the CPU.

Weights, gradients and optimizer state must equal their exact counts; stored activations must match
Korthikanti et al. 2022 (arXiv 2205.05198, §4.1 and Table 2, no parallelism, no recomputation):
``s·b·h·(34 + 5·a·s/h)`` bytes per layer with 16-bit activations, adjusted as derived below.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch.distributed._tools.mem_tracker")

from costcurve.architecture import Architecture, param_breakdown
from costcurve.errors import InputError
from costcurve.measure import traced_memory as memory
from costcurve.measure.decoder import Decoder


def gpt(L, h, a, V=512, **kw) -> Architecture:
    """A GPT-2-style model (Korthikanti's setting): learned positions, LayerNorm, biases, GELU MLP 4h."""
    return Architecture(name="gpt", n_layers=L, d_model=h, n_heads=a, ffn_dim=4 * h, ffn_type="gelu", vocab_size=V,
                        context_length=512, position="learned", norm="layernorm", bias="true", **kw)


ARCHS = [
    gpt(2, 64, 4),
    Architecture(name="llama-like", n_layers=2, d_model=96, n_heads=6, n_kv_heads=2, ffn_dim=256, vocab_size=300,
                 context_length=256),
    Architecture(name="mqa", n_layers=1, d_model=64, n_heads=4, n_kv_heads=1, ffn_dim=128, ffn_type="gelu",
                 bias="qkv", tied_embeddings=True, position="none", vocab_size=256, context_length=128),
]


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.name)
def test_decoder_params_equal_costcurve_count(arch):
    assert sum(p.numel() for p in Decoder(arch).parameters()) == sum(param_breakdown(arch).values())


@pytest.mark.parametrize("precision", memory.PRECISIONS)
@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.name)
def test_traced_state_equals_exact_counts(arch, precision):
    """Weights, gradients, Adam state: exact (ZeRO §3.1: 2+2+12 bytes/param mixed; 4+4+8 fp32 + step counters)."""
    trace = memory.trace_training_step(arch, seq_len=32, batch_size=2, precision=precision)
    exact = memory.exact_state_bytes(trace["params"], precision, param_tensors=trace["param_tensors"])
    for k in ("weights", "gradients", "optimizer"):
        assert trace["peak"][k] == exact[k], k
    per_param = sum(memory.BYTES_PER_PARAM[precision])
    assert trace["params"] == sum(param_breakdown(arch).values())
    state = sum(trace["peak"][k] for k in ("weights", "gradients", "optimizer"))
    assert state == pytest.approx(per_param * trace["params"], rel=1e-3)  # step counters: 4 bytes per tensor


def test_fake_and_real_runs_agree():
    """FakeTensorMode allocates nothing, yet every byte count equals a real CPU run's."""
    a = ARCHS[1]
    fake = memory.trace_training_step(a, seq_len=48, batch_size=2, fake=True)
    real = memory.trace_training_step(a, seq_len=48, batch_size=2, fake=False)
    assert fake["peak"] == real["peak"] and fake["end_of_forward"] == real["end_of_forward"]
    assert fake["saved_for_backward_bytes"] == real["saved_for_backward_bytes"]


@pytest.mark.parametrize("precision", memory.PRECISIONS)
def test_breakdown_is_ordered_and_sums_to_the_peak(precision):
    out = memory.memory_check(ARCHS[0], seq_len=64, batch_size=2, precision=precision)
    t = out["traced"]
    assert list(t) == list(memory.COMPONENTS)
    assert sum(v for k, v in t.items() if k != "total") == pytest.approx(t["total"], rel=1e-12)
    assert t["total"] == out["peak_snapshot"]["total"] and min(t.values()) >= 0
    # two ways of measuring stored activations: MemTracker at the end of forward, autograd's saved tensors
    # (the 4-byte difference is the loss scalar, an output rather than a saved tensor)
    assert t["activations"] - out["saved_for_backward_bytes"] == 4.0
    c = out["comparison"]
    assert all(c[k]["ratio"] == pytest.approx(1.0, rel=1e-12) for k in ("weights", "gradients", "optimizer"))
    if precision == "mixed":  # the planner's Korthikanti-based activations (flash attention, tp = pp = dp = 1)
        assert out["formula_source"].startswith("costcurve.training.planner")
        assert 0.85 < c["activations"]["ratio"] < 1.15
    else:  # the planner models mixed precision only: exact counts, no activation formula
        assert c["activations"]["ratio"] is None


def korthikanti_per_layer_bytes(s, b, h, a, *, act_bytes=2):
    """Korthikanti et al. 2022, §4.1 eq. (1) / Table 2 (t = 1, no recompute): ``sbh·(34 + 5as/h)`` bytes,
    adjusted to the traced model:

    * no dropout: minus the attention-output and MLP dropout masks (``sbh`` each) and the softmax dropout
      mask (``as²b``);
    * SDPA's flash kernel stores no ``S×S`` tensor: minus softmax output and its dropout output
      (``2as²b`` each), plus the log-sum-exp it keeps per query row and head (fp32: ``4asb``);
    * the SDPA output is the output projection's input (one tensor, as the paper counts it).

    That leaves ``32·sbh`` (16-bit) + ``4asb``. ``act_bytes = 4`` (fp32 training) doubles the ``sbh`` terms.
    """
    paper = s * b * h * (34 + 5 * a * s / h)
    adjusted = paper - 2 * s * b * h - a * s * s * b - 4 * a * s * s * b + 4 * a * s * b
    assert adjusted == 32 * s * b * h + 4 * a * s * b
    return (act_bytes / 2) * 32 * s * b * h + 4 * a * s * b


@pytest.mark.parametrize("s, b, h, a", [(64, 2, 64, 4), (128, 2, 128, 8), (256, 1, 96, 2)])
@pytest.mark.parametrize("precision", memory.PRECISIONS)
def test_activations_per_layer_match_korthikanti(s, b, h, a, precision):
    """Per layer = (activations of 3 layers − of 1 layer) / 2, which cancels the embedding and LM-head terms.

    Tolerance 2%: LayerNorm keeps its mean and reciprocal std per token (``2 × 2 × s·b`` values per layer,
    in the input dtype on the CPU), which the paper leaves out; at these widths that is 0.2–0.8%.
    """
    act = {L: memory.trace_training_step(gpt(L, h, a), seq_len=s, batch_size=b, precision=precision)["saved_for_backward_bytes"]
           for L in (1, 3)}
    per_layer = (act[3] - act[1]) / 2
    want = korthikanti_per_layer_bytes(s, b, h, a, act_bytes=2 if precision == "mixed" else 4)
    assert per_layer == pytest.approx(want, rel=0.02)
    ln_stats = 2 * 2 * s * b * (2 if precision == "mixed" else 4)
    assert per_layer == pytest.approx(want + ln_stats, rel=1e-9)  # the remainder is exactly the LayerNorm statistics


def generalized_per_layer_bytes(s, b, h, a, k, f, *, gated, rope):
    """Korthikanti's per-layer count generalised to GQA and a gated MLP (16-bit, no dropout, flash attention).

    From §4.1, term by term: the two norm inputs and outputs, Q and the attention output: ``6 × 2sbh``;
    K and V: ``2 × 2sbh · k/a`` (GQA keeps ``k`` of ``a`` heads; the paper has k = a); log-sum-exp
    ``4asb``; MLP: the paper's GELU input and output (``2 × 2·f·sb``) become, gated, the up-projection
    output holding gate and up (``2·2f·sb``), SiLU's output and the product that enters the down
    projection (``2·f·sb`` each): ``8·f·sb``. RoPE keeps the rotated K next to the projection output
    that V still needs: ``+ 2sbh · k/a`` (the rotated Q replaces the unrotated one).
    """
    out = s * b * h * (12 + 4 * k / a) + (8 if gated else 4) * f * s * b + 4 * a * s * b
    return out + (2 * s * b * h * k / a if rope else 0)


@pytest.mark.parametrize("rope", [False, True])
@pytest.mark.parametrize("s, b, h, a, k, f", [(64, 2, 128, 8, 2, 352), (128, 1, 96, 6, 1, 256)])
def test_activations_per_layer_generalised_to_gqa_and_gated_mlp(s, b, h, a, k, f, rope):
    """Tolerance 3%: RMSNorm's fp32 1/rms per token (``2 × 4·s·b`` bytes per layer) and, with RoPE, the
    bf16 cos/sin tables (``4 × s·e/2`` values, for Q and K) are not in the formula; they are the exact
    remainder (second assert). The tables do not grow with the batch, so at batch 1 and width 96 they
    reach 1.9% of a layer; at production widths both are far below 0.1%."""
    def arch(L):
        return Architecture(name="g", n_layers=L, d_model=h, n_heads=a, n_kv_heads=k, ffn_dim=f, vocab_size=300,
                            context_length=512, position="rope" if rope else "none")
    act = {L: memory.trace_training_step(arch(L), seq_len=s, batch_size=b)["saved_for_backward_bytes"] for L in (1, 3)}
    per_layer = (act[3] - act[1]) / 2
    want = generalized_per_layer_bytes(s, b, h, a, k, f, gated=True, rope=rope)
    assert per_layer == pytest.approx(want, rel=0.03)
    rope_tables = 4 * s * (h // a // 2) * 2 if rope else 0
    assert per_layer == want + 2 * 4 * s * b + rope_tables


def test_rmsnorm_matches_pytorch_and_its_gradient_checks():
    from costcurve.measure.decoder import RMSNorm

    torch.manual_seed(0)
    x = torch.randn(3, 5, 16, dtype=torch.float64, requires_grad=True)
    norm = RMSNorm(16).double()
    torch.nn.init.normal_(norm.weight)
    ref = torch.nn.functional.rms_norm(x, (16,), norm.weight, norm.eps)
    assert torch.allclose(norm(x), ref, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(norm, (x,))


def test_compare_with_a_formula_breakdown():
    out = memory.memory_check(ARCHS[0], seq_len=64, batch_size=2)
    formula = {**out["formula"], "activations": out["traced"]["activations"] / 2}
    assert memory.compare_activations(out["traced"], formula)["ratio"] == pytest.approx(2.0)


@pytest.mark.parametrize("kwargs, field", [
    ({"precision": "fp8"}, "precision"), ({"seq_len": 0}, "seq_len"), ({"batch_size": 1.5}, "batch_size"),
    ({"seq_len": 4096}, "seq_len"),
])
def test_bad_arguments_raise_typed_errors(kwargs, field):
    args = {"seq_len": 32, "batch_size": 2, **kwargs}
    with pytest.raises(InputError) as e:
        memory.trace_training_step(ARCHS[0], **args)
    assert e.value.field == field


def test_unsupported_architectures_are_refused():
    moe = Architecture(name="moe", n_layers=1, d_model=64, n_heads=4, n_experts=4, n_experts_active=2, moe_ffn_dim=32,
                       vocab_size=256)
    with pytest.raises(InputError) as e:
        memory.trace_training_step(moe, seq_len=16, batch_size=1)
    assert e.value.field == "n_experts"
    with pytest.raises(InputError) as e:
        memory.small_architecture(ARCHS[0], n_layers=0)
    assert e.value.field == "n_layers"


def test_cli_memory_json(run_cli):
    r = run_cli("measure", "--memory", "--model", "llama3-8b", "--layers", "2", "--width", "256", "--heads", "4",
                "--ffn", "704", "--vocab", "1000", "--seq-len", "128", "--batch", "2", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["architecture"]["n_kv_heads"] == 1 and d["architecture"]["ffn_type"] == "gated"  # llama3-8b: 32/8 heads
    assert list(d["traced"]) == list(memory.COMPONENTS)
    for k in ("weights", "gradients", "optimizer"):
        assert d["comparison"][k]["ratio"] == pytest.approx(1.0, rel=1e-12)
    assert 0.85 < d["comparison"]["activations"]["ratio"] < 1.15
    assert d["params"] == sum(param_breakdown(memory.small_architecture(
        Architecture(name="x", n_layers=2, d_model=256, n_heads=4, n_kv_heads=1, ffn_dim=704, vocab_size=1000,
                     context_length=8192))).values())


@pytest.mark.parametrize("args, needle", [
    (("--memory", "--model", "no-such-model"), "no-such-model"),
    (("--memory", "--model", "deepseek-v3"), "not supported"),
    (("--memory", "--precision", "fp8"), "--precision"),
    (("--kv-heads", "2"), "--kv-heads"),
])
def test_cli_memory_bad_input(run_cli, args, needle):
    r = run_cli("measure", *args)
    assert r.code == 2 and r.err.startswith("error:") and r.err.count("\n") == 1 and needle in r.err, r.err


def test_real_run_is_checked_against_the_fake_one_and_bounded(monkeypatch):
    out = memory.memory_check(ARCHS[2], seq_len=32, batch_size=2, fake=False)
    assert out["fake_equals_real"] is True and out["tracer"].startswith("CPU run")
    monkeypatch.setattr(memory, "REAL_RUN_LIMIT_BYTES", 1024)
    with pytest.raises(InputError) as e:
        memory.memory_check(ARCHS[2], seq_len=32, batch_size=2, fake=False)
    assert e.value.field == "real"
