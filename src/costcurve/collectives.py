"""Time of collectives — all-reduce, all-to-all, point-to-point — by one latency model (α–β). [s]

The one place these are written: the serving roofline (:mod:`costcurve.serving.roofline`), the serving step
model (:mod:`costcurve.serving.step`) and expert-parallel dispatch (:mod:`costcurve.serving.moe`) call it.

Every collective costs a fixed latency plus its bytes over the link bandwidth (the α–β model,
Hockney 1994; Thakur et al. 2005 for the ring algorithms NCCL uses):

* all-reduce of ``S`` bytes over ``n`` ranks (ring): ``α + 2(n−1)/n · S / β``
* all-to-all of ``S`` bytes held per rank: ``α + (n−1)/n · S / β``
* point-to-point send of ``S`` bytes (pipeline stage hand-off): ``α + S / β``

``β`` is the one-direction bandwidth per accelerator of the link the group spans (scale-up,
PCIe or scale-out: :func:`costcurve.interconnect.link_for_group`), times the achieved fraction;
``α`` the engine's small all-reduce latency inside the scale-up domain, else one ring step latency
per hop (NCCL's ``hwLat``). With one rank a collective costs nothing. Every function broadcasts over numpy arrays.
"""

from __future__ import annotations

import numpy as np

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
