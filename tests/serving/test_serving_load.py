"""The load model: continuous batching under Poisson arrivals vs the Pollaczek–Khinchine formula and
against SGLang's and vLLM's published latency at 4 and 8 requests/s; the highest load within targets.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve import load_catalog
from costcurve.errors import InputError
from costcurve.serving.engines import engine_profile
from costcurve.serving.load import LengthDistribution, evaluate_load, simulate
from costcurve.serving.replica import ReplicaLoadModel
from costcurve.serving.step import Replica

CAT = load_catalog()
TOL = 0.35
#: ShareGPT as the benchmark scripts sample it (see test_serving_engines.py for the source)
SG_I, SG_O = 231, 195

# online latency at a load, ShareGPT (same SGLang README): (engine, model, gpu, TP, req/s,
# median TTFT [s], median TPOT [s])
LATENCY_VS_LOAD = [
    ("sglang", "llama3.1-8b", "a100", 1, 4, 31.98e-3, 13.17e-3), ("sglang", "llama3.1-8b", "a100", 1, 8, 35.68e-3, 17.85e-3),
    ("sglang", "llama3.1-70b", "h100", 4, 4, 53.94e-3, 25.03e-3), ("sglang", "llama3.1-70b", "h100", 4, 8, 58.11e-3, 33.07e-3),
    ("vllm", "llama3.1-8b", "a100", 1, 4, 100.48e-3, 14.14e-3), ("vllm", "llama3.1-8b", "a100", 1, 8, 120.39e-3, 17.09e-3),
    ("vllm", "llama3.1-70b", "h100", 4, 4, 179.15e-3, 23.58e-3), ("vllm", "llama3.1-70b", "h100", 4, 8, 207.12e-3, 29.15e-3),
]


def _replica(model, gpu, tp, dtype, profile, kv=None):
    return Replica(CAT.architecture(model), CAT.accelerator(gpu), profile, tp=tp, dtype=dtype,
                   kv_dtype=kv or ("fp8" if dtype == "fp8" and profile.engine == "trtllm" else "bf16"))



# ---- load model ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sigma", [0.0, "exp"])
def test_single_server_matches_pollaczek_khinchine(sigma):
    """max_batch 1: an M/G/1 queue; mean wait W = λ E[S²] / (2 (1 − ρ))."""
    rng = np.random.default_rng(1)
    n, lam = 40_000, 0.7
    arr = np.cumsum(rng.exponential(1 / lam, n))
    O = np.full(n, 2) if sigma == 0.0 else 1 + np.maximum(1, np.round(rng.exponential(1.0, n) * 20)).astype(int)
    step = 1.0 / (np.mean(O)) if sigma == 0.0 else 1 / 21.0
    I = np.ones(n)
    first, finish, *_ = simulate(arr, I, O, decode_s=np.array([0.0, step]), prefill_compute_s=np.zeros(n),
                                 prefill_floor_s=0.0, step_overhead_s=0.0, request_overhead_s=0.0, max_batch=1)
    S = (O - 1) * step
    wait = first - arr
    rho = lam * S.mean()
    pk = lam * np.mean(S ** 2) / (2 * (1 - rho))
    assert wait[n // 10:].mean() == pytest.approx(pk, rel=0.08)


@pytest.mark.parametrize("engine,model,gpu,tp,rps,ttft,tpot", LATENCY_VS_LOAD)
def test_load_model_latency_vs_published_curve(engine, model, gpu, tp, rps, ttft, tpot):
    r = _replica(model, gpu, tp, "bf16", engine_profile(engine))
    lm = ReplicaLoadModel.build(r, LengthDistribution(SG_I, SG_O, 1.0, source="ShareGPT via benchmark scripts"))
    res = lm.evaluate(rps, requests=1200)
    assert res.tpot_p50_s == pytest.approx(tpot, rel=TOL)
    assert res.ttft_p50_s == pytest.approx(ttft, rel=TOL)


def test_latency_grows_with_load_and_max_rate_meets_targets():
    r = _replica("llama3.1-8b", "h100", 1, "fp8", engine_profile("trtllm"))
    lm = ReplicaLoadModel.build(r, LengthDistribution())
    lo, hi = lm.evaluate(2.0), lm.evaluate(0.9 * lm.saturated_rate_per_s)
    assert hi.tpot_p95_s > lo.tpot_p95_s and hi.mean_batch > lo.mean_batch
    rate, res = lm.max_rate(1.0, 0.02)
    assert 0 < rate < lm.saturated_rate_per_s and res.ttft_p95_s <= 1.0 and res.tpot_p95_s <= 0.02


def test_load_rejects_bad_rate():
    with pytest.raises(InputError):
        evaluate_load(-1, decode_s=np.ones(3), prefill_compute_fn=lambda I: I * 0, prefill_floor_s=0,
                      step_overhead_s=0, request_overhead_s=0, max_batch=2)




@settings(max_examples=40, deadline=None)
@given(rate=st.floats(0.05, 200), cap=st.integers(1, 300), steps=st.integers(1, 10), sigma=st.floats(0, 1.5, allow_subnormal=False),
       seed=st.integers(0, 10))
def test_simulation_invariants(rate, cap, steps, sigma, seed):
    """Every request finishes; first token after arrival and its own prefill; TPOT at least one step."""
    rng = np.random.default_rng(seed)
    n = 200
    arr = np.cumsum(rng.exponential(1 / rate, n))
    I, O = LengthDistribution(200, 100, sigma, source="test").sample(n, rng)
    dec = 0.01 + 1e-4 * np.arange(cap + 1)
    pf = 1e-5 * I
    first, finish, busy, pre, area = simulate(arr, I, O, decode_s=dec, prefill_compute_s=pf, prefill_floor_s=0.002,
                                              step_overhead_s=0.001, request_overhead_s=0.0, max_batch=cap,
                                              scheduler_steps=steps)
    assert np.all(np.isfinite(first)) and np.all(np.isfinite(finish))
    assert np.all(first - arr >= pf + 0.001 - 1e-12) and np.all(finish >= first)
    multi = O > 1
    assert np.all((finish - first)[multi] / (O[multi] - 1) >= dec[1] - 1e-12)
    assert 0 < pre <= busy <= finish.max() - arr[0] + 1e-9 and area >= 0
