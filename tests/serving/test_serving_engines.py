"""Serving engine profiles against published throughput (fit and held-out sets), MoE decode,
tensor and pipeline parallel scaling, collectives, and the step model vs the inference roofline.

Published figures are kept here as data with their source; the engine table's ``fitted`` rows were
fitted on the *_FIT sets only (a test refits them); the *_HELD_OUT sets were not used to set anything.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve import load_catalog
from costcurve.errors import CatalogError, InputError
from costcurve import collectives
from costcurve.serving.engines import PARAMETERS, engine_profile, fit_profile, read_profiles
from costcurve.serving.step import Replica, decode_cycle_s, offline_throughput, roofline_tokens_per_s

CAT = load_catalog()
TOL = 0.35
#: ShareGPT as vLLM's and SGLang's benchmark scripts sample it with the Llama 3 tokenizer: 230,969
#: prompt and 194,523 answer tokens per 1,000 requests (a published vLLM 0.6.2 benchmark_serving log);
#: SGLang's table gives the same answer mean (4,281.51 tok/s / 22.03 req/s = 194.3).
SG_I, SG_O = 231, 195

# vLLM v0.6.0, --num-scheduler-steps 10, max-num-seq 256, ShareGPT, rps=inf, H100 SXM (LambdaLabsML/
# vllm-benchmark benchmark_v0.md, Sep 2024, "vLLM v0.5.4 v.s. v0.6.0" tables): output tokens/s
VLLM_FIT = [("llama3.1-8b", "h100", 1, "bf16", 8088.35), ("llama3.1-70b", "h100", 4, "bf16", 3542.88),
            ("llama3.1-405b", "h100", 8, "fp8", 1714.07)]
# vLLM v0.6.0 (sgl-project/sglang benchmark/benchmark_vllm_060/README.md, Sep 2024, offline, 5000 ShareGPT prompts)
VLLM_HELD_OUT = [("llama3.1-8b", "a100", 1, "bf16", 4132.37), ("llama3.1-70b", "h100", 4, "bf16", 3700.64)]
# SGLang v0.3.0, same README and runs
SGLANG_FIT = [("llama3.1-8b", "a100", 1, "bf16", 4281.51)]
SGLANG_HELD_OUT = [("llama3.1-70b", "h100", 4, "bf16", 3856.01)]
# TensorRT-LLM v0.17 perf overview (docs/source/performance/perf-overview.md, commit 258c7540, Feb 2025):
# Mixtral 8x7B, trtllm-bench, fixed ISL/OSL: (gpu, TP, dtype, ISL, OSL, output tokens/s)
MIXTRAL_TRTLLM = [("h100", 1, "fp8", 1000, 1000, 6868.52), ("h200", 1, "fp8", 1000, 1000, 10371.36),
                  ("h100", 2, "fp8", 128, 128, 27451.13), ("a100", 2, "bf16", 128, 128, 5541.47)]
# same table, Llama 3.1 70B FP8 on H100, ISL/OSL 1000/1000: tensor-parallel scaling
LLAMA70_TP_TRTLLM = [(2, 4390.53), (4, 7430.99), (8, 11451.16)]


def _replica(model, gpu, tp, dtype, profile, kv=None):
    return Replica(CAT.architecture(model), CAT.accelerator(gpu), profile, tp=tp, dtype=dtype,
                   kv_dtype=kv or ("fp8" if dtype == "fp8" and profile.engine == "trtllm" else "bf16"))


def _predict(rows, profile, I=SG_I, O=SG_O):
    return [float(offline_throughput(_replica(m, g, tp, d, profile), I, O)[0]) for m, g, tp, d, _ in rows]


# ---- engine profiles ------------------------------------------------------------------------------
def test_engine_table_has_every_parameter_with_source_and_date():
    for e in ("trtllm", "vllm", "sglang"):
        p = engine_profile(e)
        assert len(p.sources) == len(PARAMETERS) == 13 and all(s[2] and len(s[3]) > 20 for s in p.sources)
    assert engine_profile(None).engine == "trtllm"
    with pytest.raises(InputError) as err:
        engine_profile("tgi")
    assert err.value.field == "engine"


def test_engine_table_rejects_bad_rows(tmp_path):
    good = (tmp_path / "ok.csv")
    from importlib import resources
    text = resources.files("costcurve").joinpath("data", "engines_2026-11.csv").read_text()
    good.write_text(text)
    assert set(read_profiles(good)) == {"trtllm", "vllm", "sglang"}
    bad = tmp_path / "bad.csv"
    bad.write_text(re.sub(r"vllm,([^,]*),flop_efficiency,[^,]*,", r"vllm,\1,flop_efficiency,4.5,", text))
    with pytest.raises(CatalogError, match="value"):
        read_profiles(bad)
    lines = text.splitlines()
    lines[1] = lines[1].rsplit(',"', 1)[0] + ","  # a figure without a source
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(CatalogError, match="source"):
        read_profiles(bad)
    bad.write_text(text.replace("engine,version", "engine,versio"))
    with pytest.raises(CatalogError, match="header"):
        read_profiles(bad)
    # a count or a 0/1 switch that is not whole is refused, not truncated (0.5 would have read as 0)
    bad.write_text(re.sub(r"trtllm,([^,]*),kv_fraction_of_free,1,", r"trtllm,\1,kv_fraction_of_free,0.5,", text))
    with pytest.raises(CatalogError, match="whole number"):
        read_profiles(bad)


def test_memory_room_is_one_rule_for_both_meanings():
    """The engines' two memory meanings in one place: vLLM's share of all memory, TensorRT-LLM's share of
    what weights and activations leave free; usable = fixed + KV cache either way."""
    from costcurve.serving.engines import memory_room_bytes

    M, fixed = 80e9, 30e9
    assert memory_room_bytes(M, fixed, 0.9, False) == (72e9, 72e9 - fixed)
    usable, kv = memory_room_bytes(M, fixed, 0.9, True)
    assert kv == pytest.approx(45e9) and usable == pytest.approx(75e9)
    assert engine_profile("trtllm").kv_budget_bytes(M, fixed) == pytest.approx(0.9 * (M - fixed))


@pytest.mark.parametrize("engine,fit,held", [("vllm", VLLM_FIT, VLLM_HELD_OUT), ("sglang", SGLANG_FIT, SGLANG_HELD_OUT)])
def test_engine_throughput_fit_and_held_out_within_35_percent_and_below_roofline(engine, fit, held):
    p = engine_profile(engine)
    for rows in (fit, held):
        for (m, g, tp, d, measured), pred in zip(rows, _predict(rows, p)):
            assert pred == pytest.approx(measured, rel=TOL), (m, g, tp)
            r = _replica(m, g, tp, d, p)
            _, B = offline_throughput(r, SG_I, SG_O)
            assert measured <= float(roofline_tokens_per_s(r, B, SG_I, SG_O))


def test_vllm_refit_reproduces_the_bundled_fractions():
    """The bundled vLLM FLOP fraction and step overhead are what fit_profile gives on VLLM_FIT."""
    p = engine_profile("vllm")
    best, rms = fit_profile(p, lambda q: _predict(VLLM_FIT, q), [r[-1] for r in VLLM_FIT],
                            bandwidth_grid=[p.bandwidth_efficiency])
    assert best.flop_efficiency == pytest.approx(p.flop_efficiency) and best.step_overhead_s == p.step_overhead_s
    assert rms < 0.2


def test_engines_rank_as_published_on_the_same_hardware():
    """SGLang v0.3.0 > vLLM v0.6.0 on Llama 3.1 8B, 1 x A100 (4,282 vs 4,132 tok/s)."""
    row = [VLLM_HELD_OUT[0]]
    assert _predict(row, engine_profile("sglang"))[0] > _predict(row, engine_profile("vllm"))[0]


# ---- MoE and parallel scaling ---------------------------------------------------------------------
@pytest.mark.parametrize("gpu,tp,dtype,isl,osl,measured", MIXTRAL_TRTLLM)
def test_mixtral_throughput_within_35_percent(gpu, tp, dtype, isl, osl, measured):
    r = _replica("mixtral-8x7b", gpu, tp, dtype, engine_profile("trtllm"))
    tps, B = offline_throughput(r, isl, osl)
    assert float(tps) == pytest.approx(measured, rel=TOL)
    assert measured <= float(roofline_tokens_per_s(r, B, isl, osl))


def test_moe_decode_reads_distinct_experts_not_only_active_ones():
    """Batch 1 reads 2 of 8 experts per layer, batch 64 all 8 (E(1-(1-k/E)^64) = 8.0): ~3x the bytes."""
    from costcurve.serving.replica_memory import expected_experts_touched, weight_bytes_read_per_step

    a = CAT.architecture("mixtral-8x7b")
    r = _replica("mixtral-8x7b", "h100", 1, "fp8", engine_profile("trtllm"))
    t1, t64 = (float(decode_cycle_s(r, b, 1000)) for b in (1, 64))
    assert expected_experts_touched(8, 2, 64) == pytest.approx(8, rel=1e-6)
    ratio = weight_bytes_read_per_step(a, "fp8", 64) / weight_bytes_read_per_step(a, "fp8", 1)
    assert 2.5 < ratio < 4 and t64 > 0.8 * ratio * t1  # memory-bound: the step follows the bytes read
    active_only = weight_bytes_read_per_step(a, "fp8", 1)  # what a model counting active experts would read
    assert float(decode_cycle_s(r, 64, 1000)) > 2 * active_only / (r.acc.memory_bandwidth_bytes_per_s)


def test_tensor_parallel_scales_sub_linearly_like_the_published_table():
    p = engine_profile("trtllm")
    pred = [float(offline_throughput(_replica("llama3.1-70b", "h100", tp, "fp8", p), 1000, 1000)[0])
            for tp, _ in LLAMA70_TP_TRTLLM]
    for x, (tp, measured) in zip(pred, LLAMA70_TP_TRTLLM):
        assert x == pytest.approx(measured, rel=TOL)
    r1 = _replica("llama3.1-8b", "h100", 1, "bf16", p)
    r8 = _replica("llama3.1-8b", "h100", 8, "bf16", p)
    speedup = float(decode_cycle_s(r1, 1, 500)) / float(decode_cycle_s(r8, 1, 500))
    assert 1.0 < speedup < 8 * 0.75  # batch 1: all-reduce latency makes 8-way TP far from 8x


def test_pipeline_parallel_serves_a_model_that_needs_two_nodes():
    r = _replica("llama3.1-405b", "a100", 8, "bf16", engine_profile("trtllm"))
    assert float(offline_throughput(r, 1000, 500)[1]) == 0  # 810 GB of weights do not fit 8 x 80 GB
    r2 = replace(r, pp=2)
    tps, B = offline_throughput(r2, 1000, 500)
    assert B >= 1 and np.isfinite(tps) and tps > 0


@settings(max_examples=30, deadline=None)
@given(size=st.floats(1, 1e9), n=st.integers(2, 64))
def test_collectives_cost_latency_plus_size_over_bandwidth(size, n):
    t = collectives.allreduce_s(size, n, 1e11, 1e-5)
    assert t >= 1e-5 and t == pytest.approx(1e-5 + 2 * (n - 1) / n * size / 1e11)
    assert collectives.allreduce_s(size, 1, 1e11, 1e-5) == 0
    assert collectives.all_to_all_s(size, n, 1e11, 1e-5) < t




@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(["llama3.1-8b", "llama3.1-70b", "mixtral-8x7b", "qwen2.5-14b", "deepseek-v3"]),
       gpu=st.sampled_from(["h100", "a100", "h200", "l40s", "mi300x"]), tp=st.sampled_from([1, 2, 4, 8]),
       pp=st.sampled_from([1, 2, 4]), engine=st.sampled_from(["trtllm", "vllm", "sglang"]),
       ep=st.booleans(), isl=st.integers(16, 8000), osl=st.integers(2, 4000), batch=st.integers(1, 1024))
def test_step_invariants_monotone_in_batch_and_below_roofline(model, gpu, tp, pp, engine, ep, isl, osl, batch):
    r = Replica(CAT.architecture(model), CAT.accelerator(gpu), engine_profile(engine), tp=tp, pp=pp,
                expert_parallel=ep, dtype="bf16", kv_dtype="bf16")
    t = decode_cycle_s(r, np.array([batch, batch + 1, 2 * batch]), isl + osl / 2)
    assert np.all(np.diff(t) >= 0) and np.all(t > 0)
    from costcurve.serving.step import steady_state_tokens_per_s
    assert steady_state_tokens_per_s(r, batch, isl, osl) <= roofline_tokens_per_s(r, batch, isl, osl) * (1 + 1e-12)


@pytest.mark.parametrize("engine,row", [("vllm", r) for r in VLLM_HELD_OUT] + [("sglang", r) for r in SGLANG_HELD_OUT])
def test_infer_with_an_engine_matches_the_serving_step_model(engine, row):
    """Two paths, one answer: estimate_inference(engine=...) and the serving step model agree (dense, one node)."""
    from costcurve import estimate_inference

    m, g, tp, d, measured = row
    est = estimate_inference(model=m, gpu=g, gpus=tp, dtype=d, kv_dtype="bf16", input_tokens=SG_I, output_tokens=SG_O,
                             engine=engine, price_usd_per_gpu_hour=1,
                             min_tokens_per_s_per_user=None)  # the step model's batch: the largest that fits
    ours = _predict([row], engine_profile(engine))[0]
    assert est.tokens_per_second == pytest.approx(ours, rel=0.02)
    assert est.tokens_per_second == pytest.approx(measured, rel=TOL)


def test_tensor_parallel_all_reduce_is_the_engines_inside_nvlink_and_nccls_across_the_network():
    """Two ways: the step model's all-reduce against the α–β formulas written out with the link table's figures."""
    from costcurve.interconnect import interconnect, link_for_group

    p = engine_profile("trtllm")
    ic = interconnect("h100-sxm5")
    for msg in (16e3, 1e6, 64e6):  # one decode token's hidden state .. a long prompt's
        r8 = _replica("llama3.1-70b", "h100", 8, "fp8", p)
        bw, _, kind = link_for_group(ic, 8, 1)
        assert kind == "scale-up"
        ring8 = p.allreduce_latency_s + 2 * 7 / 8 * msg / (bw * p.interconnect_efficiency)
        assert float(r8.tp_allreduce_s(msg)) == pytest.approx(ring8, rel=1e-12)
        r16 = replace(r8, tp=16)
        bw, lat, kind = link_for_group(ic, 16, 1)
        assert kind == "scale-out"
        beta = bw * p.interconnect_efficiency
        ring = 2 * 15 * lat + 2 * 15 / 16 * msg / beta
        tree = 2 * 4 * lat + 2 * msg / (0.9 * beta)  # NCCL tuning.cc: 2·log2(n) steps, bus bandwidth × 0.9 halved
        assert float(r16.tp_allreduce_s(msg)) == pytest.approx(min(ring, tree), rel=1e-12)
    assert float(r16.tp_allreduce_s(16e3)) < 2 * 15 * lat  # a small message takes the tree
    assert float(r16.tp_allreduce_s(64e6)) == pytest.approx(2 * 15 * lat + 2 * 15 / 16 * 64e6 / beta)  # a large one the ring


def test_infer_decode_step_at_batch_one_is_the_weight_and_kv_read():
    """Two ways: infer's dense decode step at batch 1 on one H100 against bytes / achieved bandwidth written out
    (every part memory-bound at batch 1, no collective on one accelerator, no overhead without an engine)."""
    from costcurve import estimate_inference
    from costcurve.serving import replica_memory as mem

    a, acc = CAT.architecture("llama3.1-8b"), CAT.accelerator("h100")
    est = estimate_inference(model="llama3.1-8b", gpu="h100", gpus=1, batch=1, input_tokens=1000, output_tokens=200,
                             price_usd_per_gpu_hour=1)
    e_bw = est.efficiencies["bandwidth_efficiency"]
    read = mem.weight_bytes_read_per_step(a, "bf16", 1) + mem.kv_cache_bytes(a, 1000 + 201 / 2, "bf16", 1)
    assert est.decode_step_s == pytest.approx(read / (acc.memory_bandwidth_bytes_per_s * e_bw), rel=1e-9)
