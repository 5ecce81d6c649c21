"""The plan capability: layouts, step time, goodput, search, Pareto front and the `plan` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve.catalog import load_catalog
from costcurve.errors import DoesNotFitError, InputError
from costcurve.training.planner import default_goodput, enumerate_layouts, pareto_front, plan_training
from costcurve.training.planner.goodput import FAILURES_PER_GPU_HOUR, mtbf_s, restart_s
from costcurve.training.planner.layout import Layout, check_layout
from costcurve.training.planner.result import PLAN_KEYS
from costcurve.training.planner.step_time import STEP_KEYS

CAT = load_catalog()


def test_plan_json_keys_and_sums(run_cli):
    r = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "64", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for k in PLAN_KEYS:
        assert k in d and k in d["plans"][0]
    assert set(d["parallelism"]) == {"tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "global_batch", "zero",
                                     "recompute", "sequence_parallel", "dp_shard", "overlap"}
    mem = d["memory_per_gpu_bytes"]
    assert list(mem) == ["weights", "gradients", "optimizer", "activations", "other", "total"]
    assert mem["total"] == pytest.approx(sum(v for k, v in mem.items() if k != "total"))
    assert mem["total"] <= d["memory_capacity_bytes"] and d["fits"] is True
    assert list(d["step_time_breakdown_s"]) == list(STEP_KEYS)
    assert d["step_time_s"] == pytest.approx(sum(d["step_time_breakdown_s"].values()))
    assert set(d["cost_usd"]) == {"cloud", "amortized", "acquisition"}
    p = d["parallelism"]
    assert p["tp"] * p["pp"] * p["cp"] * p["dp"] == 64
    assert d["plans"][0]["step_time_s"] <= d["plans"][-1]["step_time_s"]
    assert "runner-up" in d["why"]
    assert "\x1b" not in r.out and r.err == ""  # no progress bar or colour in --json output


def test_derived_figures_agree_with_each_other():
    s = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, top=1)
    b = s.best
    tokens_per_step = b.parallelism.global_batch * s.seq_len
    assert b.tokens_per_second == pytest.approx(tokens_per_step / b.step_time_s)
    peak = CAT.accelerator("h100").peak_flop_per_s("bf16")
    # MFU from model FLOP: 3 x forward FLOP per token x tokens/s over the cluster's peak
    from costcurve.flop import forward_flop_per_token

    assert b.mfu == pytest.approx(3 * forward_flop_per_token(CAT.architecture("llama3-8b"), s.seq_len)
                                  * b.tokens_per_second / (64 * peak))
    assert b.wall_clock_days * 86400 * b.goodput == pytest.approx(1e12 / b.tokens_per_second)
    assert b.gpu_hours == pytest.approx(64 * b.wall_clock_days * 24)
    assert b.cost_usd["cloud"] == pytest.approx(b.gpu_hours * b.price_usd_per_gpu_hour)


def test_train_and_plan_dollars_use_the_same_chain():
    from costcurve.training.estimate import estimate_training

    b = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, top=1).best
    est = estimate_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, mfu=b.mfu, goodput=b.goodput,
                            seq_len=8192)
    assert est.gpu_hours == pytest.approx(b.gpu_hours, rel=1e-6)
    for k in ("cloud", "amortized", "acquisition"):
        assert est.cost_usd[k] == pytest.approx(b.cost_usd[k], rel=1e-6)


def test_given_layout_that_does_not_fit_exits_2_with_one_line(run_cli):
    r = run_cli("plan", "--model", "llama3-70b", "--tokens", "1T", "--gpu", "h100", "--gpus", "64", "--tp", "1",
                "--pp", "1", "--cp", "1", "--dp", "64", "--microbatch", "1", "--zero", "0", "--recompute", "none")
    assert r.code == 2 and r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "GiB per accelerator" in lines[0] and "smallest change that fits" in lines[0]
    with pytest.raises(DoesNotFitError) as e:
        plan_training(model="llama3-70b", tokens=1e12, gpu="h100", gpus=64, tp=1, pp=1, cp=1, dp=64, microbatch=1,
                      zero=0, recompute="none")
    assert e.value.needed_bytes > e.value.capacity_bytes
    fixed = e.value.suggestion  # the suggested layout does fit
    best = plan_training(model="llama3-70b", tokens=1e12, gpu="h100", gpus=64, **{k: fixed[k] for k in (
        "tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "zero", "recompute", "sequence_parallel")}).best
    assert best.fits


@pytest.mark.parametrize("args, option", [
    (("--tp", "3"), "--tp"), (("--cp", "7"), "--cp"), (("--gpus", "0"), "--gpus"), (("--goodput", "1.5"), "--goodput"),
    (("--global-batch", "12", "--dp", "8"), "--global-batch"), (("--gpu", "h1000"), "--gpu"),
    (("--model", "gpt-5"), "--model"), (("--seq-len", "abc"), "--seq-len"),
])
def test_bad_options_name_the_option(run_cli, args, option):
    base = ["plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "64"]
    r = run_cli(*base, *args)
    assert r.code == 2 and option in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_accelerator_without_scale_out_is_limited_to_its_server(run_cli):
    r = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "rtx-4090", "--gpus", "64")
    assert r.code == 2 and "--gpus" in r.err and "scale-out" in r.err


def test_layout_validation():
    arch = CAT.architecture("llama3-70b")
    good = Layout(tp=8, pp=4, vpp=2, cp=1, ep=1, dp=4, microbatch=1, global_batch=64, zero=1, recompute="selective",
                  sequence_parallel=True)
    check_layout(arch, good, 128, 8192)
    with pytest.raises(InputError) as e:
        check_layout(arch, good, 256, 8192)
    assert e.value.field == "dp"
    with pytest.raises(InputError) as e:
        Layout(tp=0, pp=1, vpp=1, cp=1, ep=1, dp=1, microbatch=1, global_batch=1, zero=0, recompute="none",
               sequence_parallel=False)
    assert e.value.field == "tp"


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([8, 16, 24, 64, 96, 128, 512]), st.sampled_from([64, 128, 256, 512]))
def test_every_enumerated_layout_is_legal(gpus, batch):
    arch = CAT.architecture("llama3-70b")
    lay = enumerate_layouts(arch, gpus, batch, 8192)
    assert len(lay["tp"]) > 0
    prod = lay["tp"] * lay["pp"] * lay["cp"] * lay["dp"]
    assert np.all(prod == gpus)
    assert np.all(batch % (lay["dp"] * lay["microbatch"]) == 0)
    for i in np.random.default_rng(0).choice(len(lay["tp"]), size=min(20, len(lay["tp"])), replace=False):
        from costcurve.training.planner.plan import _layout_at

        check_layout(arch, _layout_at(lay, int(i)), gpus, 8192)


def test_bubble_is_p_minus_1_over_v_m_of_the_ideal():
    # Narayanan et al. 2021 §2.2.1 (1F1B) and §2.2.2 (interleaved): bubble = (p-1)/(v·m) of the ideal time
    arch = CAT.architecture("llama3-70b")
    for v in (1, 2, 4):
        b = plan_training(model=arch, tokens=1e12, gpu="h100", gpus=64, tp=8, pp=8, vpp=v, cp=1, dp=1, microbatch=1,
                          global_batch=32, zero=1, recompute="selective").best
        m = 32
        assert b.step_time_breakdown_s["bubble"] / (b.step_time_breakdown_s["compute"]) == pytest.approx(
            7 / (v * m), rel=0.02)  # compute also holds the optimizer step, a fraction of a percent


def test_goodput_from_published_failure_statistics():
    # Llama 3 (Dubey et al. 2024 §3.3.4): 466 interruptions in 54 days on 16,384 H100s, >90% effective time
    assert FAILURES_PER_GPU_HOUR == pytest.approx(466 / (16384 * 54 * 24))
    assert mtbf_s(16384) / 3600 == pytest.approx(2.78, rel=0.01)
    assert default_goodput(16384, 405e9, 54 * 86400) == pytest.approx(0.90, abs=0.002)
    assert 0 < restart_s() < 3600
    g = [default_goodput(n, 70e9, 30 * 86400) for n in (64, 1024, 8192, 65536)]
    assert all(a >= b for a, b in zip(g, g[1:]))  # more accelerators, more failures
    with pytest.raises(InputError):
        default_goodput(0, 1e9, 100.0)


def test_goodput_override():
    b = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, top=1, goodput=0.5).best
    assert b.goodput == 0.5 and b.goodput_source == "given"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(1, 1e3)), min_size=1, max_size=40))
def test_pareto_front_is_non_dominated(points):
    cost, days = np.array(points).T
    front = pareto_front(cost, days)
    for i in front:
        assert not np.any((cost < cost[i]) & (days < days[i]))
    for j in set(range(len(cost))) - set(front.tolist()):
        assert np.any((cost <= cost[j]) & (days <= days[j]) & ((cost < cost[j]) | (days < days[j]))) or \
            np.any((cost == cost[j]) & (days == days[j]))


def test_pareto_cli_with_constraints(run_cli, tmp_path):
    out = tmp_path / "points.csv"
    r = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu-options", "h100,a100-sxm4-80gb",
                "--gpus-options", "64,256,1024", "--deadline-days", "60", "--csv", str(out), "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["pareto"] and all(p["days"] <= 60 for p in d["points"])
    costs = [p["cost_usd"] for p in d["pareto"]]
    days = [p["days"] for p in d["pareto"]]
    assert costs == sorted(costs) and days == sorted(days, reverse=True)
    assert len(d["plans"]) == len(d["pareto"]) and "memory_per_gpu_bytes" in d["plans"][0]
    assert out.read_text().startswith("gpu,gpus,price_kind,provider")
    assert {p["provider"] for p in d["points"] if p["price_kind"] != "amortized"} - {None}


def test_plan_table_renders(run_cli):
    r = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "16")
    assert r.code == 0 and "Training plan" in r.out and "why" in r.out


def test_tensor_parallel_beyond_the_scale_up_domain_pays_the_network():
    arch = CAT.architecture("llama3-70b")
    kw = dict(model=arch, tokens=1e12, gpu="h100", gpus=64, pp=1, cp=1, microbatch=1, global_batch=64, zero=1,
              recompute="full", top=1)
    inside = plan_training(tp=8, dp=8, **kw).best
    across = plan_training(tp=16, dp=4, **kw).best  # 16 > the 8 GPUs of an HGX H100 NVLink domain
    per_rank_inside = inside.step_time_breakdown_s["tp_comm"]
    assert across.step_time_breakdown_s["tp_comm"] > 4 * per_rank_inside


@settings(max_examples=10, deadline=None)
@given(st.floats(1e11, 1e13), st.floats(0.5, 10.0))
def test_days_linear_in_tokens_and_cost_linear_in_price(tokens, price):
    kw = dict(model="llama3-8b", gpu="h100", gpus=64, top=1, goodput=0.9, tp=1, pp=1, cp=1, dp=64, microbatch=1,
              zero=3, recompute="full")
    a = plan_training(tokens=tokens, price_usd_per_gpu_hour=price, **kw).best
    b = plan_training(tokens=2 * tokens, price_usd_per_gpu_hour=2 * price, **kw).best
    assert b.wall_clock_days == pytest.approx(2 * a.wall_clock_days)
    assert b.cost_usd["cloud"] == pytest.approx(4 * a.cost_usd["cloud"])
    assert a.step_time_s == b.step_time_s
