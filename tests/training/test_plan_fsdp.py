"""FSDP / ZeRO-3 against published tuned throughput (docs/planner.md, "FSDP and hybrid sharding").

Each row of tests/data/fsdp_throughput.csv is one published configuration, evaluated as given
(tp = pp = cp = 1, ZeRO-3, the published microbatch, batch and checkpointing; HSDP where the
source says so); nothing is fitted on these rows (they are checks). MPT shapes are llm-foundry's
``scripts/train/yamls/pretrain/mpt-*.yaml`` (GELU MLP × 4, vocabulary 50,368, ALiBi, tied
embeddings); "reduce_bytes" is the gradient reduction's precision (composer ``PURE`` bf16 = 2,
``DEFAULT`` fp32 = 4; IBM's fms-fsdp bf16).
"""

import csv
import statistics
from pathlib import Path

import pytest

from costcurve.architecture import Architecture
from costcurve.errors import InputError
from costcurve.interconnect import interconnect, parse_bandwidth, with_scale_out
from costcurve.training.planner import plan_training
from costcurve.training.planner.step_time import dp_comm_s

ROWS = list(csv.DictReader((Path(__file__).parents[1] / "data" / "fsdp_throughput.csv").open()))
MPT = {"1b": (2048, 16, 24), "3b": (2560, 20, 32), "7b": (4096, 32, 32), "13b": (5120, 40, 40),
       "30b": (7168, 56, 48), "70b": (8192, 64, 80)}


def _model(name):
    if name.startswith("mpt-"):
        d, h, L = MPT[name[4:]]
        return Architecture(name=name, n_layers=L, d_model=d, n_heads=h, ffn_dim=4 * d, ffn_type="gelu",
                            vocab_size=50368, context_length=2048, tied_embeddings=True, position="alibi",
                            norm="layernorm")
    if name == "llama2-34b":  # Code Llama 34B's shape (Rozière et al. 2023), Llama 2's 4k context
        return Architecture(name=name, n_layers=48, d_model=8192, n_heads=64, n_kv_heads=8, ffn_dim=22016,
                            vocab_size=32000, context_length=4096)
    return name


def _predict(r, overlap=True):
    n = int(r["gpus"])
    p = plan_training(model=_model(r["model"]), tokens=1e12, gpu=r["gpu"], gpus=n, tp=1, pp=1, cp=1, dp=n,
                      microbatch=int(r["microbatch"]), global_batch=int(r["global_batch"]), zero=3,
                      recompute=r["recompute"], seq_len=int(r["seq_len"]), dp_shard=int(r["dp_shard"] or n),
                      overlap=overlap, goodput=1.0, grad_bytes=float(r["reduce_bytes"]),
                      scale_out=r["scale_out"] or None).best
    if r["metric"] == "tokens_per_s_per_gpu":
        return p.tokens_per_second / n
    return p.achieved_flop_per_s_per_gpu / 1e12


@pytest.fixture(scope="module")
def ratios():
    return [(_predict(r) / float(r["published"]), _predict(r, overlap=False) / float(r["published"])) for r in ROWS]


def test_fsdp_throughput_median_within_20_percent(ratios):
    with_overlap = [a for a, _ in ratios]
    assert 0.8 <= statistics.median(with_overlap) <= 1.2
    assert all(0.6 <= a <= 1.4 for a in with_overlap)  # no single configuration off by more than 40%


def test_overlap_is_what_multi_node_fsdp_needs(ratios):
    """Without overlap the multi-node runs fall well below what was published; with it they recover."""
    multi = [(a, b) for (a, b), r in zip(ratios, ROWS) if int(r["gpus"]) > 8]
    assert statistics.median(b for _, b in multi) < statistics.median(a for a, _ in multi) - 0.05
    assert all(b <= a * 1.0001 for a, b in ratios)


def test_exposed_fsdp_communication_is_first_gather_and_last_reduce_when_compute_hides_the_rest():
    links = {"dp": (50e9, 0.0), "dp_rep": (float("inf"), 0.0)}
    kw = dict(m=1, layers=10, zero=3, dp_cp=64, dp_shard=64, local_params=1e9, grad_bytes=2.0)
    hidden = dp_comm_s(links, micro_s=10.0, fwd_layer_s=0.3, **kw)  # 1 s per layer: far more than the traffic
    layer = 63 / 64 * 2.0 * 1e8 / 50e9  # one layer's gather (= its bf16 reduce-scatter) [s]
    assert float(hidden) == pytest.approx(2 * layer, rel=1e-9)
    exposed = dp_comm_s(links, micro_s=10.0, fwd_layer_s=0.3, overlap=False, **kw)
    assert float(exposed) == pytest.approx(30 * layer, rel=1e-9)
    starved = dp_comm_s(links, micro_s=1e-6, fwd_layer_s=3e-7, **kw)  # no compute: all of it shows but the
    assert float(starved) == pytest.approx(29 * layer, rel=1e-3)  # last layer's backward gather (kept from forward)


def test_hybrid_sharding_is_searched_and_wins_on_a_slow_network():
    """Llama 2 7B, ZeRO-3 on 1,024 A100s over 100 Gb/s per node: the search shards inside the node (HSDP)."""
    kw = dict(model="llama2-7b", tokens=2e12, gpu="a100-sxm4-80gb", gpus=1024, tp=1, pp=1, cp=1, zero=3,
              scale_out="100 Gb/s per node")
    best = plan_training(**kw).best
    assert best.parallelism.dp_shard == 8
    fsdp = plan_training(dp_shard=1024, **kw).best
    assert fsdp.step_time_s > best.step_time_s
    assert fsdp.memory_per_gpu_bytes["weights"] < best.memory_per_gpu_bytes["weights"]


def test_scale_out_is_parsed_with_units_and_zero3_without_tp_is_expressible():
    ic = interconnect("h100-sxm5")
    assert parse_bandwidth("400 Gb/s", ic) == pytest.approx(50e9)
    assert parse_bandwidth("3.2 Tb/s per node", ic) == pytest.approx(50e9)
    assert parse_bandwidth("50 GB/s", ic) == pytest.approx(50e9)
    assert with_scale_out(ic, "l40s").scale_out_bytes_per_s == pytest.approx(50e9 / 8)
    for bad in ("400 Gb", "fast", "1e30 Gb/s"):
        with pytest.raises(InputError) as e:
            parse_bandwidth(bad, ic)
        assert e.value.field == "scale_out"
    slow = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=256, tp=1, pp=1, cp=1, zero=3,
                         scale_out="100 Gb/s per node").best
    fast = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=256, tp=1, pp=1, cp=1, zero=3).best
    assert slow.step_time_s >= fast.step_time_s
