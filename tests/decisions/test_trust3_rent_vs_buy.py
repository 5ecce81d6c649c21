"""Rent or buy: a break-even above 100% says owning does not pay, the period is stated, and the table,
report and JSON use one wording (README example: 512 H100 at 70% on 3-year prices)."""

from __future__ import annotations

import re

import pytest

from costcurve.decisions.rent_vs_buy import break_even_words, payback_words, rent_vs_buy
from costcurve.report.sections_decisions import rent_vs_buy_sections


def test_words_above_100_percent():
    assert break_even_words(1.04, 5.0) == "owning does not pay at any utilization over 5 years"
    assert break_even_words(float("inf"), 3.0) == "owning does not pay at any utilization over 3 years"
    assert break_even_words(0.64, 5.0) == "owning pays above 64% utilization over 5 years"
    assert "from 87% to never" in break_even_words(1.04, 5.0, (0.87, 1.22))


def test_payback_never_contradicts_break_even():
    text = payback_words(float("nan"), 0.97, 5.0)
    assert "not within 5 years" in text and "owning still pays above 97%" in text
    text = payback_words(40.0, 1.2, 5.0)
    assert "40 months" in text and "renting is still cheaper" in text


def _readme_example():
    return rent_vs_buy(gpu="h100", gpus=512, utilization=0.7, price_kind="3-year", date="2026-12-01")


def test_readme_example_says_owning_does_not_pay():
    r = _readme_example()
    assert r.break_even_utilization > 1  # 104% before and after: the figure did not move, its words did
    assert r.break_even_statement.startswith("owning does not pay at any utilization over 5 years")
    d = r.to_dict()
    assert d["break_even_statement"] == r.break_even_statement and "payback_statement" in d


def test_report_uses_the_same_words():
    r = _readme_example()
    html = "".join(s.html for s in rent_vs_buy_sections(r.to_dict(), full=False))
    text = re.sub(r"<[^>]+>", " ", html)
    assert "owning does not pay at any utilization over 5 years" in text
    assert not re.search(r"owning pays above \d+%", text)  # was "owning pays above 97%" beside "payback: never"
    assert "over 100%" not in text or "never" in text


def test_cli_table_states_the_period(run_cli):
    r = run_cli("rent-vs-buy", "--gpu", "h100", "--gpus", "512", "--utilization", "0.7", "--price-kind", "3-year",
                "--years", "4")
    assert r.code == 0, r.err
    out = " ".join(r.out.split())
    assert "over 4 years" in out and "104%" not in out.split("break-even utilization")[1][:40]


@pytest.mark.parametrize("util", ["0.7", "0.5..0.9"])
def test_json_statement_matches_figure(run_cli, util):
    r = run_cli("rent-vs-buy", "--gpu", "h100", "--gpus", "64", "--utilization", util, "--samples", "200", "--seed", "1",
                "--json") if ".." in util else run_cli("rent-vs-buy", "--gpu", "h100", "--gpus", "64", "--utilization",
                                                        util, "--json")
    assert r.code == 0, r.err
    d = r.json()
    be = d["break_even_utilization"]
    be = be["p50"] if isinstance(be, dict) else be
    assert ("does not pay" in d["break_even_statement"]) == (be is None or be > 1)
