"""`train`'s default efficiency comes from the planner when it can (issue 10, item 5): which source, when."""

from __future__ import annotations

import numpy as np
import pytest

from costcurve.catalog import load_catalog
from costcurve.training.efficiency import default_mfu_model, era_of, planned_mfu
from costcurve.training.planner import default_goodput, plan_training
from costcurve.training.estimate import estimate_training

CAT = load_catalog()


def test_scalar_run_with_architecture_uses_the_planner_and_agrees_with_plan():
    est = estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=1024)
    best = plan_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=1024, top=1).best
    assert est.mfu_source == "planner"
    assert est.mfu == pytest.approx(best.mfu, rel=1e-9)
    assert est.mfu == pytest.approx(planned_mfu(model="llama3-70b", gpu="h100", gpus=1024), rel=1e-12)
    # goodput from the same failure model, on train's own failure-free run length
    run_s = est.training_flop / (est.gpus * est.peak_flop_per_s * est.mfu)
    assert est.goodput == pytest.approx(default_goodput(1024, est.params_total, run_s), rel=1e-12)
    assert est.goodput == pytest.approx(best.goodput, rel=0.01)
    assert est.gpu_hours == pytest.approx(best.gpu_hours, rel=0.02)  # FLOP counts of train and plan: same formula
    assert any("planner" in n for n in est.notes)


def test_given_goodput_and_mfu_override_the_planner():
    kw = dict(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64)
    est = estimate_training(goodput=0.8, **kw)
    assert est.mfu_source == "planner" and est.goodput == 0.8
    given = estimate_training(mfu=0.3, **kw)
    assert given.mfu_source == "given" and given.mfu == 0.3 and given.goodput == 1.0


@pytest.mark.parametrize("kw, why", [
    (dict(params=np.geomspace(1e9, 70e9, 100), tokens=1e12, gpu="h100", gpus=64), "fallback"),  # > 64 pairs
    (dict(params=1e15, tokens=1e12, gpu="h100", gpus=64), None),  # beyond the shape rule (1e14): no shape
    (dict(model="llama3-8b", tokens=1e12, gpu="h100", days=30), "solved from days"),
    (dict(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, dtype="tf32"), "dtype tf32"),
    (dict(model="gpt3-175b", tokens=3e11, gpu="tpu-v4", gpus=6144), "no planner layout"),  # 2 pods (PaLM): no scale-out figure
])
def test_the_regression_answers_where_the_planner_does_not(kw, why):
    est = estimate_training(**kw)
    assert est.mfu_source == "default model"
    assert np.all(np.asarray(est.goodput) == 1.0)
    acc = CAT.accelerator(kw["gpu"])
    size = est.params_active
    expected = default_mfu_model(CAT).predict(era_of(acc.generation, acc.release_date.year), est.gpus, size,
                                              kw.get("dtype") == "fp8")
    assert np.allclose(est.mfu, expected, rtol=1e-12)
    if why:
        assert any(why in n for n in est.notes)


def test_uncertainty_spreads_around_the_planner_and_keeps_its_goodput():
    kw = dict(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64)
    point = estimate_training(**kw)
    mc = estimate_training(uncertainty=True, samples=2000, seed=1, **kw)
    assert np.median(mc.samples.mfu) == pytest.approx(point.mfu, rel=0.05)
    assert np.all(np.asarray(mc.samples.goodput) == pytest.approx(point.goodput))


def test_train_cli_says_the_planner_set_the_mfu(run_cli):
    r = run_cli("train", "--model", "llama3-8b", "--tokens", "1T", "--gpus", "64", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["mfu_source"] == "planner" and 0 < d["goodput"] < 1


def test_a_model_known_by_its_size_goes_through_the_planner_and_agrees_with_the_preset():
    """issue 20, part 2: ``--params 70B`` and ``--model llama3-70b`` within 10% on the same accelerators."""
    kw = dict(tokens=15e12, gpu="h100", gpus=16384)
    by_size = estimate_training(params=70.6e9, **kw)
    by_name = estimate_training(model="llama3-70b", **kw)
    assert by_size.mfu_source == by_name.mfu_source == "planner"
    assert by_size.gpu_hours / by_name.gpu_hours == pytest.approx(1.0, abs=0.10)  # measured 0.96
    assert any("synthesized from the parameter count" in n for n in by_size.notes)


def test_one_layout_search_per_train(monkeypatch):
    """issue 19: a bf16 `train` runs one layout search (no fp8 reference searches), a repeat none."""
    import costcurve.training.planner.plan as plan_module

    import costcurve.training.efficiency as mfu_module

    mfu_module._planned_mfu.cache_clear()  # other tests may have planned this run already
    calls = []
    real = plan_module.search_layouts
    monkeypatch.setattr(plan_module, "search_layouts", lambda *a, **k: calls.append(1) or real(*a, **k))
    estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=2048)
    assert len(calls) == 1
    estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=2048, date="2025-01-01")
    estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=2048, date="2025-01-01")
    assert len(calls) <= 2


def test_planner_mfu_cache_is_keyed_on_catalog_contents(tmp_path):
    """issue 18: editing a catalog CSV changes the answer (the cache keys on the rows' values, not the path)."""
    from pathlib import Path

    bundled = (Path(__file__).parents[2] / "src/costcurve/data/accelerators_2026-11.csv").read_text().splitlines()
    row = next(r for r in bundled if r.startswith("h100-sxm5,"))
    user = tmp_path / "accelerators.csv"
    user.write_text(bundled[0] + "\n" + row + "\n")
    first = planned_mfu(model="llama3-70b", gpu="h100", gpus=512, catalog=str(user))
    user.write_text(bundled[0] + "\n" + row.replace(",3350,", ",1675,") + "\n")  # half the HBM bandwidth
    second = planned_mfu(model="llama3-70b", gpu="h100", gpus=512, catalog=str(user))
    assert second < first * 0.99
    from costcurve.training import efficiency as mfu

    assert mfu._planned_mfu.cache_info().maxsize == mfu.PLANNED_CACHE_SIZE


def test_a_small_sweep_goes_through_the_planner_and_equals_its_scalar_runs():
    kw = dict(tokens=1e12, gpu="h100", date="2025-01-01")
    vec = estimate_training(model="llama3-8b", gpus=np.array([64, 128]), **kw)
    assert vec.mfu_source == "planner"
    for i, n in enumerate((64, 128)):
        one = estimate_training(model="llama3-8b", gpus=n, **kw)
        assert vec.mfu[i] == pytest.approx(one.mfu, rel=1e-12) and vec.goodput[i] == pytest.approx(one.goodput)
    sizes = estimate_training(params=np.array([7e9, 70e9]), gpus=64, **kw)
    assert sizes.mfu_source == "planner"
    assert sizes.mfu[1] == pytest.approx(estimate_training(params=70e9, gpus=64, **kw).mfu, rel=1e-12)
