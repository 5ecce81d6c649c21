"""One collectives model (costcurve.collectives) for the planner: NCCL's step counts and ring/tree choice,
and the planner's exact shortcuts (work once per run of equal rows; NaN step where a link is unknown)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve import collectives as C
from costcurve.catalog import load_catalog
from costcurve.interconnect import interconnect
from costcurve.training.planner.layout import enumerate_layouts
from costcurve.training.planner.plan import default_global_batch
from costcurve.training.planner.runs import on_runs
from costcurve.training.planner.search import evaluate_layouts
from costcurve.training.planner.step_time import group_links, matmul_efficiency


def test_ring_and_tree_by_hand():
    S, n, bw, a = 1e9, 64, 5e10, 1e-5
    assert C.ring_allreduce_steps_s(S, n, bw, a) == pytest.approx(2 * 63 * a + 2 * 63 / 64 * S / bw)
    assert C.tree_allreduce_steps_s(S, n, bw, a) == pytest.approx(2 * 6 * a + 2 * S / (0.9 * bw))
    assert C.ring_allgather_steps_s(S, n, bw, a) == pytest.approx(63 * a + 63 / 64 * S / bw)
    assert C.ring_allreduce_steps_s(S, 1, bw, a) == C.tree_allreduce_steps_s(S, 1, bw, a) == 0


def test_nccl_choice_rule_tree_for_small_messages_ring_for_large():
    n, bw, a = 1024, 5e10, 1e-5
    small, large = 1e5, 1e10
    assert C.nccl_allreduce_s(small, n, bw, a) == C.tree_allreduce_steps_s(small, n, bw, a)
    assert C.nccl_allreduce_s(large, n, bw, a) == C.ring_allreduce_steps_s(large, n, bw, a)
    # the crossover: ring wins once its bandwidth advantage exceeds its extra latency
    assert C.ring_allreduce_steps_s(large, n, bw, a) < C.tree_allreduce_steps_s(large, n, bw, a)


def test_the_whole_collective_latency_functions_keep_their_signatures():
    """allreduce_s / all_to_all_s / send_s take one latency per collective (serving's engine figure)."""
    assert C.allreduce_s(1e6, 8, 1e11, 1e-5) == pytest.approx(1e-5 + 2 * 7 / 8 * 1e6 / 1e11)
    assert C.ring_allreduce_steps_s(1e6, 8, 1e11, 1e-5) == pytest.approx(C.allreduce_s(1e6, 8, 1e11, 14e-5))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3)), min_size=300, max_size=600))
def test_on_runs_equals_the_direct_computation(rows):
    a = np.repeat(np.array([r[0] for r in rows], dtype=float), 3)
    b = np.repeat(np.array([r[1] for r in rows], dtype=float), 3)
    fn = lambda x, y: (np.sqrt(x) * np.log2(y + 1.0), x / y)  # noqa: E731
    got, direct = on_runs(fn, (a, b), a, b), fn(a, b)
    for g, d in zip(got, direct):
        assert np.array_equal(g, d)


def test_a_layout_with_an_unknown_link_has_a_nan_step_time():
    """search_layouts times only the layouts with every link known when it must tell an unknown network."""
    cat = load_catalog()
    acc = next(a for a in cat.accelerators.values() if interconnect(a).scale_out_bytes_per_s is None
               and a.peak_flop_per_s_bf16)
    ic = interconnect(acc)
    arch = cat.architecture("llama3-8b")
    n = 64
    lay = enumerate_layouts(arch, n, default_global_batch(n, 8192), 8192, {}, node=ic.scale_up_domain)
    res = evaluate_layouts(arch, lay, seq_len=8192, peak_flop_per_s=acc.peak_flop_per_s("bf16"),
                           hbm_bytes_per_s=acc.memory_bandwidth_bytes_per_s, e_mm=matmul_efficiency(acc.generation),
                           memory_capacity_bytes=math.inf, interconnect=ic)
    links = group_links(ic, tp=lay["tp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"], pp=lay["pp"],
                        dp_shard=lay["dp_shard"])
    known = np.logical_and.reduce([~np.isnan(bw) & ~np.isnan(lat) for bw, lat in links.values()])
    assert (~known).any()
    assert np.isnan(res["step_time_s"][~known]).all()
    assert np.isfinite(res["step_time_s"][known]).all()


def test_links_known_shortcut_agrees_with_group_links():
    """With a published scale-out network every group's link is known (the search's shortcut)."""
    from costcurve.training.planner.search import links_known

    cat = load_catalog()
    arch = cat.architecture("llama3-70b")
    for acc in cat.accelerators.values():
        ic = interconnect(acc)
        lay = enumerate_layouts(arch, 512, default_global_batch(512, 8192), 8192, {}, node=ic.scale_up_domain)
        links = group_links(ic, tp=lay["tp"], cp=lay["cp"], ep=lay["ep"], dp=lay["dp"], pp=lay["pp"],
                            dp_shard=lay["dp_shard"])
        direct = np.logical_and.reduce([~np.isnan(bw) & ~np.isnan(lat) for bw, lat in links.values()])
        assert np.array_equal(links_known(ic, lay), direct), acc.name
