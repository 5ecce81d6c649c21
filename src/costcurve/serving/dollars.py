"""Dollars of one serving replica: its paid accelerator time split over the tokens and queries it serves. [USD]

Per second a replica of ``n`` accelerators at ``price`` USD per accelerator-hour and utilization ``u``
costs ``price·n/3600/u``; a query pays its share of a decode cycle (``cycle/B``), an output token its
share of a decode step, an input token its share of the prefill; a daily load needs
``ceil(queries per second / (replica queries per second · u))`` replicas.
"""

from __future__ import annotations

import math

import numpy as np

from costcurve.units import SECONDS_PER_DAY, SECONDS_PER_HOUR


def replica_dollars(price, n, B, q, t: dict, queries_per_day) -> dict:
    """Dollars per token, query and day: a replica's paid time split over what it serves.

    ``price`` [USD per accelerator-hour] of ``n`` accelerators serving ``B`` sequences; ``q`` the query
    (``I`` input tokens, ``util`` utilization); ``t`` the replica's times (``_cycle_s``, ``_prefill_s``,
    ``_step_s`` [s], ``queries_per_second``); ``queries_per_day`` sizes the fleet (None: not sized).
    """
    usd_per_s = price * n / SECONDS_PER_HOUR / q.util
    usd_query = usd_per_s * t["_cycle_s"] / B
    if queries_per_day is not None:
        replicas = np.ceil(queries_per_day / SECONDS_PER_DAY / (t["queries_per_second"] * q.util))
        gpus_needed = replicas * n
        usd_day = gpus_needed * price * 24.0
    else:
        queries_per_day = replicas = gpus_needed = usd_day = math.nan
    return {"usd_per_million_input_tokens": 1e6 * usd_per_s * t["_prefill_s"] / q.I,
            "usd_per_million_output_tokens": 1e6 * usd_per_s * t["_step_s"] / B, "usd_per_query": usd_query,
            "usd_per_billion_queries": 1e9 * usd_query, "queries_per_day": queries_per_day,
            "replicas_needed": replicas, "accelerators_needed": gpus_needed, "usd_per_day": usd_day}
