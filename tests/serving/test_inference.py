"""Inference cost: memory accounting, the per-phase roofline, dollars, published measurements, CLI.

Published serving measurements are kept here as data next to how they were produced. The default
bandwidth efficiency was fitted on CALIBRATION (TensorRT-LLM v0.6.1), the default FLOP efficiency on
FIT_2025 (the prefill-bound rows of the v1.0 overview); HELD_OUT and LATER_HELD_OUT set nothing.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve import Architecture, count_params, estimate_inference, load_catalog
from costcurve import flop
from costcurve.serving import replica_memory as memory
from costcurve.serving.estimate import DEFAULTS, DoesNotFitError, usd_per_billion_queries
from costcurve.serving.engines import engine_profile
from costcurve.serving.roofline import prefill_flop
from costcurve.serving.step import Replica, stage_step_s
from costcurve.errors import CostcurveError, InputError, UnknownNameError

CAT = load_catalog()

# ---- published measurements ----------------------------------------------------------------------
# TensorRT-LLM "Performance of TensorRT-LLM", docs/source/performance.md, data "updated for v0.6.1"
# (github.com/NVIDIA/TensorRT-LLM, commit 138f96d45f90b9667426f7c47297d8c06bafac73): static batching
# (gptSessionBenchmark) at the stated batch; H100 SXM FP8 with FP8 KV cache, A100 FP16.
# "LLaMA 7B/70B" are the Llama 2 checkpoints. Columns: model, gpu, dtype, TP, batch, ISL, OSL,
# output tokens/s per replica (the H100 table is per GPU: multiplied by TP here).
CALIBRATION = [
    ("llama2-7b", "h100", "fp8", 1, 768, 128, 128, 19_694),
    ("llama2-7b", "h100", "fp8", 1, 112, 128, 2048, 6_818),
    ("llama2-7b", "h100", "fp8", 1, 80, 2048, 128, 2_244),
    ("llama2-7b", "h100", "fp8", 1, 48, 2048, 2048, 2_740),
    ("llama2-70b", "h100", "fp8", 2, 1024, 128, 128, 2 * 2_657),
    ("llama2-70b", "h100", "fp8", 4, 480, 128, 2048, 4 * 1_486),
    ("llama2-70b", "h100", "fp8", 2, 96, 2048, 128, 2 * 306),
    ("llama2-70b", "h100", "fp8", 2, 64, 2048, 2048, 2 * 547),
    ("llama2-7b", "a100", "fp16", 1, 384, 128, 128, 5_586),
    ("llama2-7b", "a100", "fp16", 1, 60, 128, 2048, 1_928),
    ("llama2-7b", "a100", "fp16", 1, 52, 2048, 128, 591),
]

# TensorRT-LLM "Overview" (performance), docs/source/performance/perf-overview.md, v1.0 tables
# (github.com/NVIDIA/TensorRT-LLM, commit 00f37686aa854010d68bcbd0f4ab000221541ca6): trtllm-bench
# throughput, in-flight batching, requests at infinite rate, "Total Output Throughput (tokens/sec)";
# nvidia/Llama-3.1-8B-Instruct-FP8, Llama-3.3-70B-Instruct-FP8 (the 3.1 70B architecture),
# Llama-3.1-405B-Instruct-FP8. The batch is the engine's choice: the estimate uses its default.
_V10 = [
    ("llama3.1-8b", "h100", 1, 128, 128, 28_312),
    ("llama3.1-8b", "h100", 1, 128, 2048, 22_714),
    ("llama3.1-8b", "h100", 1, 1000, 1000, 15_220),
    ("llama3.1-8b", "h100", 1, 2048, 2048, 9_305),
    ("llama3.1-8b", "h100", 1, 2048, 128, 3_450),
    ("llama3.1-8b", "h100", 1, 5000, 500, 3_459),
    ("llama3.1-8b", "h200", 1, 128, 128, 27_911),
    ("llama3.1-8b", "h200", 1, 1000, 1000, 17_744),
    ("llama3.1-8b", "h200", 1, 2048, 2048, 12_194),
    ("llama3.1-70b", "h100", 2, 128, 128, 6_378),
    ("llama3.1-70b", "h100", 2, 1000, 1000, 4_205),
    ("llama3.1-70b", "h100", 2, 2048, 2048, 3_082),
    ("llama3.1-70b", "h100", 2, 500, 2000, 5_222),
    ("llama3.1-70b", "h200", 1, 128, 128, 3_803),
    ("llama3.1-70b", "h200", 1, 1000, 1000, 2_909),
    ("llama3.1-70b", "h200", 1, 2048, 2048, 2_003),
    ("llama3.1-405b", "h100", 8, 1000, 1000, 2_919),
    ("llama3.1-405b", "h100", 8, 128, 2048, 4_340),
    ("llama3.1-405b", "h200", 8, 1000, 1000, 3_330),
]
#: the prefill-bound rows (ISL >= 4 x OSL, or 128/128): the FLOP efficiency was fitted on these (test below)
FIT_2025 = [r for r in _V10 if r[3] >= 4 * r[4] or r[3] == r[4] == 128]
HELD_OUT = [r for r in _V10 if r not in FIT_2025]
# TensorRT-LLM developer-guide/perf-overview.md (commit 03e27c7d5ff0c6e89f8328838c0a8e64f1b34f9d, later than v1.0):
# Llama 3.3 70B FP8 (the 3.1 70B architecture), TP2, output tokens/s per GPU x 2 here. Held out.
LATER_HELD_OUT = [
    ("llama3.1-70b", "h200", 2, 1000, 1000, 2 * 2_587), ("llama3.1-70b", "h200", 2, 1024, 8192, 2 * 2_009),
    ("llama3.1-70b", "h200", 2, 8192, 1024, 2 * 537), ("llama3.1-70b", "h200", 2, 32768, 1024, 2 * 120),
    ("llama3.1-70b", "h100", 2, 1000, 1000, 2 * 2_209), ("llama3.1-70b", "h100", 2, 8192, 1024, 2 * 398),
]
# NVIDIA Technical Blog on the TensorRT Model Optimizer FP8 recipe for Llama 3.1 405B on H200 (August 2024; retold
# with its Table 1 by Blockchain.News, "NVIDIA Enhances Llama 3.1 405B Performance with TensorRT Model Optimizer",
# 2024-08-29), Table 1: maximum throughput, output tokens/s, 8 x H200 (HGX, NVLink Switch),
# TensorRT-LLM with the Model Optimizer FP8 recipe (FP8 weights and KV cache): 2,048/128, 32,768/2,048 and
# 120,000/2,048 tokens. An older engine, longer contexts than any table above, not used in any fit. Held out.
LONG_CONTEXT_HELD_OUT = [
    ("llama3.1-405b", "h200", 8, 2048, 128, 463.1), ("llama3.1-405b", "h200", 8, 32768, 2048, 320.1),
    ("llama3.1-405b", "h200", 8, 120000, 2048, 71.5),
]
TOLERANCE = 0.35


def _ideal(**kw):
    """Roofline bound: every efficiency 1, no all-reduce latency, all of memory usable."""
    return estimate_inference(flop_efficiency=1, bandwidth_efficiency=1, interconnect_efficiency=1,
                              allreduce_latency_s=0, memory_utilization=1, max_batch=1e6, min_tokens_per_s_per_user=None,
                              price_usd_per_gpu_hour=1, **kw)


@pytest.mark.parametrize("model,gpu,tp,isl,osl,measured", _V10 + LATER_HELD_OUT + LONG_CONTEXT_HELD_OUT)
def test_v10_and_later_measurements_within_35_percent_and_below_roofline(model, gpu, tp, isl, osl, measured):
    est = estimate_inference(model=model, gpu=gpu, gpus=tp, dtype="fp8", input_tokens=isl, output_tokens=osl,
                             price_usd_per_gpu_hour=1, min_tokens_per_s_per_user=None)  # trtllm-bench: max throughput
    assert est.tokens_per_second == pytest.approx(measured, rel=TOLERANCE)
    bound = _ideal(model=model, gpu=gpu, gpus=tp, dtype="fp8", input_tokens=isl, output_tokens=osl)
    assert measured <= bound.tokens_per_second
    assert est.tokens_per_second <= est.roofline_tokens_per_second <= bound.tokens_per_second * (1 + 1e-9)


def test_long_context_405b_on_h200_held_out_within_the_dense_goal():
    """The dense goal (±15% at the median) on NVIDIA's long-context Llama 3.1 405B figures (0.86 / 0.99 / 1.00
    measured): the KV cache of 22–79 sequences of 34K–122K tokens sets the batch, not a fitted constant."""
    ratios = [float(estimate_inference(model=m, gpu=g, gpus=n, dtype="fp8", input_tokens=i, output_tokens=o,
                                       price_usd_per_gpu_hour=1, min_tokens_per_s_per_user=None).tokens_per_second) / pub
              for m, g, n, i, o, pub in LONG_CONTEXT_HELD_OUT]
    assert abs(math.log(float(np.median(ratios)))) <= math.log(1.15)
    assert all(0.8 <= r <= 1.2 for r in ratios)


def test_flop_efficiency_refit_on_the_prefill_bound_rows_reproduces_the_default():
    """Grid 0.40..0.60 (step 0.01) of squared log error on FIT_2025 gives DEFAULTS' 0.51; the held-out sets then read
    within ±15% at the median (dense goal) and every prefill-bound held-out row within ±15%."""
    best = min((sum(math.log(estimate_inference(model=m, gpu=g, gpus=tp, dtype="fp8", input_tokens=i, output_tokens=o,
                                                price_usd_per_gpu_hour=1, flop_efficiency=round(f, 2),
                                                min_tokens_per_s_per_user=None).tokens_per_second
                                 / pub) ** 2 for m, g, tp, i, o, pub in FIT_2025), round(f, 2))
               for f in np.arange(0.40, 0.601, 0.01))
    assert best[1] == DEFAULTS["flop_efficiency"]
    for rows in (HELD_OUT, LATER_HELD_OUT):
        r = [estimate_inference(model=m, gpu=g, gpus=tp, dtype="fp8", input_tokens=i, output_tokens=o,
                                price_usd_per_gpu_hour=1, min_tokens_per_s_per_user=None).tokens_per_second / pub for m, g, tp, i, o, pub in rows]
        assert 0.85 <= np.median(r) <= 1.15
    prefill_bound = [x for x in LATER_HELD_OUT if x[3] >= 4 * x[4]]
    for m, g, tp, i, o, pub in prefill_bound:
        est = estimate_inference(model=m, gpu=g, gpus=tp, dtype="fp8", input_tokens=i, output_tokens=o,
                                 price_usd_per_gpu_hour=1, min_tokens_per_s_per_user=None)
        assert est.tokens_per_second == pytest.approx(pub, rel=0.15)


def test_calibration_set_fit_and_bound():
    """The defaults hold the v0.6.1 static-batch table (median |log error| < 10%); nothing beats the roofline.

    Two 70B long-output rows (B=480 TP4 and B=64 TP2 at OSL 2048) run ~2x below the model in
    that table and are kept in, not dropped: a robust fit (median) set the bandwidth default. The FLOP
    default now comes from the v1.0 tables (0.51, was 0.45 fitted here): the older engine's prefill reads
    about 10% high, so the median bound moved from 10% to 12% (measured 10.1%).
    """
    errors = []
    for model, gpu, dtype, tp, b, isl, osl, measured in CALIBRATION:
        kw = dict(model=model, gpu=gpu, dtype=dtype, gpus=tp, batch=b, input_tokens=isl, output_tokens=osl)
        est = estimate_inference(price_usd_per_gpu_hour=1, **kw)
        errors.append(math.log(est.tokens_per_second / measured))
        assert measured <= est.roofline_tokens_per_second
    assert np.median(np.abs(errors)) < 0.12
    assert sum(abs(math.exp(e) - 1) <= TOLERANCE for e in errors) == 9  # all but the two 70B rows above


def test_gpt35_class_query_cost_near_ark_one_cent():
    """ARK Invest (Big Ideas 2023): a ChatGPT query costs about $0.01 to run at scale.

    GPT-3.5-class 175B dense (the gpt3-175b shape), fp16 on 8 x A100-80GB at mid-2023 on-demand
    prices; a chat turn of 1,024 prompt tokens (the conversation so far, as in the vLLM chatbot
    workload, Kwon et al. 2023 §6.5) and 338 answer tokens (ShareGPT mean, ibid. Fig. 11).
    """
    est = estimate_inference(model="gpt3-175b", gpu="a100", gpus=8, dtype="fp16", date="2023-06-01",
                             input_tokens=1024, output_tokens=338,
                             min_tokens_per_s_per_user=None)  # the throughput-optimal batch, as ARK's figure assumes
    assert 0.01 / 3 <= est.usd_per_query <= 0.01 * 3
    slow = estimate_inference(model="gpt3-175b", gpu="a100", gpus=8, dtype="fp16", date="2023-06-01",
                              input_tokens=1024, output_tokens=338, max_time_per_output_token_s=0.05)
    assert est.usd_per_query < slow.usd_per_query <= 0.03


# ---- memory --------------------------------------------------------------------------------------
def test_kv_cache_per_token_by_attention_kind():
    a = CAT.architecture("llama3-8b")  # GQA: 32 layers, 8 KV heads of 128
    assert memory.kv_cache_bytes_per_token(a, "bf16") == 2 * 32 * 8 * 128 * 2
    mha = CAT.architecture("llama2-7b")
    assert memory.kv_cache_bytes_per_token(mha, "fp16") == 2 * 32 * 32 * 128 * 2
    mqa = mha.replace(name="mqa", n_kv_heads=1)
    assert memory.kv_cache_bytes_per_token(mqa, "fp16") == 2 * 32 * 1 * 128 * 2
    assert memory.kv_cache_bytes_per_token(mqa, "fp16", tp=8) == 2 * 32 * 1 * 128 * 2  # replicated
    assert memory.kv_cache_bytes_per_token(a, "bf16", tp=4) == 2 * 32 * 2 * 128 * 2
    ds = CAT.architecture("deepseek-v3")  # MLA latent 512 + rope 64 per layer, replicated under TP
    assert memory.kv_cache_bytes_per_token(ds, "bf16", tp=8) == 61 * (512 + 64) * 2
    assert memory.kv_cache_bytes_per_token(a, "fp8") * 2 == memory.kv_cache_bytes_per_token(a, "bf16")


def test_sliding_window_caps_the_cache():
    m = CAT.architecture("mistral-7b")
    W = m.sliding_window
    per = memory.kv_cache_bytes_per_token(m, "bf16")
    assert memory.kv_cache_bytes(m, 2 * W, "bf16") == pytest.approx(per * W)
    assert memory.kv_cache_bytes(m, W // 2, "bf16") == pytest.approx(per * W / 2)
    g = CAT.architecture("gemma2-9b")  # alternating local/global layers
    if g.sliding_window and g.sliding_window_layers == "alternate":
        S = 4 * g.sliding_window
        local = (g.n_layers + 1) // 2
        expect = memory.kv_cache_bytes_per_token(g, "bf16") / g.n_layers * (local * g.sliding_window + (g.n_layers - local) * S)
        assert memory.kv_cache_bytes(g, S, "bf16") == pytest.approx(expect)


def test_weight_bytes_follow_parameter_count():
    a = CAT.architecture("llama3-70b")
    assert memory.weight_bytes(a, "bf16") == pytest.approx(2 * count_params(a))
    fp8 = memory.weight_bytes(a, "fp8")
    assert 0.5 * memory.weight_bytes(a, "bf16") < fp8 < 0.55 * memory.weight_bytes(a, "bf16")  # 16-bit embeddings
    assert sum(memory.weight_bytes_breakdown(a, "int4").values()) == pytest.approx(memory.weight_bytes(a, "int4"))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["llama3-8b", "mixtral-8x7b", "gpt3-175b", "deepseek-v3", "qwen2.5-7b", "gemma2-27b"]),
       group=st.sampled_from([None, 32, 64, 128, 256]))
def test_int4_is_a_quarter_of_fp16_plus_group_overhead(name, group):
    a = CAT.architecture(name)
    g = group or memory.DEFAULT_GROUP_SIZE
    b16 = memory.weight_bytes_breakdown(a, "fp16")
    b4 = memory.weight_bytes_breakdown(a, "int4", group_size=group)
    params = a.params()
    for part in b16:
        if part in memory.QUANTIZED_PARTS:
            assert b4[part] == pytest.approx(b16[part] / 4 + params[part] * 2.5 / g)
        else:
            assert b4[part] == b16[part]


def test_moe_reads_only_routed_experts():
    a = CAT.architecture("mixtral-8x7b")
    assert memory.expected_experts_touched(8, 2, 1) == pytest.approx(2)
    assert memory.expected_experts_touched(8, 2, 10_000) == pytest.approx(8)
    reads = memory.weight_bytes_read_per_step(a, "bf16", np.array([1, 4, 64, 4096]))
    assert np.all(np.diff(reads) > 0)
    active = 2 * count_params(a, active=True) - 2 * a.vocab_size * a.d_model  # embedding table is not read
    assert reads[0] == pytest.approx(active, rel=1e-6)
    assert reads[-1] == pytest.approx(memory.weight_bytes(a, "bf16") - 2 * a.vocab_size * a.d_model, rel=1e-6)


def test_max_batch_is_what_memory_holds():
    est = estimate_inference(model="llama3-8b", gpu="h100", dtype="bf16", input_tokens=1000, output_tokens=1000,
                             price_usd_per_gpu_hour=1, max_batch=1e6, min_tokens_per_s_per_user=None)
    assert est.batch == est.max_batch
    assert est.memory_required_bytes <= est.memory_usable_bytes
    a = CAT.architecture("llama3-8b")
    per_seq = memory.kv_cache_bytes(a, 1000 + 500, "bf16")
    assert est.memory_required_bytes + per_seq > est.memory_usable_bytes
    assert sum(est.memory_breakdown_bytes.values()) == pytest.approx(est.memory_required_bytes)


def test_does_not_fit_says_need_have_and_smallest_count():
    with pytest.raises(DoesNotFitError) as e:
        estimate_inference(model="llama3.1-405b", gpu="h100", gpus=4, price_usd_per_gpu_hour=1)
    err = e.value
    assert err.min_gpus == 16 and err.required_bytes > err.available_bytes > 0
    assert "needs" in str(err) and "usable" in str(err) and "`gpus` 16" in str(err)
    ok = estimate_inference(model="llama3.1-405b", gpu="h100", price_usd_per_gpu_hour=1)
    assert ok.gpus == 16


# ---- roofline ------------------------------------------------------------------------------------
def test_prefill_flop_matches_the_flop_module():
    for name, I in (("llama3-8b", 2048), ("mistral-7b", 9000), ("gpt3-175b", 300)):
        a = CAT.architecture(name)
        per_token = flop.forward_flop_per_token(a, I)
        head = flop.forward_flop_per_token_breakdown(a, I)["lm_head"]
        assert prefill_flop(a, I) == pytest.approx(I * per_token - (I - 1) * head, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["llama3-8b", "llama3-70b", "mixtral-8x7b", "deepseek-v3", "mistral-7b"]),
       n=st.sampled_from([1, 2, 4, 8]), batch=st.integers(1, 4096), context=st.integers(1, 32_000),
       e_f=st.floats(0.05, 1.0), e_b=st.floats(0.05, 1.0))
def test_decode_never_beats_the_bandwidth_bound(name, n, batch, context, e_f, e_b):
    acc = CAT.accelerator("h100")
    prof = replace(engine_profile("trtllm"), flop_efficiency=e_f, bandwidth_efficiency=e_b)
    r = Replica(CAT.architecture(name), acc, prof, tp=n)
    step, t_mem, _ = stage_step_s(r, batch, context)
    bytes_read = (memory.weight_bytes_read_per_step(r.arch, "bf16", batch) / n
                  + batch * memory.kv_cache_bytes(r.arch, context, "bf16", n))
    assert step >= bytes_read / acc.memory_bandwidth_bytes_per_s * (1 - 1e-9)
    assert step >= t_mem * (1 - 1e-12)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(["llama3-8b", "mixtral-8x7b", "qwen2.5-14b"]), isl=st.integers(16, 4000),
       osl=st.integers(16, 2000), dtype=st.sampled_from(["bf16", "fp8", "int4"]))
def test_cost_per_token_falls_with_batch_until_memory_runs_out(name, isl, osl, dtype):
    probe = estimate_inference(model=name, gpu="h100", gpus=2, dtype=dtype, input_tokens=isl, output_tokens=osl,
                               price_usd_per_gpu_hour=2)
    batches = np.unique(np.linspace(1, probe.max_batch, 40).round())
    est = estimate_inference(model=name, gpu="h100", gpus=2, dtype=dtype, input_tokens=isl, output_tokens=osl,
                             batch=batches, price_usd_per_gpu_hour=2)
    assert np.all(est.fits)
    for field in ("usd_per_million_output_tokens", "usd_per_query"):
        v = np.asarray(getattr(est, field))
        assert np.all(np.diff(v) <= 1e-12 * v[:-1])
    over = estimate_inference(model=name, gpu="h100", gpus=2, dtype=dtype, input_tokens=isl, output_tokens=osl,
                              batch=np.array([1, probe.max_batch + 1]), price_usd_per_gpu_hour=2)
    assert list(over.fits) == [True, False] and np.isnan(over.usd_per_query[1])


def test_time_to_first_token_is_above_both_bounds():
    est = estimate_inference(model="llama3-70b", gpu="h100", gpus=4, input_tokens=2000, price_usd_per_gpu_hour=1)
    a, acc = CAT.architecture("llama3-70b"), CAT.accelerator("h100")
    assert est.time_to_first_token_s >= prefill_flop(a, 2000) / (4 * acc.peak_flop_per_s("bf16"))
    assert est.time_to_first_token_s >= memory.weight_bytes(a, "bf16") / 4 / acc.memory_bandwidth_bytes_per_s * 0.9


def test_tensor_parallel_costs_communication():
    one = estimate_inference(model="llama3-8b", gpu="h100", gpus=1, batch=1, price_usd_per_gpu_hour=1)
    two = estimate_inference(model="llama3-8b", gpu="h100", gpus=2, batch=1, price_usd_per_gpu_hour=1)
    assert two.decode_step_s < one.decode_step_s  # half the weights per accelerator
    assert two.decode_step_s > one.decode_step_s / 2  # but all-reduces are not free


# ---- dollars and capacity ------------------------------------------------------------------------
def test_dollars_add_up_and_scale_with_price():
    kw = dict(model="llama3-70b", gpu="h100", gpus=4, dtype="fp8", input_tokens=800, output_tokens=200)
    a = estimate_inference(price_usd_per_gpu_hour=2.0, **kw)
    b = estimate_inference(price_usd_per_gpu_hour=4.0, **kw)
    per_query = (800 * a.usd_per_million_input_tokens + 200 * a.usd_per_million_output_tokens) / 1e6
    assert a.usd_per_query == pytest.approx(per_query)
    assert a.usd_per_billion_queries == pytest.approx(1e9 * a.usd_per_query)
    assert b.usd_per_query == pytest.approx(2 * a.usd_per_query)
    assert a.usd_per_query == pytest.approx(4 * 2.0 / 3600 / a.queries_per_second)
    half = estimate_inference(price_usd_per_gpu_hour=2.0, utilization=0.5, **kw)
    assert half.usd_per_query == pytest.approx(2 * a.usd_per_query)


def test_capacity_for_queries_per_day():
    q = 8.5e9  # Google-search scale, ARK Big Ideas 2023
    est = estimate_inference(model="llama3-8b", gpu="h100", dtype="fp8", queries_per_day=q, price_usd_per_gpu_hour=2,
                             max_time_per_output_token_s=0.05)
    assert est.accelerators_needed == est.replicas_needed * est.gpus
    assert est.replicas_needed * est.queries_per_second * 86400 >= q
    assert (est.replicas_needed - 1) * est.queries_per_second * 86400 < q
    assert est.usd_per_day == pytest.approx(est.accelerators_needed * 2 * 24)
    assert est.time_per_output_token_s <= 0.05 and est.meets_latency_target


def test_latency_target_picks_the_largest_batch_that_meets_it():
    kw = dict(model="llama3-70b", gpu="h100", gpus=4, dtype="fp8", price_usd_per_gpu_hour=1)
    est = estimate_inference(max_time_per_output_token_s=0.03, **kw)
    assert est.time_per_output_token_s <= 0.03
    more = estimate_inference(batch=est.batch + 1, **kw)
    assert more.time_per_output_token_s > 0.03
    impossible = estimate_inference(max_time_per_output_token_s=1e-4, **kw)
    assert impossible.batch == 1 and not impossible.meets_latency_target


def test_usd_per_billion_queries_helper_for_claims():
    v = usd_per_billion_queries("llama3-8b", "h100", "2025-01-01", dtype="fp8")
    est = estimate_inference(model="llama3-8b", gpu="h100", date="2025-01-01", dtype="fp8")
    assert isinstance(v, float) and v == pytest.approx(est.usd_per_billion_queries)


def test_vectorized_matches_scalar_and_result_is_frozen():
    isl = np.array([128, 1000, 4000])
    vec = estimate_inference(model="llama3-8b", gpu="h200", dtype="fp8", input_tokens=isl, output_tokens=500,
                             price_usd_per_gpu_hour=3)
    for i, x in enumerate(isl):
        s = estimate_inference(model="llama3-8b", gpu="h200", dtype="fp8", input_tokens=int(x), output_tokens=500,
                               price_usd_per_gpu_hour=3)
        assert vec.tokens_per_second[i] == pytest.approx(s.tokens_per_second)
        assert vec.usd_per_query[i] == pytest.approx(s.usd_per_query)
    with pytest.raises(Exception):
        vec.batch = 3
    d = vec.to_dict()
    assert isinstance(d["tokens_per_second"], list) and d["efficiencies"]["flop_efficiency"] == DEFAULTS["flop_efficiency"]


def test_architecture_object_and_bad_library_input():
    tiny = Architecture(name="tiny", n_layers=2, d_model=64, n_heads=4, ffn_dim=256, vocab_size=1000, context_length=512)
    est = estimate_inference(model=tiny, gpu="t4", price_usd_per_gpu_hour=0.5, input_tokens=10, output_tokens=10)
    assert est.tokens_per_second > 0
    with pytest.raises(InputError, match="batch"):
        estimate_inference(model="llama3-8b", batch=2.5)
    with pytest.raises(InputError, match="dtype"):
        estimate_inference(model="llama3-8b", dtype="int3")
    with pytest.raises(UnknownNameError):
        estimate_inference(model="llama3-8b", gpu="h1000")
    with pytest.raises(CostcurveError, match="fp8"):
        estimate_inference(model="llama3-8b", gpu="a100", dtype="fp8")


# ---- command line --------------------------------------------------------------------------------
REQUIRED_KEYS = ("tokens_per_second", "time_to_first_token_s", "time_per_output_token_s", "max_batch",
                 "usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_query",
                 "usd_per_billion_queries", "accelerators_needed")


def test_infer_json_keys(run_cli):
    r = run_cli("infer", "--model", "llama3-70b", "--gpu", "h100", "--gpus", "4", "--dtype", "fp8", "--batch", "64",
                "--input-tokens", "1000", "--output-tokens", "200", "--queries-per-day", "1M", "--price", "2.5", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in REQUIRED_KEYS:
        assert key in d and d[key] is not None
    assert d["batch"] == 64 and d["gpus"] == 4 and d["price_usd_per_gpu_hour"] == 2.5


def test_infer_table_and_defaults(run_cli):
    r = run_cli("infer", "--model", "gpt3-175b", "--gpu", "a100", "--date", "2023-06-01", "--input-tokens", "1024",
                "--latency-target", "0.05", "--queries-per-day", "8.5B")
    assert r.code == 0, r.err
    words = " ".join(r.out.replace("│", " ").split())  # a row label may wrap on its spaces in 80 columns
    assert "per billion" in words and "queries" in words and "capacity" in words
    assert "Traceback" not in r.out + r.err


def test_infer_model_that_does_not_fit(run_cli):
    r = run_cli("infer", "--model", "llama3.1-405b", "--gpu", "h100", "--gpus", "2")
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --gpus:")
    assert "needs" in lines[0] and "usable" in lines[0] and "smallest count that fits: 16" in lines[0]


@pytest.mark.parametrize("args,needle", [
    (("--batch", "0"), "--batch"),
    (("--batch", "lots"), "--batch"),
    (("--batch", "1.5"), "whole number"),
    (("--input-tokens", "-5"), "--input-tokens"),
    (("--output-tokens", "0"), "--output-tokens"),
    (("--gpus", "0"), "--gpus"),
    (("--flop-efficiency", "1.5"), "--flop-efficiency"),
    (("--memory-utilization", "0"), "--memory-utilization"),
    (("--latency-target", "-1"), "--latency-target"),
    (("--queries-per-day", "nan"), "--queries-per-day"),
    (("--price", "-2"), "--price"),
    (("--dtype", "int3"), "--dtype"),
    (("--gpu", "h1000"), "h100"),
    (("--date", "someday"), "date"),
    (("--batch", "100000"), "--batch"),
])
def test_infer_bad_input_is_one_line_exit_2(run_cli, args, needle):
    r = run_cli("infer", "--model", "llama3-8b", *args)
    assert r.code == 2, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.err
    assert "Traceback" not in r.err


def test_infer_unknown_model(run_cli):
    r = run_cli("infer", "--model", "llama9-1t", "--gpu", "h100")
    assert r.code == 2 and r.err.startswith("error:") and "model" in r.err


# ---- bf16 only where the chip has it ----------------------------------------------------------------
@pytest.mark.parametrize("gpu", ["t4", "v100"])
@pytest.mark.parametrize("field", ["dtype", "kv_dtype"])
def test_bf16_refused_on_a_chip_without_it(gpu, field):
    from costcurve.errors import CostcurveError

    with pytest.raises(CostcurveError, match="has no bf16; use `") as e:  # the field; the CLI says --dtype (below)
        estimate_inference(model="llama3-8b", gpu=gpu, price_usd_per_gpu_hour=1.0, **{field: "bf16"})
    assert e.value.field == field


def test_default_dtype_is_the_chips_16_bit_format():
    assert estimate_inference(model="llama3-8b", gpu="t4", price_usd_per_gpu_hour=1.0).dtype == "fp16"
    assert estimate_inference(model="llama3-8b", gpu="t4", price_usd_per_gpu_hour=1.0).kv_dtype == "fp16"
    assert estimate_inference(model="llama3-8b", gpu="h100", price_usd_per_gpu_hour=1.0).dtype == "bf16"


def test_cli_infer_t4_bf16_is_one_line(run_cli):
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "t4", "--dtype", "bf16")
    assert r.code == 2 and r.err.strip() == "error: --dtype: t4 has no bf16; use --dtype fp16"
    assert run_cli("infer", "--model", "llama3-8b", "--gpu", "t4", "--json").json()["dtype"] == "fp16"


def test_replica_dollars_split_the_paid_time_over_what_the_replica_serves():
    """8 accelerators at 2 USD/h, fully used: a second costs 16/3600 USD; a query pays cycle/B of it, and
    1e6 queries a day at 10 queries/s per replica need ceil(11.57/10) = 2 replicas (16 accelerators)."""
    from types import SimpleNamespace

    from costcurve.serving.dollars import replica_dollars

    q = SimpleNamespace(I=1000, util=1.0)
    t = {"_cycle_s": 2.0, "_prefill_s": 0.5, "_step_s": 0.02, "queries_per_second": 10.0}
    d = replica_dollars(2.0, 8, 100, q, t, 1e6)
    per_s = 16.0 / 3600
    assert d["usd_per_query"] == pytest.approx(per_s * 2.0 / 100)
    assert d["usd_per_million_input_tokens"] == pytest.approx(1e6 * per_s * 0.5 / 1000)
    assert d["usd_per_million_output_tokens"] == pytest.approx(1e6 * per_s * 0.02 / 100)
    assert (d["replicas_needed"], d["accelerators_needed"]) == (2, 16)
    assert d["usd_per_day"] == pytest.approx(16 * 2.0 * 24)
    assert np.isnan(replica_dollars(2.0, 8, 100, q, t, None)["replicas_needed"])


# "Number of Requests" per ISL/OSL of the two overviews (v1.0 "Preparing a Dataset"; 03e27c7 the same, 1000/1000 taking
# 1024/1024's 3,000): the tables ran these counts under trtllm-bench's own batch and token limits.
V10_REQUESTS = {(128, 128): 30000, (128, 2048): 3000, (1000, 1000): 3000, (2048, 2048): 1500, (2048, 128): 3000,
                (5000, 500): 1500, (500, 2000): 3000}
LATER_REQUESTS = {(1000, 1000): 3000, (1024, 8192): 1500, (8192, 1024): 1500, (32768, 1024): 1000}


def test_dense_tables_as_runs_of_their_request_counts_within_15_percent():
    """The benchmark as it ran (costcurve.serving.finite_run), TensorRT-LLM's KV fraction of the free memory: v1.0 rows
    median 0.99 (0.93–1.31), later rows 1.02 (0.98–1.10), as at steady state (1.00 and 1.02): dense rows are batch- or
    compute-bound, the limits rarely bind."""
    from costcurve.serving.finite_run import finite_run_tokens_per_s, trtllm_bench_limits

    trt = engine_profile("trtllm")
    for rows, requests in ((_V10, V10_REQUESTS), (LATER_HELD_OUT, LATER_REQUESTS)):
        ratios = []
        for m, g, tp, i, o, pub in rows:
            r = Replica(CAT.architecture(m), CAT.accelerator(g), trt, tp=tp, dtype="fp8", kv_dtype="fp8")
            bs, tokens = trtllm_bench_limits(r, i, o)
            tps, _ = finite_run_tokens_per_s(r, i, o, requests[(i, o)], max_batch_size=bs, max_num_tokens=tokens)
            ratios.append(tps / pub)
        assert 0.85 <= np.median(ratios) <= 1.15 and max(abs(math.log(x)) for x in ratios) < math.log(1.35)
