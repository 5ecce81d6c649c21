"""Mixture-of-experts serving: expert and attention data parallelism, all-to-all, imbalance, grouped GEMMs,
MLA's sharded cache, and published throughput of recent MoE models (every set here is held out: nothing in
costcurve was fitted on it; the one fitted figure, the grouped-GEMM ratio, comes from DeepGEMM's kernel table).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve import collectives, estimate_inference, load_catalog
from costcurve.errors import InputError
from costcurve.serving.engines import engine_profile
from costcurve.serving.moe import (CAPACITY_FACTOR, GEMM_BLOCK_M, GROUPED_GEMM_DECODE_RATIO, busiest_rank_share,
                                   dispatch_combine_s, gathers_tokens, padded_expert_rows)
from costcurve.serving.step import (Replica, decode_cycle_s, max_batch, memory_per_accelerator, offline_throughput, prefill_s,
                                    roofline_tokens_per_s, steady_state_tokens_per_s)
from costcurve.serving.finite_run import finite_run_tokens_per_s, trtllm_bench_limits

CAT = load_catalog()
TRT = engine_profile("trtllm")

# ---- the fitted figure: grouped vs dense GEMM efficiency (DeepGEMM README, deepseek-ai/DeepGEMM, Feb 2025, H800
# SXM5, NVCC 12.8: "Normal GEMMs for dense models" and "Grouped GEMMs for MoE models (masked layout)") -------------
# (groups, rows per group, N, K, achieved TFLOPS); FP8 weights and inputs, BF16 output
DEEPGEMM_MASKED = [(1, 1024, 4096, 7168, 1233), (1, 1024, 7168, 2048, 925), (2, 512, 4096, 7168, 1040),
                   (2, 512, 7168, 2048, 916), (4, 256, 4096, 7168, 932), (4, 256, 7168, 2048, 815)]
DEEPGEMM_DENSE_SMALL_M = [(1, 64, 2112, 7168, 206), (1, 64, 24576, 1536, 289), (1, 64, 32768, 512, 219),
                          (1, 64, 7168, 16384, 336), (1, 64, 4096, 7168, 287), (1, 64, 7168, 2048, 295),
                          (1, 128, 2112, 7168, 352), (1, 128, 24576, 1536, 535), (1, 128, 32768, 512, 358),
                          (1, 128, 7168, 16384, 645), (1, 128, 4096, 7168, 533), (1, 128, 7168, 2048, 510)]


def _roofline_share(rows, acc):
    """Achieved share of the roofline time ``max(bytes/bw, FLOP/peak)`` of each GEMM row."""
    out = []
    for g, m, n, k, tflops in rows:
        flop = 2.0 * g * m * n * k
        moved = g * (n * k + m * k + 2 * m * n)  # fp8 weights and inputs, bf16 output
        ideal = max(moved / acc.memory_bandwidth_bytes_per_s, flop / acc.peak_flop_per_s("fp8"))
        out.append(ideal / (flop / (tflops * 1e12)))
    return np.array(out)


def test_grouped_gemm_ratio_is_deepgemms_masked_over_dense_share_of_the_roofline():
    h800 = CAT.accelerator("h800")
    grouped, dense = _roofline_share(DEEPGEMM_MASKED, h800), _roofline_share(DEEPGEMM_DENSE_SMALL_M, h800)
    assert 0.4 < grouped.min() and grouped.max() < 0.7 and dense.max() < 0.85
    assert np.median(grouped) / np.median(dense) == pytest.approx(GROUPED_GEMM_DECODE_RATIO, abs=0.02)
    assert TRT.grouped_gemm_ratio == GROUPED_GEMM_DECODE_RATIO  # the engine profile's default is this figure


# ---- mechanisms -----------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(m=st.floats(1, 1e6), n=st.integers(2, 512))
def test_busiest_rank_share_is_at_least_the_capacity_factor_and_falls_with_load(m, n):
    s = float(busiest_rank_share(m * n, n))
    assert s >= CAPACITY_FACTOR and float(busiest_rank_share(2 * m * n, n)) <= s
    assert float(busiest_rank_share(m, 1)) == 1.0
    assert s == pytest.approx(max(CAPACITY_FACTOR, 1 + np.sqrt(2 * np.log(n) / m)))


def test_tile_padding_costs_a_tile_per_touched_expert_and_nothing_when_tiles_fill():
    one = float(padded_expert_rows(8.0, 128))  # 8 tokens touch about 8 experts: a 64-row tile each
    assert one == pytest.approx(GEMM_BLOCK_M * 128 * -np.expm1(-8 / 128))
    assert float(padded_expert_rows(1e6, 128)) == 1e6
    a = np.linspace(1, 1e5, 500)
    assert np.all(np.diff(padded_expert_rows(a, 128) / a) <= 1e-12)  # rows per token never rise with the batch


def test_tensorrt_llm_gathers_tokens_on_hopper_boards_and_all_to_alls_only_on_mnnvl_past_top_k():
    """fused_moe_cutlass.py select_alltoall_method_type: an all-to-all needs ep > top_k and multi-node NVLink."""
    assert gathers_tokens(1, 8, 1, 8) and gathers_tokens(1, 8, 8, 72) and gathers_tokens(1, 16, 8, 8)
    assert not gathers_tokens(1, 16, 8, 72) and not gathers_tokens(0, 8, 1, 8)
    assert TRT.moe_dispatch_allgather == 1 and engine_profile("vllm").moe_dispatch_allgather == 0


def test_tensorrt_llm_decode_keeps_llama4s_whole_context_in_every_layer():
    """Chunked attention in prompts only: the decode KV and its reads are full attention's; prefill keeps the chunks."""
    a = CAT.architecture("llama4-maverick")
    r = Replica(a, CAT.accelerator("h200"), TRT, tp=8, attention_dp=True, dtype="fp8", kv_dtype="fp8")
    chunked = replace(r, profile=replace(TRT, decode_chunked_attention=1))
    full = replace(a, sliding_window=None, sliding_window_layers="all")
    assert r.decode_arch == full and chunked.decode_arch is a
    from costcurve.serving import replica_memory as mem
    assert float(memory_per_accelerator(r, 8.0, 1024, 32768)["kv_cache"]) == pytest.approx(
        8 * float(mem.kv_cache_bytes(full, 1024 + 16384, "fp8", 1)) / 8)
    assert float(max_batch(r, 1024, 32768)) < 0.5 * float(max_batch(chunked, 1024, 32768))
    assert float(prefill_s(r, 20000)) == float(prefill_s(chunked, 20000))
    q = Replica(CAT.architecture("qwen3-235b-a22b"), CAT.accelerator("h200"), TRT, tp=4, attention_dp=True)
    assert q.decode_arch is q.arch


def test_all_gather_dispatch_sends_every_token_to_every_rank():
    """All-gather + reduce-scatter is the all-to-all's ring time at fan-out n instead of k: Llama 4's top-1 over
    8 ranks moves 8x the bytes (latency aside), Qwen3's top-8 over 4 ranks half; the DEP replica on H200 gathers."""
    link = (8, 3e11, 0.0, 3e11, 0.0)
    for name, n in (("llama4-maverick", 8), ("qwen3-235b-a22b", 4)):
        a = CAT.architecture(name)
        gather = float(dispatch_combine_s(a, 64.0, n, link, gather=True))
        assert gather == pytest.approx(float(dispatch_combine_s(a, 64.0, n, link)) * n / a.n_experts_active)
    from costcurve.serving.step import comm_s
    r = Replica(CAT.architecture("llama4-maverick"), CAT.accelerator("h200"), TRT, tp=8, attention_dp=True,
                dtype="fp8", kv_dtype="fp8")
    alltoall = replace(r, profile=replace(TRT, moe_dispatch_allgather=0))
    assert float(comm_s(r, 8192.0, 48)) > 4 * float(comm_s(alltoall, 8192.0, 48))  # 1,024 tokens a rank


@settings(max_examples=30, deadline=None)
@given(size=st.floats(1e3, 1e9), n=st.integers(2, 512))
def test_two_tier_all_to_all_is_the_one_tier_formula_inside_a_node_and_network_bound_across(size, n):
    inside = collectives.all_to_all_two_tier_s(size, min(n, 8), 8, 3e11, 3e-6, 5e10, 1.4e-5)
    assert inside == pytest.approx(collectives.all_to_all_s(size, min(n, 8), 3e11, 3e-6))
    if n > 8:
        across = collectives.all_to_all_two_tier_s(size, n, 8, 3e11, 3e-6, 5e10, 1.4e-5)
        assert across == pytest.approx(max(3e-6 + 7 / n * size / 3e11, 1.4e-5 + (n - 8) / n * size / 5e10))


def test_attention_dp_shards_mlas_cache_so_the_batch_is_no_longer_capped_by_replication():
    """DeepSeek-V3 on 8 x H200 FP8: tensor parallel keeps the whole MLA latent on every GPU; attention DP keeps each
    request's latent on one rank: several times the sequences, though the shared weights are replicated."""
    a, acc = CAT.architecture("deepseek-v3"), CAT.accelerator("h200")
    tep = Replica(a, acc, TRT, tp=8, expert_parallel=True, dtype="fp8", kv_dtype="fp8")
    dep = replace(tep, attention_dp=True)
    b_tep, b_dep = float(max_batch(tep, 1000, 1000)), float(max_batch(dep, 1000, 1000))
    assert b_dep > 4 * b_tep
    # GQA with at least as many KV heads as ranks gains nothing from sharding (Scout: 8 KV heads on 4 GPUs)
    s = Replica(CAT.architecture("llama4-scout"), acc, TRT, tp=4, expert_parallel=True, dtype="fp8", kv_dtype="fp8")
    assert float(max_batch(replace(s, attention_dp=True), 1000, 1000)) <= float(max_batch(s, 1000, 1000))


def test_attention_dp_refuses_a_dense_model_and_implies_expert_parallel():
    with pytest.raises(InputError) as e:
        Replica(CAT.architecture("llama3.1-8b"), CAT.accelerator("h100"), TRT, tp=2, attention_dp=True)
    assert e.value.field == "attention_dp"
    r = Replica(CAT.architecture("qwen3-30b-a3b"), CAT.accelerator("h100"), TRT, tp=2, attention_dp=True)
    assert r.expert_parallel


def test_expert_parallel_across_nodes_pays_the_network():
    a, acc = CAT.architecture("deepseek-v3"), CAT.accelerator("h800")
    one = Replica(a, acc, TRT, tp=8, attention_dp=True, dtype="fp8", kv_dtype="bf16")
    many = replace(one, tp=32)
    from costcurve.serving.step import comm_s
    per_rank_tokens = 64.0
    # the same tokens per rank: 50 GB/s InfiniBand instead of 200 GB/s NVLink carries 24/32 of the bytes
    assert float(comm_s(many, per_rank_tokens * 32, a.n_layers)) > 2.5 * float(comm_s(one, per_rank_tokens * 8, a.n_layers))


# ---- published throughput ------------------------------------------------------------------------------------
# TensorRT-LLM performance overview v1.0 (docs/source/performance/perf-overview.md, github.com/NVIDIA/TensorRT-LLM
# commit 00f37686aa854010d68bcbd0f4ab000221541ca6): trtllm-bench throughput, total output tokens/s per replica,
# FP8 ModelOpt checkpoints (nvidia/Qwen3-235B-A22B-FP8, nvidia/Llama-4-Maverick-17B-128E-Instruct-FP8; Scout FP8),
# fixed lengths. Layout as labelled: tensor parallel. (model, gpu, TP, ISL, OSL, tokens/s)
TRTLLM_V10_MOE = (
    [("qwen3-235b-a22b", "h200", 8, i, o, v) for i, o, v in [
        (128, 128, 30429), (128, 2048, 42821), (128, 4096, 26852), (500, 2000, 28026), (1000, 1000, 23789),
        (1000, 2000, 22061), (2048, 128, 3331), (2048, 2048, 16672), (5000, 500, 3623), (20000, 2000, 1876)]]
    + [("qwen3-235b-a22b", "h100", 8, i, o, v) for i, o, v in [
        (128, 2048, 19658), (128, 4096, 12447), (500, 2000, 18351), (1000, 1000, 14898), (1000, 2000, 15136),
        (2048, 2048, 9924), (5000, 500, 3225)]]
    + [("llama4-maverick", "h200", 8, i, o, v) for i, o, v in [
        (128, 128, 63994), (128, 2048, 40572), (128, 4096, 24616), (500, 2000, 37835), (1000, 1000, 31782),
        (1000, 2000, 34734), (2048, 128, 7307), (2048, 2048, 20957), (5000, 500, 8456), (20000, 2000, 4106)]]
    + [("llama4-maverick", "h100", 8, i, o, v) for i, o, v in [
        (128, 2048, 10829), (128, 4096, 6744), (500, 2000, 10108), (1000, 1000, 9677), (1000, 2000, 9151),
        (2048, 2048, 6916), (5000, 500, 3457)]]
    + [("llama4-scout", "h200", 4, i, o, v) for i, o, v in [
        (128, 128, 30354), (128, 2048, 34316), (128, 4096, 21332), (500, 2000, 24630), (1000, 1000, 21636),
        (1000, 2000, 18499), (2048, 128, 3699), (2048, 2048, 14949), (5000, 500, 4605), (20000, 2000, 2105)]]
    + [("llama4-scout", "h100", 4, i, o, v) for i, o, v in [
        (128, 2048, 15130), (128, 4096, 8603), (500, 2000, 12399), (1000, 1000, 12129), (1000, 2000, 9838),
        (2048, 128, 3253), (2048, 2048, 7972), (5000, 500, 3342)]]
)
# TensorRT-LLM performance overview, developer-guide/perf-overview.md (commit 03e27c7d5ff0c6e89f8328838c0a8e64f1b34f9d,
# 2025-26): output tokens/s per GPU, layout "DEP n" = attention data parallel + expert parallel over n GPUs, FP8;
# the DeepSeek-R1 YAML sets an FP8 KV cache, the others leave it at the checkpoint's ('auto'), which is FP8 as well:
# TensorRT-LLM's accuracy tests (tests/integration/defs/accuracy/test_llm_api_pytorch.py, TestLlama4MaverickInstruct.
# test_fp8) load nvidia/Llama-4-Maverick-17B-128E-Instruct-FP8 with KvCacheConfig() and assert kv_cache_quant_algo ==
# FP8; references/mmlu.yaml lists Qwen3-235B-A22B FP8 only with kv_cache_quant_algo FP8; ModelOpt's hf_ptq.py
# defaults --kv_cache_qformat to fp8. (model, gpu, n, ISL, OSL, tok/s/GPU)
TRTLLM_DEP = [
    ("qwen3-235b-a22b", "h200", 4, 1000, 1000, 3288), ("qwen3-235b-a22b", "h200", 4, 1024, 8192, 1417),
    ("qwen3-235b-a22b", "h200", 4, 8192, 1024, 627), ("qwen3-235b-a22b", "h200", 4, 32768, 1024, 134),
    ("qwen3-235b-a22b", "h100", 8, 1000, 1000, 1932), ("qwen3-235b-a22b", "h100", 8, 1024, 8192, 873),
    ("llama4-maverick", "h200", 8, 1000, 1000, 4146), ("llama4-maverick", "h200", 8, 1024, 8192, 1157),
    ("llama4-maverick", "h200", 8, 8192, 1024, 1276), ("llama4-maverick", "h200", 8, 1024, 32768, 679),
    ("deepseek-v3", "h200", 8, 1000, 1000, 1627), ("deepseek-v3", "h200", 8, 1024, 8192, 1218),
    ("deepseek-v3", "h200", 8, 1024, 32768, 438),
]


# The overview's "Number of Requests" per ISL/OSL (same file, "Preparing a Dataset"); 1000/1000 is not listed and
# takes 1024/1024's 3,000.
TRTLLM_DEP_REQUESTS = {(1000, 1000): 3000, (1024, 8192): 1500, (8192, 1024): 1500, (32768, 1024): 1000,
                       (1024, 32768): 1000}


# The v1.0 overview's "Number of Requests" per ISL/OSL (same file as TRTLLM_V10_MOE, "Preparing a Dataset")
TRTLLM_V10_REQUESTS = {(128, 128): 30000, (128, 2048): 3000, (128, 4096): 1500, (1000, 2000): 1500, (2048, 128): 3000,
                       (2048, 2048): 1500, (5000, 500): 1500, (1000, 1000): 3000, (500, 2000): 3000, (20000, 2000): 1000}


def _ratios(rows, layout, requests=None):
    """Model / published per row: steady state, or (with ``requests``) a run of the published request count under
    the batch and token limits trtllm-bench picks (the overviews set neither)."""
    out = []
    for m, g, n, i, o, published in rows:
        r = Replica(CAT.architecture(m), CAT.accelerator(g), TRT, tp=n, dtype="fp8", kv_dtype="fp8", **layout)
        tps, B = offline_throughput(r, i, o)
        if requests is not None:
            bs, tokens = trtllm_bench_limits(r, i, o)
            tps, _ = finite_run_tokens_per_s(r, i, o, requests[(i, o)], max_batch_size=bs, max_num_tokens=tokens)
            assert tps <= float(roofline_tokens_per_s(r, max(float(B), float(max_batch(r, i, o))), i, o))
        per = float(tps) / (n if layout else 1)
        # the roofline at the largest batch memory holds (the engine may schedule more than its default cap)
        bound = float(roofline_tokens_per_s(r, max(float(B), float(max_batch(r, i, o))), i, o))
        assert published * (n if layout else 1) <= bound * (1 + 1e-9), (m, g, i, o)
        out.append(per / published)
    return np.array(out)


def test_trtllm_v10_moe_tensor_parallel_median_within_30_percent():
    """Held out. Steady state: median 1.26 (28 of 52 rows within ±30%); as runs of the overview's request counts
    under trtllm-bench's own limits: median 1.18 (31 of 52), with TensorRT-LLM's KV fraction of the free memory and
    Llama 4's chunked attention in prompts only. The worst rows are Maverick and Scout on H100, whose 80 GB leave
    little room for the KV cache, 1.5–2.3x (docs/serving.md)."""
    r = _ratios(TRTLLM_V10_MOE, {})
    assert 0.77 <= np.median(r) <= 1.3
    assert r.min() > 0.5 and r.max() < 2.7
    runs = _ratios(TRTLLM_V10_MOE, {}, TRTLLM_V10_REQUESTS)
    assert 0.77 <= np.median(runs) <= 1.25 and np.sum(np.abs(np.log(runs)) <= np.log(1.3)) >= 30
    assert runs.min() > 0.6 and runs.max() < 2.4


def test_trtllm_dep_layouts_within_2x_and_the_median_bounded():
    """Held out: with TensorRT-LLM's KV fraction of the free memory, its Hopper all-gather dispatch and Llama 4's
    chunked attention in prompts only, the published DEP rows read 0.87–1.96x (median 1.48, 3 of 13 within ±30%) as
    runs of the overview's request counts under trtllm-bench's batch and token limits (0.93–2.16, median 1.63, at
    steady state); DeepSeek at 1024/8192 moves most (64 requests per rank). The excess is the DEP step's: TensorRT-LLM's DEP serves 1.04–1.11x its own TP per GPU at
    1000/1000 on the same chips, the model 1.56–1.86x (docs/serving.md)."""
    steady = _ratios(TRTLLM_DEP, {"expert_parallel": True, "attention_dp": True})
    assert 1.5 <= np.median(steady) <= 1.8
    r = _ratios(TRTLLM_DEP, {"expert_parallel": True, "attention_dp": True}, TRTLLM_DEP_REQUESTS)
    assert 0.77 <= np.median(r) <= 1.55
    assert r.min() > 0.8 and r.max() < 2.2
    assert np.all(r <= steady * (1 + 1e-9))


def test_trtllm_bench_limits_follow_its_heuristic():
    """tuning.py by hand. DeepSeek-V3 (R1) DEP8 on H200, FP8 weights and cache: the config's 128 KV heads of
    7168/128 = 56 (no head_dim) give 2·61·128·56 B = 874,496 B a token; (8·141 − 671e9/2^30 GiB)·0.90 / (that ·
    (1024+8192)) = 60.3 requests -> 64 (the floor), tokens max(2048, 1024 + 64). Qwen3-235B DEP4: 4 KV heads of 128."""
    a = CAT.architecture("deepseek-v3")
    r = Replica(a, CAT.accelerator("h200"), TRT, tp=8, attention_dp=True, dtype="fp8", kv_dtype="fp8")
    per_token = 2 * 61 * 128 * 56 / 2**30
    req = 0.90 * (8 * 141 - a.published_params_total / 2**30) / (per_token * 9216)
    assert 32 < req < 64 and trtllm_bench_limits(r, 1024, 8192) == (64, 2048)
    req_1k = 0.90 * (8 * 141 - a.published_params_total / 2**30) / (per_token * 2000)
    assert 256 < req_1k <= 384 and trtllm_bench_limits(r, 1000, 1000) == (384, 2048)
    qa = CAT.architecture("qwen3-235b-a22b")
    q = Replica(qa, CAT.accelerator("h200"), TRT, tp=4, attention_dp=True, dtype="fp8", kv_dtype="fp8")
    room = 0.90 * (4 * 141 - qa.published_params_total / 2**30) / (2 * 94 * 4 * 128 / 2**30)  # tokens of KV
    req = room / 2000  # ~1,730 requests: 256s; tokens 2·req ~3,460: 256s
    assert trtllm_bench_limits(q, 1000, 1000) == (256 * math.ceil(req / 256), 256 * math.ceil(2 * req / 256))
    req = room / 9216  # ~376: 128s -> 384; tokens 9·req ~3,380 -> 3,584, raised to the prompt + batch
    assert trtllm_bench_limits(q, 8192, 1024) == (384, 8192 + 384)
    assert trtllm_bench_limits(q, 8192, 1024, kv_fraction=0.95)[0] == 128 * math.ceil(req * 0.95 / 0.90 / 128)


def test_a_token_limit_staggers_admission_and_never_speeds_a_run():
    """At most floor((T − b/s)/I) prompts per scheduler an iteration: DeepSeek at 1000/1000 (2,048 tokens a rank)
    fills its 3,000 requests over about 375 iterations and drains them as long; a limit that admits all at once
    changes nothing, and the batch limit caps the replica at s · max_batch_size."""
    r = _deepseek_h200()
    free, B = finite_run_tokens_per_s(r, 1000, 1000, 3000)
    wide, _ = finite_run_tokens_per_s(r, 1000, 1000, 3000, max_num_tokens=10**7)
    tight, b_tight = finite_run_tokens_per_s(r, 1000, 1000, 3000, max_num_tokens=2048)
    assert wide == pytest.approx(free, rel=1e-12) and B == b_tight == 3000
    assert 0.8 * free < tight < 0.97 * free
    capped, b_cap = finite_run_tokens_per_s(r, 1024, 8192, 1500, max_batch_size=64)
    assert b_cap == 64 * 8 and capped < finite_run_tokens_per_s(r, 1024, 8192, 1500)[0]
    with pytest.raises(InputError) as e:
        finite_run_tokens_per_s(r, 1000, 1000, 3000, max_num_tokens=500)
    assert e.value.field == "max_num_tokens"


# TensorRT-LLM blog "How to get best performance on DeepSeek-R1 in TensorRT LLM" (docs/source/blogs/
# Best_perf_practice_on_DeepSeek-R1_in_TensorRT-LLM.md, commit 01c4ece), "H200 max-throughput": deepseek-ai/DeepSeek-R1
# (FP8 block scales, no KV quantization: BF16 cache), trtllm-bench --tp 8 --ep 8, enable_attention_dp, --max_batch_size
# 128 (per rank) --max_num_tokens 1151 --concurrency 1024 --kv_cache_free_gpu_mem_fraction 0.8, 5,120 requests of
# 1024/2048 tokens: 1,436.16 output tokens/s per GPU.
TRTLLM_R1_H200_BLOG_PER_GPU = 1436.16


def test_trtllm_deepseek_h200_max_throughput_blog_run_within_2x():
    """Held out, every limit as published. With TensorRT-LLM's meaning of the KV fraction (0.8 of what the weights and
    activations leave free) the memory holds the run's 1,024 sequences (0.8 of all memory held 656) and the model
    reads 1.65, the same excess as the DEP table's DeepSeek 1000/1000 row (docs/serving.md)."""
    prof = replace(TRT, memory_utilization=0.8)
    r = Replica(CAT.architecture("deepseek-v3"), CAT.accelerator("h200"), prof, tp=8, attention_dp=True, dtype="fp8",
                kv_dtype="bf16")
    tps, B = finite_run_tokens_per_s(r, 1024, 2048, 5120, max_batch_size=128, max_num_tokens=1151)
    assert B == 1024 and 1.0 < tps / 8 / TRTLLM_R1_H200_BLOG_PER_GPU < 1.8


def _deepseek_h200():
    return Replica(CAT.architecture("deepseek-v3"), CAT.accelerator("h200"), TRT, tp=8, attention_dp=True,
                   dtype="fp8", kv_dtype="fp8")


def test_finite_run_is_waves_of_the_batch():
    """N requests in waves of B: N = B gives the steady state; N = B + 1 adds a wave of one request; N < B runs at N."""
    r = Replica(CAT.architecture("qwen3-235b-a22b"), CAT.accelerator("h200"), TRT, tp=4, dtype="fp8", kv_dtype="fp8",
                expert_parallel=True, attention_dp=True)
    steady, B = offline_throughput(r, 1024, 8192)
    B = int(B)
    one, b1 = finite_run_tokens_per_s(r, 1024, 8192, B)
    assert b1 == B and one == pytest.approx(float(steady), rel=1e-9)
    plus, _ = finite_run_tokens_per_s(r, 1024, 8192, B + 1)
    t_single = 8192 / float(steady_state_tokens_per_s(r, 1, 1024, 8192))
    assert plus == pytest.approx((B + 1) * 8192 / (B * 8192 / float(steady) + t_single), rel=1e-9)
    small, b_small = finite_run_tokens_per_s(r, 1024, 8192, 10)
    assert b_small == 10 and small == pytest.approx(float(steady_state_tokens_per_s(r, 10, 1024, 8192)), rel=1e-9)
    with pytest.raises(InputError) as e:
        finite_run_tokens_per_s(r, 1024, 8192, 0)
    assert e.value.field == "n_requests"


# DeepSeek-AI, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (github.com/deepseek-ai/
# open-infra-index, 202502OpenSourceWeek, commit 56d86855fcf6e08fdfd45ce6280bd24322c93351): H800 nodes of 8 GPUs;
# decode EP144 / attention DP144 (18 nodes), 20–22 output tokens/s per user, mean KV length 4,989 per output token,
# ~14.8k output tokens/s per node; prefill EP32 / DP32 (4 nodes), ~73.7k input tokens/s per node *including* the
# 56.3% of input tokens that hit the on-disk KV cache (so 73.7k × 0.437 = 32.2k computed tokens/s per node).
# FP8 matmuls and dispatch, BF16 MLA and combine.
DEEPSEEK_DECODE_PER_NODE, DEEPSEEK_PREFILL_COMPUTED_PER_NODE = 14.8e3, 73.7e3 * (1 - 0.563)


def _deepseek(tp):
    # DeepSeek's engine allocates the cache as sequences grow and dispatches with DeepEP's all-to-all (Day 6 overview)
    prof = replace(TRT, reserve_full_sequence=0, moe_dispatch_allgather=0)
    return Replica(CAT.architecture("deepseek-v3"), CAT.accelerator("h800"), prof, tp=tp, attention_dp=True,
                   dtype="fp8", kv_dtype="bf16")


def test_deepseek_decode_per_h800_node_within_2x():
    """Decode pool at 21 tokens/s per user and context 4,989: the largest batch within that pace and memory."""
    r = _deepseek(144)
    c = 4989.0
    per_gpu = np.arange(1, 400)
    step = decode_cycle_s(r, per_gpu * 144.0, c)
    fits = per_gpu * 144 <= float(max_batch(r, 2 * c - 1, 1))
    B = float(per_gpu[(step <= 1 / 21.0) & fits].max() * 144)
    node = B / float(decode_cycle_s(r, B, c)) / 144 * 8
    assert node == pytest.approx(DEEPSEEK_DECODE_PER_NODE, rel=0.25)  # −12% measured (docs/serving.md)


def test_deepseek_prefill_per_h800_node_within_2x():
    r = _deepseek(32)
    node = 2000.0 / float(prefill_s(r, 2000.0)) / 32 * 8
    assert 0.5 < node / DEEPSEEK_PREFILL_COMPUTED_PER_NODE < 2.0  # −20% measured


# ---- infer on the step model --------------------------------------------------------------------------------
def test_infer_on_an_moe_model_is_the_serving_step_model():
    """Two paths, one answer: estimate_inference for an MoE model and the step model's offline throughput."""
    for layout in ({}, {"expert_parallel": True}, {"attention_dp": True}):
        est = estimate_inference(model="qwen3-235b-a22b", gpu="h200", gpus=4, dtype="fp8", input_tokens=1000,
                                 output_tokens=1000, engine="trtllm", price_usd_per_gpu_hour=1,
                                 min_tokens_per_s_per_user=None, **layout)
        r = Replica(CAT.architecture("qwen3-235b-a22b"), CAT.accelerator("h200"), TRT, tp=4, dtype="fp8",
                    kv_dtype="fp8", **layout)
        tps, B = offline_throughput(r, 1000, 1000)
        assert est.batch == float(B) and est.tokens_per_second == pytest.approx(float(tps), rel=1e-9)
        assert est.layout["attention_dp"] == bool(layout.get("attention_dp"))


def test_infer_disaggregated_keeps_throughput_and_drops_prefill_stalls():
    kw = dict(model="qwen3-30b-a3b", gpu="h100", gpus=2, dtype="fp8", input_tokens=2000, output_tokens=300,
              price_usd_per_gpu_hour=2, min_tokens_per_s_per_user=None)
    co, dis = estimate_inference(**kw), estimate_inference(disaggregated=True, **kw)
    assert dis.tokens_per_second_per_accelerator == pytest.approx(co.tokens_per_second_per_accelerator)
    assert dis.time_per_output_token_s == pytest.approx(dis.decode_step_s)
    assert dis.time_per_output_token_s < co.time_per_output_token_s
    assert dis.time_to_first_token_s > co.time_to_first_token_s
    assert 0 < dis.layout["prefill_accelerator_share"] < 1
    within = estimate_inference(disaggregated=True, max_time_per_output_token_s=dis.decode_step_s * 0.8, **kw)
    assert within.batch < dis.batch and within.time_per_output_token_s <= dis.decode_step_s * 0.8


def test_infer_layout_options_refuse_a_dense_model_in_one_line(run_cli):
    import json

    res = run_cli("infer", "--model", "llama3-8b", "--gpu", "h100", "--attention-dp")
    assert res.code == 2 and "--attention-dp" in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1
    ok = run_cli("infer", "--model", "qwen3-30b-a3b", "--gpu", "h100", "--gpus", "2", "--expert-parallel",
                 "--price", "2", "--json")
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["layout"]["expert_parallel"] is True


def test_deploy_search_tries_attention_dp_for_moe_models():
    from costcurve.serving.deploy import candidates
    from costcurve.serving.load import LengthDistribution

    cands = candidates(CAT.architecture("qwen3-235b-a22b"), CAT, ["h100"], ["fp8"], TRT,
                       LengthDistribution(1000.0, 1000.0, sigma=0.0, max_tokens=40960, source="test"))
    kinds = {(r.tp, r.expert_parallel, r.attention_dp) for r, _ in cands}
    assert any(a for _, _, a in kinds) and any(tp > 8 for tp, _, a in kinds if a)  # DEP inside and across nodes


@settings(max_examples=25, deadline=None)
@given(model=st.sampled_from(["qwen3-30b-a3b", "llama4-scout", "deepseek-v3"]), tp=st.sampled_from([2, 4, 8, 16]),
       isl=st.integers(16, 4000), osl=st.integers(2, 2000), batch=st.integers(1, 512))
def test_dep_step_monotone_in_batch_and_below_roofline(model, tp, isl, osl, batch):
    r = Replica(CAT.architecture(model), CAT.accelerator("h200"), TRT, tp=tp, attention_dp=True, dtype="fp8",
                kv_dtype="fp8")
    t = decode_cycle_s(r, np.array([batch, batch + 1, 2 * batch]), isl + osl / 2)
    assert np.all(np.diff(t) >= 0) and np.all(t > 0)
    assert steady_state_tokens_per_s(r, batch, isl, osl) <= roofline_tokens_per_s(r, batch, isl, osl) * (1 + 1e-12)


def test_a_replica_past_2_to_the_20_accelerators_is_one_line(run_cli):
    res = run_cli("infer", "--model", "qwen3-30b-a3b", "--gpu", "h100", "--gpus", "1e308", "--attention-dp",
                  "--price", "2")
    assert res.code == 2 and res.err.startswith("error: --gpus") and "Traceback" not in res.err


def test_no_engine_keeps_the_all_to_all_and_the_share_of_all_memory():
    """TensorRT-LLM's conventions (all-gather dispatch, KV share of the free memory) belong to its profile; the
    generic step model of an estimate with no engine keeps DeepEP's all-to-all and vLLM's share of all memory."""
    from costcurve.serving.engines import engine_profile
    from costcurve.serving.layout import generic_profile

    g, t = generic_profile(), engine_profile("trtllm")
    assert t.moe_dispatch_allgather == 1 and t.kv_fraction_of_free == 1
    assert g.moe_dispatch_allgather == 0 and g.kv_fraction_of_free == 0
    assert g.flop_efficiency == t.flop_efficiency and g.step_overhead_s == t.step_overhead_s
