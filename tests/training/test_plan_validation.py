"""The planner against published runs: Narayanan et al. 2021 Table 1 (fit of the one fitted constant),
and held out: Llama 3's MFU, dense fp8 GPT-3, production GPU-hours of the models table."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

import costcurve.training.planner.step_time as step_time
from costcurve.architecture import Architecture
from costcurve.catalog import load_catalog
from costcurve.errors import CostcurveError
from costcurve.training.efficiency import era_of
from costcurve.training.planner import plan_training

DATA = Path(__file__).parents[1] / "data"
CAT = load_catalog()


def _narayanan_rows():
    with open(DATA / "narayanan2021_table1.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _narayanan_ratios():
    """Predicted / published achieved TFLOP/s per GPU, counted as the paper counts (its eq. 3, with recomputation)."""
    out = []
    for r in _narayanan_rows():
        h, L, B, n = int(r["hidden"]), int(r["layers"]), int(r["global_batch"]), int(r["gpus"])
        arch = Architecture(name=f"gpt-{r['params_billion']}b", n_layers=L, d_model=h, n_heads=int(r["heads"]),
                            ffn_dim=4 * h, ffn_type="gelu", vocab_size=51200, context_length=2048, tied_embeddings=True,
                            position="learned", norm="layernorm", bias="true")
        # the paper gives t, p, batch and GPU count; microbatch and interleaving are searched as its authors tuned
        # them; 2021 Megatron-LM: full recomputation, no sequence parallelism, no flash attention, no ZeRO
        best = plan_training(model=arch, tokens=1e9, gpu="a100-sxm4-80gb", gpus=n, tp=int(r["tp"]), pp=int(r["pp"]),
                             cp=1, ep=1, global_batch=B, zero=0, recompute="full", sequence_parallel=False,
                             flash_attention=False, top=1).best
        flop = 96 * B * 2048 * L * h * h * (1 + 2048 / (6 * h) + 51200 / (16 * L * h))
        out.append(flop / (n * best.step_time_s) / 1e12 / float(r["achieved_tflop_per_s_per_gpu"]))
    return np.array(out)


def test_narayanan_table1_fit_and_spread(monkeypatch):
    """KERNEL_EFFICIENCY is the value that makes the median ratio 1 over Table 1 (refit here)."""
    ratios = _narayanan_ratios()
    assert np.median(ratios) == pytest.approx(1.0, abs=0.02)
    assert np.all(np.abs(np.log(ratios)) < 0.10)  # every configuration within 10%
    lo, hi = 0.4, 1.0
    for _ in range(10):
        mid = (lo + hi) / 2
        monkeypatch.setattr(step_time, "KERNEL_EFFICIENCY", mid)
        lo, hi = (lo, mid) if np.median(_narayanan_ratios()) > 1 else (mid, hi)
    assert (lo + hi) / 2 == pytest.approx(0.66, abs=0.01)


def test_pipeline_bubble_of_narayanan_figures():
    # Narayanan et al. 2021 §2.2: 1F1B bubble fraction (p-1)/m; interleaved (p-1)/(v·m)
    arch = CAT.architecture("gpt3-175b")
    for v, m in ((1, 64), (2, 64), (3, 96)):  # many microbatches: the optimizer step in compute is negligible
        b = plan_training(model=arch, tokens=1e9, gpu="a100-sxm4-80gb", gpus=64, tp=8, pp=8, vpp=v, cp=1, dp=1,
                          microbatch=1, global_batch=m, zero=1, recompute="full", seq_len=2048).best
        brk = b.step_time_breakdown_s
        assert brk["bubble"] / brk["compute"] == pytest.approx(7 / (v * m), rel=0.02)


# Llama 3 (Dubey et al. 2024) Table 4: 405B, seq 8192, global batch 2048 sequences (16M tokens), bf16
LLAMA3_TABLE4 = ((8192, 64, 0.43), (16384, 128, 0.41))


@pytest.mark.parametrize("gpus, dp, mfu", LLAMA3_TABLE4)
def test_llama3_table4_mfu_held_out(gpus, dp, mfu):
    b = plan_training(model="llama3.1-405b", tokens=15.6e12, gpu="h100", gpus=gpus, tp=8, pp=16, cp=1, dp=dp,
                      global_batch=2048, top=1).best
    assert b.mfu == pytest.approx(mfu, rel=0.20)  # measured: 0.387 and 0.345 (0.90 and 0.84 of published)


def test_dense_fp8_gpt3_against_nvidia_runs():
    # NVIDIA NeMo performance summary (24.12): GPT3-175B, 512 H100, fp8, tp4 pp8 vp6, mbs 2, gbs 2048: 888 model
    # TFLOP/s per GPU (a tuned benchmark run; the planner targets production software and is slower)
    kw = dict(model="gpt3-175b", tokens=1e9, gpu="h100", gpus=512, tp=4, pp=8, vpp=6, cp=1, microbatch=2,
              global_batch=2048, seq_len=2048, top=1)
    fp8 = plan_training(dtype="fp8", **kw).best
    bf16 = plan_training(dtype="bf16", **kw).best
    peak8 = CAT.accelerator("h100").peak_flop_per_s("fp8")
    achieved = fp8.mfu * peak8 / 1e12
    assert 0.55 * 888 < achieved < 888  # measured 619
    # fp8 speeds the matmuls, not attention or element-wise work: 1.2-2x over bf16 (NeMo: 888 vs ~600)
    assert 1.2 < fp8.tokens_per_second / bf16.tokens_per_second < 2.0


def test_fp8_default_of_train_no_longer_slower_than_bf16():
    from costcurve.training.estimate import estimate_training

    kw = dict(model="llama3-70b", tokens=15e12, gpu="h100", gpus=1024)
    assert estimate_training(dtype="fp8", **kw).wall_clock_s < estimate_training(dtype="bf16", **kw).wall_clock_s


def _planner_gpu_hours(r, acc, n, dtype, date):
    kw = dict(dtype=dtype, flash_attention=date >= dt.date(2022, 6, 1))
    if date < dt.date(2024, 1, 1):
        kw["cp"] = 1
    return plan_training(model=r["preset"], tokens=float(r["training_tokens"]), gpu=acc.name, gpus=n, top=1,
                         **kw).best.gpu_hours


def production_ratios(gpu_hours=_planner_gpu_hours):
    """Planner GPU-hours / published GPU-hours for the models table's runs with a preset.

    Era-appropriate software: flash attention only from June 2022 (Dao et al. 2022), no context
    parallelism before 2024. Unknown accelerator counts: the power of two nearest the published
    GPU-hours over 60 days (the count sets only the layout, weakly). Runs the planner cannot place
    (TPU pods joined over an unpublished network; 10,000 V100s with no legal layout) are skipped.
    """
    with open(Path(__file__).parents[2] / "src/costcurve/data/models_2026-11.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["gpu_hours"] and r["preset"]]
    out = []
    for r in rows:
        acc = CAT.accelerator(r["hardware"])
        n = int(r["hardware_count"]) if r["hardware_count"] else int(2 ** round(math.log2(float(r["gpu_hours"]) / 1440)))
        date = dt.date.fromisoformat(r["publication_date"])
        dtype = "fp8" if r["name"] == "DeepSeek-V3" else acc.half_dtype
        try:
            hours = gpu_hours(r, acc, n, dtype, date)
        except CostcurveError:
            continue
        out.append((r["name"], era_of(acc.generation, acc.release_date.year), hours / float(r["gpu_hours"])))
    return out


def test_production_gpu_hours_by_accelerator_generation():
    res = production_ratios()
    by_era = {}
    for name, era, ratio in res:
        by_era.setdefault(era, []).append(ratio)
    a100 = np.array(by_era[1])
    h100 = np.array(by_era[2])
    # A100 era (LLaMA, Llama 2, Falcon, BLOOM): median ratio 0.92, median |ln| 0.16, worst 0.41 (BLOOM);
    # the regression default scores 1.14 / 0.21 / 0.36 on the same runs
    assert len(a100) >= 8 and 0.75 < np.median(a100) < 1.25 and np.median(np.abs(np.log(a100))) < 0.25
    # H100 era: the large runs (Llama 3/3.1 70B and 405B, DeepSeek-V3) are now within 35% (the regression was
    # 0.64-0.79); the 8B models and the distilled Llama 3.2 1B/3B take 2.5-7x the planner's hours (Meta's
    # published hours for them include work 6·N·D does not count, e.g. the 3.2 teachers' logits)
    large = {name: ratio for name, era, ratio in res if era == 2 and ("70B" in name or "405B" in name or "DeepSeek" in name)}
    assert len(large) == 4 and all(abs(math.log(x)) < math.log(1.35) for x in large.values())


def _train_default(sources):
    def gpu_hours(r, acc, n, dtype, date):
        from costcurve.training.estimate import estimate_training

        est = estimate_training(model=r["preset"], tokens=float(r["training_tokens"]), gpu=acc.name, gpus=n,
                                dtype=dtype)
        sources[r["name"]] = (est.mfu_source, est.gpu_hours)
        return est.gpu_hours
    return gpu_hours


def test_train_default_is_the_planner_on_production_runs():
    """`train` without --mfu/--goodput on the models table's runs: the planner's best plan sets MFU and goodput
    wherever it can place the run (every GPU run with a preset); the regression answers for TPU pods and V100s.
    Measured (docs/planner.md): A100 era median ratio 0.88, median |ln| 0.17, worst |ln| 0.43 (BLOOM); the
    regression default scored 1.14 / 0.21 / 0.36. H100-era large runs 0.97, 0.88, 1.03, 1.31 (were 0.64-0.79)."""
    sources = {}
    res = production_ratios(_train_default(sources))
    by_name = {name: (era, ratio) for name, era, ratio in res}
    planned = {name for name, (src, _) in sources.items() if src == "planner"}
    assert {"LLaMA-65B", "Llama 2-70B", "Llama 3.1-405B", "DeepSeek-V3", "BLOOM-176B"} <= planned
    assert sources["PaLM (540B)"][0] == "default model"  # TPU v4 pod: no published scale-out network
    # train and plan agree where the planner answered (plan's default flash attention and context parallelism)
    for name in ("LLaMA-65B", "Llama 3.1-405B"):
        r = next(x for x in csv.DictReader(open(Path(__file__).parents[2] / "src/costcurve/data/models_2026-11.csv",
                                                 encoding="utf-8")) if x["name"] == name)
        best = plan_training(model=r["preset"], tokens=float(r["training_tokens"]), gpu=r["hardware"],
                             gpus=int(r["hardware_count"]), top=1).best
        assert sources[name][1] == pytest.approx(best.gpu_hours, rel=0.02)
    a100 = np.array([ratio for era, ratio in by_name.values() if era == 1])
    assert len(a100) >= 9 and 0.75 < np.median(a100) < 1.25 and np.median(np.abs(np.log(a100))) < 0.25
    large = [by_name[n][1] for n in ("Llama 3-70B", "Llama 3.1-70B", "Llama 3.1-405B", "DeepSeek-V3")]
    assert all(abs(math.log(x)) < math.log(1.35) for x in large)


def test_train_by_parameter_count_on_production_runs():
    """issue 20 part 2: `train --params N [--active-params Na]` (the shape rule's architecture through the
    planner) on the H100-era large runs: median ratio in [0.85, 1.15]. Measured (docs/planner.md): Llama 3 70B
    0.85, Llama 3.1 70B 0.78, Llama 3.1 405B 1.07, DeepSeek-V3 1.05 (median 0.95); A100 era median 0.89."""
    from costcurve.architecture import count_params
    from costcurve.training.estimate import estimate_training

    def gpu_hours(r, acc, n, dtype, date):
        a = CAT.architecture(r["preset"])
        est = estimate_training(params=count_params(a), active_params=count_params(a, active=True),
                                tokens=float(r["training_tokens"]), gpu=acc.name, gpus=n, dtype=dtype)
        # the regression answers for TPU pods, V100s and sizes below the shape rule's range (Llama 3.2 1B)
        assert est.mfu_source == "planner" or acc.generation.startswith("tpu") or acc.generation == "volta" \
            or count_params(a) < 2e9
        return est.gpu_hours

    res = production_ratios(gpu_hours)
    large = [x for name, era, x in res if era == 2 and ("70B" in name or "405B" in name or "DeepSeek" in name)]
    assert len(large) == 4 and 0.85 <= float(np.median(large)) <= 1.15
    a100 = [x for _, era, x in res if era == 1]
    assert 0.75 < float(np.median(a100)) < 1.25
