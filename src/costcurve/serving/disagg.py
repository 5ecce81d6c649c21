"""Disaggregated serving: prefill and decode on separate replicas (Zhong et al. 2024, DistServe;
Patel et al. 2024, Splitwise). [s, USD]

A prefill pool runs prompts only (each request leaves after its first token); the KV cache of the
prompt crosses to a decode pool over the link between two replicas (``latency + bytes/bandwidth``,
each of the replica's accelerators sending its share in parallel); the decode pool admits prefilled
requests at no compute cost, so its time per output token carries no prefill stalls. Each pool is
sized with the load model of :mod:`.replica` (same accelerator, layout and engine for both):

* decode pool: highest rate with p95 TPOT within the target and p95 admission wait within
  ``DECODE_WAIT_SHARE`` of the TTFT target;
* prefill pool: highest rate with p95 time to first token within what is left of the TTFT target
  after the transfer and the decode pool's p95 admission wait.

p95 TTFT is reported as the sum of the three p95s (an upper bound). Input tokens pay the prefill
pool, output tokens the decode pool.
"""

from __future__ import annotations

import math

from costcurve.serving import replica_memory as mem
from ..units import SECONDS_PER_DAY
from .replica import ReplicaLoadModel

DECODE_WAIT_SHARE = 0.2  #: share of the TTFT target the decode pool's admission wait may take [1]


def kv_transfer_s(model: ReplicaLoadModel) -> float:
    """Time to move a mean prompt's KV cache from a prefill to a decode replica. [s]"""
    r = model.replica
    bw, lat, _ = r.link(2, stride=r.gpus)
    per_acc = float(mem.kv_cache_bytes(r.arch, model.lengths.input_mean, r.kv_dtype, 1)) / r.gpus
    return lat + per_acc / bw


def evaluate_disaggregated(model: ReplicaLoadModel, q_per_s: float, targets, *, requests=600):
    """Pool sizes and latencies of a disaggregated deployment, or None when the targets cannot be met.

    Returns a dict: prefill_replicas, decode_replicas, ttft_p95_s, tpot_p95_s, utilization,
    prefill_usd_share (share of accelerators in the prefill pool).
    """
    ttft_t, tpot_t = targets
    transfer = kv_transfer_s(model)
    wait = DECODE_WAIT_SHARE * ttft_t
    rate_d, res_d = model.max_rate(wait, tpot_t, phase="decode", requests=requests)
    if rate_d <= 0 or res_d is None:
        return None
    budget = ttft_t - transfer - res_d.ttft_p95_s
    if budget <= 0:
        return None
    rate_p, res_p = model.max_rate(budget, math.inf, phase="prefill", requests=requests)
    if rate_p <= 0 or res_p is None:
        return None
    n_p, n_d = int(math.ceil(q_per_s / rate_p)), int(math.ceil(q_per_s / rate_d))
    work = q_per_s / model.saturated_rate("prefill") + q_per_s / model.saturated_rate("decode")
    return {"prefill_replicas": n_p, "decode_replicas": n_d, "rate_prefill_per_s": rate_p, "rate_decode_per_s": rate_d,
            "ttft_p95_s": res_p.ttft_p95_s + transfer + res_d.ttft_p95_s, "tpot_p95_s": res_d.tpot_p95_s,
            "kv_transfer_s": transfer, "utilization": work / (n_p + n_d), "prefill_usd_share": n_p / (n_p + n_d),
            "queries_per_day": q_per_s * SECONDS_PER_DAY}
