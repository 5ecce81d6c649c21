"""Time of collectives — all-reduce, all-gather, all-to-all, point-to-point — by one latency model (α–β). [s]

The one place these are written: the training planner (:mod:`costcurve.training.planner.step_time`),
the serving step model (:mod:`costcurve.serving.step`, its tensor-parallel all-reduce by
:func:`nccl_allreduce_s` as the planner's) and expert-parallel dispatch (:mod:`costcurve.serving.moe`) call it.

Every collective costs a latency plus its bytes over the link bandwidth (the α–β model, Hockney
1994; Thakur et al. 2005 for the ring algorithms NCCL uses):

* all-reduce of ``S`` bytes over ``n`` ranks (ring): ``α + 2(n−1)/n · S / β``
* all-gather / reduce-scatter (ring): ``α + (n−1)/n · S / β``
* all-to-all of ``S`` bytes held per rank: ``α + (n−1)/n · S / β``
* point-to-point send of ``S`` bytes (pipeline stage hand-off): ``α + S / β``

**The latency model** is NCCL's (``src/graph/tuning.cc``, ``ncclTopoTuneModel``): a collective's
latency is its number of steps times the latency of one step over the link (``hwLat``): a ring
all-reduce takes ``2(n−1)`` steps, a ring all-gather or reduce-scatter ``n−1``, an all-to-all
``n−1`` pairwise exchanges, a send one; NCCL's tree all-reduce (double binary tree, Sanders et al.
2009) ``2·log2(n)`` steps at ``1/(2·0.9)`` of the link's bandwidth (tuning.cc: tree bus bandwidth
× 0.9, algorithm bandwidth half of it). :func:`nccl_allreduce_s` picks the faster of ring and tree
for each message, as NCCL's tuner picks the algorithm of least predicted time
(``ncclTopoGetAlgoTime``): trees for small messages on large groups, rings for large ones;
all-gather, reduce-scatter and all-to-all have only the ring (tuning.cc models trees for
all-reduce alone). The ``*_steps_s`` functions take the latency of one step; the older
functions (:func:`allreduce_s`, :func:`all_to_all_s`, :func:`send_s`) take the whole latency
``α`` of one collective (e.g. an engine's measured small all-reduce inside a scale-up domain).

``β`` is the one-direction bandwidth per accelerator of the link the group spans (scale-up,
PCIe or scale-out: :func:`costcurve.interconnect.link_for_group`), times the achieved fraction.
With one rank a collective costs nothing. Every function broadcasts over numpy arrays.
"""

from __future__ import annotations

import numpy as np

#: NCCL tree all-reduce: bus bandwidth × 0.9 (tuning.cc ``busBw*.9``), algorithm bandwidth half of it
TREE_BANDWIDTH_FRACTION = 0.9


def ring_allreduce_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s):
    """Ring all-reduce: ``2(n−1)·α_step + 2(n−1)/n · S/β`` (NCCL: ``nsteps = 2(nRanks−1)``). [s]"""
    n = np.asarray(ranks, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return allreduce_s(message_bytes, n, link_bytes_per_s, 2.0 * (n - 1.0) * step_latency_s)


def tree_allreduce_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s):
    """NCCL tree all-reduce: ``2·log2(n)·α_step + 2·S/(0.9·β)``. [s]"""
    n = np.asarray(ranks, dtype=float)
    S = np.asarray(message_bytes, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (2.0 * np.log2(np.maximum(n, 2.0)) * step_latency_s
             + 2.0 * S / (TREE_BANDWIDTH_FRACTION * link_bytes_per_s))
    return np.where(n > 1, t, 0.0)


def nccl_allreduce_s(message_bytes, ranks, link_bytes_per_s, step_latency_s):
    """All-reduce by the faster of ring and tree for each message, NCCL's choice rule. [s]"""
    return np.minimum(ring_allreduce_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s),
                      tree_allreduce_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s))


def ring_allgather_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s):
    """Ring all-gather or reduce-scatter of ``S`` bytes in all: ``(n−1)·α_step + (n−1)/n · S/β``. [s]"""
    n = np.asarray(ranks, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (n - 1.0) * step_latency_s + (n - 1.0) / n * np.asarray(message_bytes, dtype=float) / link_bytes_per_s
    return np.where(n > 1, t, 0.0)


def all_to_all_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s):
    """All-to-all of ``S`` bytes per rank: ``n−1`` pairwise exchanges, ``(n−1)·α_step + (n−1)/n · S/β``. [s]"""
    return ring_allgather_steps_s(message_bytes, ranks, link_bytes_per_s, step_latency_s)


def allreduce_s(message_bytes, ranks, link_bytes_per_s, latency_s):
    """Ring all-reduce of ``message_bytes`` over ``ranks``: ``α + 2(n−1)/n · S/β``. [s]"""
    n = np.asarray(ranks, dtype=float)
    t = latency_s + 2.0 * (n - 1.0) / n * np.asarray(message_bytes, dtype=float) / link_bytes_per_s
    return np.where(n > 1, t, 0.0)


def all_to_all_s(message_bytes, ranks, link_bytes_per_s, latency_s):
    """All-to-all of ``message_bytes`` per rank over ``ranks``: ``α + (n−1)/n · S/β``. [s]"""
    n = np.asarray(ranks, dtype=float)
    t = latency_s + (n - 1.0) / n * np.asarray(message_bytes, dtype=float) / link_bytes_per_s
    return np.where(n > 1, t, 0.0)


def send_s(message_bytes, link_bytes_per_s, latency_s):
    """Point-to-point send of ``message_bytes``: ``α + S/β``. [s]"""
    return latency_s + np.asarray(message_bytes, dtype=float) / link_bytes_per_s


def all_to_all_two_tier_s(message_bytes, ranks, domain, up_bytes_per_s, up_latency_s, out_bytes_per_s,
                          out_latency_s):
    """All-to-all of ``message_bytes`` per rank over ``ranks`` that span scale-up domains of ``domain``. [s]

    Of what a rank sends, ``(min(n, D)−1)/n`` stays inside its domain (NVLink) and ``(n−D)/n`` crosses
    the network; both go at once, so the slower tier sets the time:
    ``max(α_up + (D−1)/n·S/β_up, α_out + (n−D)/n·S/β_out)`` (DeepEP's normal kernels: NVLink and RDMA
    in parallel, DeepSeek-AI 2024 §3.2.2). Inside one domain it is :func:`all_to_all_s` on the fast link.
    """
    n = np.asarray(ranks, dtype=float)
    D = np.minimum(n, float(domain))
    S = np.asarray(message_bytes, dtype=float)
    inner = up_latency_s + (D - 1.0) / n * S / up_bytes_per_s
    outer = np.where(n > D, out_latency_s + (n - D) / n * S / out_bytes_per_s, 0.0)
    return np.where(n > 1, np.maximum(inner, outer), 0.0)
