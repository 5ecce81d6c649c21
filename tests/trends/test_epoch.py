"""Reading Epoch AI's public exports, and reproducing Cottier et al. (2024) from them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from conftest import shared_file

from costcurve.trends.sources import (
    detect_export,
    epoch_series,
    frontier_by_rank,
    read_epoch_hardware,
    read_epoch_models,
)
from costcurve.errors import CatalogError
from costcurve.trends.fit import fit_series

DATA = Path(__file__).parents[1] / "data"
TINY = DATA / "epoch_notable_tiny.csv"  # hand-made, Epoch's "Notable AI Models" header; cost = 1e6 * 3**(year-2018)
TINY_HW = DATA / "epoch_hardware_tiny.csv"  # hand-made, "ML Hardware" header; FLOP/s per $ doubles every 2 years


def test_read_models_export():
    rows = read_epoch_models(TINY)
    assert detect_export(TINY) == "models"
    by = {r["name"]: r for r in rows}
    assert by["Frontier-2018"]["cost_usd_2023"] == pytest.approx(1e6)  # "$1000000.00"
    assert by["Frontier-2017"]["cost_usd_2023"] == pytest.approx(1e6 / 3)  # plain number
    assert by["Frontier-2018"]["publication_date"] == dt.date(2018, 1, 1)
    assert by["Frontier-2018"]["frontier"] is True and by["Small-2020"]["frontier"] is False
    assert by["NoCost-2021"]["cost_usd_2023"] is None


def test_tiny_export_gives_the_rate_it_was_made_with():
    s = epoch_series(TINY).between(2016)
    assert len(s) == 8  # frontier, with a cost, since 2016
    fit = fit_series(s)
    assert fit.factor_per_year == pytest.approx(3.0, rel=1e-9)
    assert s.unit == "USD" and "Epoch AI" in s.source


def test_rank_rule_without_flag(tmp_path):
    with open(TINY, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = tmp_path / "all_ml_systems.csv"
    keep = [k for k in rows[0] if k != "Frontier model"]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=keep, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    models = read_epoch_models(out)
    assert all(m["frontier"] is None for m in models)
    assert "Small-2020" not in frontier_by_rank(models, top_n=3)
    s = epoch_series(out, top_n=3)
    assert "frontier rule: top 3" in s.notes[0]


def test_hardware_export():
    assert detect_export(TINY_HW) == "hardware"
    rows = read_epoch_hardware(TINY_HW)
    assert rows[0]["peak_flop_per_s_fp32"] == pytest.approx(1e13)
    s = epoch_series(TINY_HW, dtype="fp32")
    assert len(s) == 6  # the chip without a price is left out
    assert fit_series(s).doubling_time_years == pytest.approx(2.0, rel=1e-9)


def test_not_an_epoch_export():
    with pytest.raises(CatalogError, match="not an Epoch AI export"):
        detect_export(DATA / "user_series.csv")


def test_cli_epoch_source(run_cli):
    r = run_cli("trend", "--source", f"epoch:{TINY}", "--since", "2016", "--json")
    assert r.code == 0, r.err
    assert r.json()["factor_per_year"] == pytest.approx(3.0)


def test_cottier_2024_reproduced_from_notable_models():
    """Cottier et al. 2024 (arXiv:2405.21015): frontier training costs grew 2.4x a year since 2016, 90% CI 2.0-2.9x.

    OLS of ln(cost) on date for the 'Frontier model' rows of Epoch's Notable AI Models export (2025-05).
    """
    path = shared_file("epoch-notable-models", "notable_ai_models_2025-05.csv")
    fit = fit_series(epoch_series(path).between(2016), level=0.9)
    assert fit.factor_per_year == pytest.approx(2.4, abs=0.1)
    lo, hi = fit.conf_int(0.9)["factor_per_year"]
    assert 1.8 <= lo <= 2.1 and 2.8 <= hi <= 3.2  # published 2.0-2.9; ours 1.9-3.0 (Student's t, 38 models)


def test_all_ml_systems_rank_rule_agrees():
    path = shared_file("epoch-training-cost-trends", "all_ml_systems_full_view_2025-06.csv")
    fit = fit_series(epoch_series(path).between(2016))
    assert 2.0 <= fit.factor_per_year <= 3.0


def test_epoch_hardware_export_price_performance():
    """Epoch ML Hardware (2025-12): FP32 FLOP/s per release-price dollar; Hobbhahn & Besiroglu 2022: 2.46-year doubling."""
    path = shared_file("epoch-ml-hardware", "ml_hardware_2025-12-16.csv")
    fit = fit_series(epoch_series(path, dtype="fp32"))
    assert 2.0 < fit.doubling_time_years < 5.0
