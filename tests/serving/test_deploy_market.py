"""`costcurve deploy --compare-api`: the deployment's cost per query against published API list prices of
the same open model (bundled API price table, each row with its source and date)."""

from __future__ import annotations

import pytest


def test_cheapest_api_sits_near_or_above_the_deployment_at_committed_prices(run_cli):
    r = run_cli("deploy", "--model", "llama3.1-70b", "--queries-per-day", "1B", "--ttft-p95", "2", "--tpot-p95",
                "100ms", "--price-kind", "3-year", "--gpu-options", "h100", "--compare-api", "--json",
                "--allow-thin-prices")  # 3-year H100 prices rest on fewer than 3 quotes from 2 providers
    assert r.code == 0, r.err
    d = r.json()
    comp = d["api_comparison"]
    assert comp and all(c["source"] and c["date"] for c in comp)
    ratios = [c["ratio_to_deployment"] for c in comp]
    assert ratios == sorted(ratios)
    assert 0.5 <= ratios[0] <= 10  # the cheapest list price is near or above costcurve's cost
    assert comp[0]["usd_per_query"] == pytest.approx(ratios[0] * d["usd_per_query"])


def test_model_without_api_prices_gives_an_empty_comparison(run_cli):
    r = run_cli("deploy", "--model", "llama2-7b", "--queries-per-day", "1M", "--gpu-options", "h100", "--compare-api")
    assert r.code == 0
    from costcurve.serving.deploy import plan_deployment
    from costcurve.serving.market import api_comparison

    res = plan_deployment(model="gpt3-175b", queries_per_day="1M", gpu_options=["h100"], dtype_options=["fp8"])
    assert api_comparison(res) == []
