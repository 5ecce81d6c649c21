"""The quote rule of `train` (3 quotes from 2 providers) in the Pareto search and in `deploy`.

README example: `plan --model llama3-70b --tokens 15T --gpu-options h100,b200,mi300x,a100 --gpus-options
1024,2048,4096 --deadline-days 90` answered with B200 spot capacity from one provider on one quote.
"""

from __future__ import annotations

import datetime as dt

import pytest

from costcurve.catalog import load_catalog
from costcurve.prices import MIN_PROVIDERS, MIN_QUOTES, choose_price, quote_evidence

CAT = load_catalog()
DAY = dt.date(2026, 12, 1)
README_PLAN = ["plan", "--model", "llama3-70b", "--tokens", "15T", "--gpu-options", "h100,b200,mi300x,a100",
               "--gpus-options", "1024,2048,4096", "--deadline-days", "90"]


def test_evidence_follows_the_rule():
    for gpu in ("h100-sxm5", "b200", "l40s"):
        for kind in ("on-demand", "spot"):
            ch = choose_price(CAT, gpu, DAY, kind=kind)
            ev = quote_evidence(CAT, gpu, DAY, kind)
            if ch is None:
                assert ev["thin_evidence"] and ev["price_quotes"] is None
                continue
            assert ev["price_quotes"] == ch.n_quotes and ev["price_providers"] == ch.n_providers
            assert ev["thin_evidence"] == (not (ch.n_quotes >= MIN_QUOTES and ch.n_providers >= MIN_PROVIDERS))


def test_one_provider_of_a_thin_market_is_thin():
    ev = quote_evidence(CAT, "b200", DAY, "spot", provider="spheron")
    assert ev["thin_evidence"] and ev["price_providers"] == 1


def test_readme_plan_front_is_not_thin(run_cli):
    r = run_cli(*README_PLAN, "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["pareto"], "the front is empty"
    for p in d["pareto"] + d["points"]:
        assert {"price_quotes", "price_providers", "thin_evidence"} <= set(p)
    assert not any(p["thin_evidence"] for p in d["pareto"])  # was b200 spot at one provider, one quote
    assert any(p["thin_evidence"] for p in d["points"])  # the thin points are still listed, marked
    for plan in d["plans"]:
        assert {"price_quotes", "price_providers", "thin_evidence"} <= set(plan)


def test_allow_thin_prices_lets_them_back(run_cli):
    r = run_cli(*README_PLAN, "--allow-thin-prices", "--json")
    assert r.code == 0, r.err
    front = r.json()["pareto"]
    strict = run_cli(*README_PLAN, "--json").json()["pareto"]
    assert min(p["cost_usd"] for p in front) <= min(p["cost_usd"] for p in strict)
    assert any(p["thin_evidence"] for p in front)


def test_readme_plan_table_marks_quotes(run_cli):
    r = run_cli(*README_PLAN)
    assert r.code == 0, r.err
    assert "quotes" in r.out and "left off the front" in r.out and "--allow-thin-prices" in r.out


def test_single_plan_json_carries_evidence(run_cli):
    r = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "b200", "--gpus", "64", "--price-kind", "spot",
                "--json")
    assert r.code == 0, r.err
    p = r.json()["plans"][0]
    assert p["thin_evidence"] is True and p["price_quotes"] == 1


def test_deploy_leaves_thin_prices_out_unless_asked():
    from costcurve.serving.deploy import plan_deployment

    res = plan_deployment(model="llama3.1-70b", queries_per_day=1e9, ttft_p95_s=2, tpot_p95_s=0.1, date=DAY)
    d = res.to_dict()
    assert d["thin_evidence"] is False and d["price_quotes"] >= MIN_QUOTES and d["price_providers"] >= MIN_PROVIDERS
    assert all(p["thin_evidence"] is False for p in d["pareto"])
    assert any("fewer than 3" in n for n in res.notes)
    loose = plan_deployment(model="llama3.1-70b", queries_per_day=1e9, ttft_p95_s=2, tpot_p95_s=0.1, date=DAY,
                            allow_thin_prices=True)
    assert loose.best.usd_per_day <= res.best.usd_per_day
    assert all(hasattr(p, "thin_evidence") for p in loose.pareto)


def test_deploy_only_thin_says_how(run_cli):
    r = run_cli("deploy", "--model", "llama3.1-70b", "--queries-per-day", "1B", "--gpu-options", "b200")
    assert r.code == 2 and "--allow-thin-prices" in r.err and "`" not in r.err
    r = run_cli("deploy", "--model", "llama3.1-70b", "--queries-per-day", "1B", "--gpu-options", "b200",
                "--allow-thin-prices", "--json")
    assert r.code == 0, r.err
    assert r.json()["thin_evidence"] is True


@pytest.mark.parametrize("bad", ["yes", 1])
def test_allow_thin_prices_is_a_bool(bad):
    from costcurve.errors import InputError
    from costcurve.serving.deploy import plan_deployment

    with pytest.raises(InputError) as e:
        plan_deployment(model="llama3.1-8b", queries_per_day=1e9, allow_thin_prices=bad)
    assert e.value.field == "allow_thin_prices"
