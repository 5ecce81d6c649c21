"""`costcurve deploy` (cheapest deployment, Pareto front, disaggregated pools) and the serving keys of
`costcurve infer`.
"""

from __future__ import annotations

import pytest

# ---- CLI ----------------------------------------------------------------------------------------
DEPLOY_KEYS = {"deployment", "accelerators_total", "usd_per_day", "usd_per_million_input_tokens",
               "usd_per_million_output_tokens", "usd_per_query", "usd_per_billion_queries", "utilization",
               "ttft_p95_s", "tpot_p95_s", "pareto",
               "price_quotes", "price_providers", "thin_evidence"}  # the quote rule behind the price (issue: trust 3)


def test_deploy_json_keys_and_consistency(run_cli):
    r = run_cli("deploy", "--model", "llama3.1-8b", "--queries-per-day", "1B", "--gpu-options", "h100,a100",
                "--ttft-p95", "1s", "--tpot-p95", "50ms", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert set(d) == DEPLOY_KEYS | {"layout", "search"}
    assert set(d["deployment"]) == {"gpu", "gpus_per_replica", "replicas", "dtype", "kv_dtype", "engine", "max_batch"}
    assert all(set(p) == set(d) - {"pareto", "search"} for p in d["pareto"])
    assert d["ttft_p95_s"] <= 1.0 and d["tpot_p95_s"] <= 0.05
    assert d["accelerators_total"] == d["deployment"]["replicas"] * d["deployment"]["gpus_per_replica"]
    assert d["usd_per_query"] == pytest.approx(d["usd_per_day"] / 1e9)
    assert d["usd_per_billion_queries"] == pytest.approx(1e9 * d["usd_per_query"])
    assert 0 < d["utilization"] <= 1
    # the front is ordered by dollars per query (pareto_front); per million output tokens a colocated and a
    # disaggregated deployment split their cost differently, so that column need not be sorted too
    costs = [p["usd_per_query"] for p in d["pareto"]]
    assert costs == sorted(costs) and d["pareto"][0]["usd_per_day"] == d["usd_per_day"]


def test_deploy_more_demand_costs_more_per_day_not_per_query(run_cli):
    out = []
    for q in ("1B", "4B"):
        r = run_cli("deploy", "--model", "llama3.1-8b", "--queries-per-day", q, "--gpu-options", "h100",
                    "--dtype-options", "fp8", "--json")
        out.append(r.json())
    assert out[1]["usd_per_day"] > 3.9 * out[0]["usd_per_day"]
    assert out[1]["usd_per_query"] == pytest.approx(out[0]["usd_per_query"], rel=0.02)


@pytest.mark.parametrize("args,option", [
    (("--ttft-p95", "5x"), "--ttft-p95"), (("--gpu-options", "h1000"), "--gpu-options"),
    (("--queries-per-day", "-3"), "--queries-per-day"), (("--engine", "tgi"), "--engine"),
    (("--tpot-p95", "0.1ms", "--gpu-options", "a100"), "--tpot-p95"), (("--dtype-options", "int3"), "--dtype-options"),
    (("--input-tokens", "200000"), "--input-tokens"), (("--max-gpus-per-replica", "0"), "--max-gpus-per-replica"),
    (("--length-sigma", "5"), "--length-sigma"), (("--ttft-p95", "5m"), "--ttft-p95"),
])
def test_deploy_bad_input_is_one_line(run_cli, args, option):
    base = {"--queries-per-day": "1B"}
    a = ["deploy", "--model", "llama3.1-8b"]
    if "--queries-per-day" not in args:
        a += ["--queries-per-day", base["--queries-per-day"]]
    r = run_cli(*a, *args)
    assert r.code == 2 and r.err.startswith("error:") and option in r.err and "Traceback" not in r.err


def test_infer_engine_and_load_keys(run_cli):
    r = run_cli("infer", "--model", "llama3.1-8b", "--gpu", "h100", "--engine", "vllm", "--load", "4", "--json")
    d = r.json()
    assert d["engine"] == "vllm" and d["ttft_p95_s"] > 0 and d["tpot_p95_s"] > 0
    plain = run_cli("infer", "--model", "llama3.1-8b", "--gpu", "h100", "--json").json()
    assert "ttft_p95_s" not in plain and plain["engine"] == "trtllm"
    assert d["tokens_per_second"] < plain["tokens_per_second"]  # vLLM's profile is slower than TensorRT-LLM's
    from costcurve import estimate_inference  # the trtllm profile is the DEFAULTS: same numbers as no engine
    lib = estimate_inference(model="llama3.1-8b", gpu="h100")
    assert plain["tokens_per_second"] == pytest.approx(lib.tokens_per_second, rel=1e-12) and lib.engine is None


# ---- library -------------------------------------------------------------------------------------
def test_ark_chatgpt_query_cost_near_one_cent_at_8_5_billion_a_day():
    """ARK Invest (Big Ideas 2023): ChatGPT-scale demand, 8.5 billion queries a day, at about $0.01 a query.

    GPT-3.5-class 175B dense (gpt3-175b shape), bf16 on A100-80GB at mid-2023 on-demand prices, a chat
    turn of 1,024 prompt and 338 answer tokens (as tests/serving/test_inference.py), p95 TTFT 2 s, p95 TPOT 100 ms.
    """
    from costcurve.serving.deploy import plan_deployment

    kw = dict(model="gpt3-175b", queries_per_day="8.5B", input_tokens=1024, output_tokens=338, ttft_p95_s=2,
              tpot_p95_s=0.1, gpu_options=["a100"], dtype_options=["bf16"], date="2023-06-01")
    for engine in ("trtllm", "vllm"):
        best = plan_deployment(engine=engine, **kw).best
        assert 0.01 / 3 <= best.usd_per_query <= 0.01 * 3
        assert best.ttft_p95_s <= 2 and best.tpot_p95_s <= 0.1


def test_disaggregated_pools_win_with_long_prompts_and_a_tight_tpot_target():
    """Prefill stalls of 2,000-token prompts push colocated TPOT up; separate pools avoid them."""
    from costcurve.serving.deploy import plan_deployment

    kw = dict(model="llama3.1-70b", queries_per_day="1B", input_tokens=2000, output_tokens=300, ttft_p95_s=2,
              tpot_p95_s=0.03, gpu_options=["h100"], dtype_options=["fp8"])
    auto = plan_deployment(**kw).best
    colocated = plan_deployment(disaggregated=False, **kw).best
    only = plan_deployment(disaggregated=True, **kw).best
    assert only.disaggregated and only.usd_per_day == pytest.approx(auto.usd_per_day, rel=0.05)
    assert auto.disaggregated and auto.prefill_replicas > 0
    assert auto.usd_per_day < colocated.usd_per_day
    assert auto.tpot_p95_s <= 0.03 and auto.ttft_p95_s <= 2
    assert not colocated.disaggregated and colocated.tpot_p95_s <= 0.03


def test_fp8_is_cheaper_than_bf16_on_h100_and_no_target_means_a_full_replica():
    from costcurve.serving.deploy import plan_deployment

    kw = dict(model="llama3.1-70b", queries_per_day="100M", gpu_options=["h100"], disaggregated=False)
    fp8 = plan_deployment(dtype_options=["fp8"], **kw).best
    bf16 = plan_deployment(dtype_options=["bf16"], **kw).best
    assert fp8.usd_per_query < bf16.usd_per_query
    assert fp8.utilization > 0.5  # with no latency target a replica runs near its saturated rate


def test_no_deployment_meets_an_impossible_target():
    from costcurve.errors import CostcurveError
    from costcurve.serving.deploy import plan_deployment

    with pytest.raises(CostcurveError) as e:
        plan_deployment(model="llama3.1-70b", queries_per_day="1B", tpot_p95_s=1e-4, gpu_options=["a100"])
    assert e.value.field == "tpot_p95_s"


def test_infer_load_needs_single_values_and_warns_when_saturated(run_cli):
    r = run_cli("infer", "--model", "llama3.1-8b", "--gpu", "h100", "--load", "3", "--uncertainty")
    assert r.code == 2 and "--load" in r.err
    from costcurve import estimate_inference

    est = estimate_inference(model="llama3.1-8b", gpu="h100", load_per_s=1000)
    assert any("saturates" in n for n in est.notes) and est.ttft_p95_s > 1.0


def test_deploy_cli_disaggregated_never(run_cli):
    r = run_cli("deploy", "--model", "llama3.1-70b", "--queries-per-day", "1B", "--input-tokens", "2000",
                "--output-tokens", "300", "--ttft-p95", "2s", "--tpot-p95", "30ms", "--gpu-options", "h100",
                "--dtype-options", "fp8", "--disaggregated", "never", "--json")
    d = r.json()
    assert r.code == 0 and not d["layout"]["disaggregated"]
    assert not any(p["layout"]["disaggregated"] for p in d["pareto"])


@pytest.mark.parametrize("engine,kind", [("trtllm", "3-year"), ("sglang", "on-demand")])
def test_search_over_every_catalog_accelerator_the_engine_runs_on(engine, kind):
    from costcurve import load_catalog
    from costcurve.serving.deploy import plan_deployment
    from costcurve.serving.engines import ENGINE_VENDORS

    res = plan_deployment(model="llama3.1-70b", queries_per_day="1B", ttft_p95_s=2, tpot_p95_s=0.1, engine=engine,
                          price_kind=kind)
    cat = load_catalog()
    assert all(cat.accelerator(d.gpu).vendor in ENGINE_VENDORS[engine] for d in (res.best, *res.pareto))
    assert res.best.usd_per_query > 0 and res.evaluated >= 12


def test_engine_that_does_not_run_on_the_accelerator_is_an_error(run_cli):
    r = run_cli("deploy", "--model", "llama3.1-8b", "--queries-per-day", "1B", "--gpu-options", "h100,mi300x",
                "--engine", "trtllm")
    assert r.code == 2 and "--gpu-options" in r.err and "mi300x" in r.err
