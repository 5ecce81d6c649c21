"""A replica as the load model sees it: step-time tables from :mod:`.step`, then :mod:`.load` on top."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .load import LengthDistribution, LoadResult, evaluate_load, max_rate_within
from .step import batch_cap as engine_cap
from .step import (Replica, decode_cycle_s, max_batch, prefill_s, prefill_step_fixed_s, steady_state_tokens_per_s,
                   weight_read_s)


#: a replica is not planned above this share of its saturated request rate (queues diverge at 1) [1]
MAX_LOAD_SHARE = 0.95


@dataclass(frozen=True)
class ReplicaLoadModel:
    """Precomputed step times of one replica for a length distribution (decode at the mean context)."""

    replica: Replica
    lengths: LengthDistribution
    batch_cap: int  #: running sequences: min(engine cap, memory, user cap) [count]
    decode_s: np.ndarray  #: decode cycle time for 0..batch_cap running sequences [s]
    saturated_rate_per_s: float  #: requests/s the replica completes when kept full [1/s]

    @classmethod
    def build(cls, replica: Replica, lengths: LengthDistribution, batch_cap=None) -> "ReplicaLoadModel":
        I, O = lengths.input_mean, lengths.output_mean
        cap = min(float(max_batch(replica, I, O)), engine_cap(replica), batch_cap or np.inf)
        cap = int(max(cap, 0))
        b = np.arange(cap + 1, dtype=float)
        dec = decode_cycle_s(replica, np.maximum(b, 1.0), I + (O + 1) / 2)
        sat = float(steady_state_tokens_per_s(replica, max(cap, 1), I, O)) / O if cap >= 1 else 0.0
        return cls(replica, lengths, cap, np.asarray(dec, dtype=float), sat)

    def evaluate(self, rate_per_s, *, requests=1000, seed=0, phase="both") -> LoadResult:
        """Latency percentiles at ``rate_per_s`` [1/s]; ``phase``: "both" (colocated), or one pool of a
        disaggregated deployment: "prefill" (requests leave after the first token) or "decode"
        (prompts arrive prefilled: admission costs nothing)."""
        r = self.replica
        if phase == "decode":
            kw = dict(prefill_compute_fn=lambda I: 0.0 * I, prefill_floor_s=0.0, step_overhead_s=0.0,
                      request_overhead_s=0.0)
        else:
            kw = dict(prefill_compute_fn=lambda I: prefill_s(r, I), prefill_floor_s=float(weight_read_s(r, 1.0)),
                      step_overhead_s=prefill_step_fixed_s(r), request_overhead_s=r.profile.request_overhead_s)
        return evaluate_load(rate_per_s, decode_s=self.decode_s, max_batch=self.batch_cap,
                             scheduler_steps=r.profile.scheduler_steps if phase == "both" else 1,
                             lengths=self.lengths, requests=requests, seed=seed, prefill_only=phase == "prefill", **kw)

    def saturated_rate(self, phase="both") -> float:
        """Requests/s the replica completes when kept full, colocated or as one pool. [1/s]"""
        L = self.lengths
        if phase == "prefill":
            r = self.replica
            per = float(prefill_s(r, L.input_mean)) + r.profile.request_overhead_s
            return 1.0 / per
        if phase == "decode":
            return self.batch_cap / (L.output_mean * float(self.decode_s[self.batch_cap]))
        return self.saturated_rate_per_s

    def max_rate(self, ttft_p95_s, tpot_p95_s, *, requests=600, seed=0, iterations=9, phase="both"):
        """(highest arrival rate within both p95 targets [1/s], LoadResult there)."""
        if self.batch_cap < 1:
            return 0.0, None
        return max_rate_within((ttft_p95_s, tpot_p95_s),
                               lambda x: self.evaluate(x, requests=requests, seed=seed, phase=phase),
                               MAX_LOAD_SHARE * self.saturated_rate(phase), iterations=iterations)
