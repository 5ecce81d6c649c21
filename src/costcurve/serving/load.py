"""Request-level load model: continuous batching of one replica under Poisson arrivals. [s]

**Method: a discrete-event simulation at iteration level** (one event per engine step, not per
token), fast enough for searches: a few tens of milliseconds for a thousand requests.

* Requests arrive as a Poisson process of rate ``λ`` [1/s]; prompt and answer lengths are drawn from
  a :class:`LengthDistribution` (default: log-normal with the ShareGPT means, 161 prompt and 338
  answer tokens, Kwon et al. 2023 (vLLM) Fig. 11; spread σ = 1 in log space, assumed to match those
  long-tailed histograms).
* The engine admits waiting requests first-come first-served up to ``max_batch`` running sequences,
  at most once every ``scheduler_steps`` decode steps (vLLM multi-step scheduling); an admission is
  one prefill step: ``step_overhead + max(weight read, Σ prefill compute) + Σ request overhead``;
  its end is each admitted request's first token. Then every running sequence gains one token per
  decode step of ``decode_s[B]`` seconds (``B`` running sequences, at the mean context).
* Time to first token = first token − arrival; time per output token = (finish − first token) /
  (output tokens − 1), as vLLM's and SGLang's benchmark scripts report them.

Checks (tests/serving/test_serving_load.py): with ``max_batch = 1`` and fixed service times the replica is
an M/D/1 queue, and with exponential service an M/M/1 queue: the simulated mean wait matches the
Pollaczek–Khinchine formula ``W = λ·E[S²] / (2(1 − ρ))``; medians of TTFT and TPOT against SGLang's
and vLLM's published latency at 4 and 8 requests/s.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from ..units import number_input

#: ShareGPT means (Kwon et al. 2023, vLLM, Fig. 11: 161.31 prompt and 337.99 answer tokens)
SHAREGPT_INPUT_MEAN, SHAREGPT_OUTPUT_MEAN = 161.31, 337.99
DEFAULT_SIGMA = 1.0  #: log-space spread of both lengths (assumed; see the module docstring)


@dataclass(frozen=True)
class LengthDistribution:
    """Prompt and answer lengths [tokens]: log-normal with these means and log-space spread (0: fixed)."""

    input_mean: float = SHAREGPT_INPUT_MEAN
    output_mean: float = SHAREGPT_OUTPUT_MEAN
    sigma: float = DEFAULT_SIGMA
    max_tokens: int = 32768  #: lengths are capped here (a context length) [tokens]
    source: str = "ShareGPT means (Kwon et al. 2023, Fig. 11), log-normal spread sigma=1 (assumed)"

    def __post_init__(self):
        for name in ("input_mean", "output_mean"):
            number_input(getattr(self, name), name.replace("_mean", "_tokens"))
        number_input(self.sigma, "length_sigma", kind="plain", allow_zero=True, upper=3.0)

    def sample(self, n: int, rng: np.random.Generator):
        """(input, output) token counts of ``n`` requests, whole numbers >= 1 (output >= 2)."""
        def draw(mean, lo):
            if self.sigma == 0:
                return np.full(n, max(round(mean), lo), dtype=float)
            mu = math.log(mean) - self.sigma ** 2 / 2
            return np.clip(np.round(rng.lognormal(mu, self.sigma, n)), lo, self.max_tokens)
        return draw(self.input_mean, 1), draw(self.output_mean, 2)


@dataclass(frozen=True)
class LoadResult:
    """Latency percentiles of one replica at one arrival rate (after a warm-up share of requests)."""

    arrival_rate_per_s: float
    requests: int
    ttft_p50_s: float
    ttft_p95_s: float
    tpot_p50_s: float
    tpot_p95_s: float
    ttft_mean_s: float
    tpot_mean_s: float
    mean_batch: float  #: time-averaged running sequences [count]
    busy_share: float  #: share of time the replica computes [1]
    prefill_share: float  #: share of busy time in prefill steps [1]
    stable: bool  #: arrivals did not outrun the replica: at most 5% still queued when arrivals stop [bool]


def simulate(arrivals_s, input_tokens, output_tokens, *, decode_s, prefill_compute_s, prefill_floor_s,
             step_overhead_s, request_overhead_s, max_batch, scheduler_steps=1):
    """Run the iteration-level simulation; returns (first-token times, finish times, busy [s], prefill [s], ∫B dt).

    ``decode_s``: array, decode step time for 0..max_batch running sequences [s];
    ``prefill_compute_s``: per request, its prefill compute [s]; ``prefill_floor_s``: weight read of a
    prefill step [s]. All inputs are sorted by arrival.
    """
    arr = np.asarray(arrivals_s, dtype=float)
    O = np.asarray(output_tokens, dtype=np.int64)
    n = arr.size
    cum_pf = np.concatenate([[0.0], np.cumsum(prefill_compute_s)])
    first = np.full(n, np.nan)
    finish = np.full(n, np.nan)
    dec = [float(x) for x in decode_s]
    arr_l = arr.tolist()
    O_l = O.tolist()
    running: list = []  # heap of (decode count at which it finishes, request)
    t = busy = prefill_time = area = 0.0
    head = nxt = done = D = 0
    cap, k = int(max_batch), int(scheduler_steps)
    while done < n:
        while nxt < n and arr_l[nxt] <= t:
            nxt += 1
        if not running and head == nxt:  # idle: jump to the next arrival
            t = arr_l[nxt]
            continue
        if head < nxt and len(running) < cap and (D % k == 0 or not running):
            m = min(cap - len(running), nxt - head)
            dt = step_overhead_s + max(prefill_floor_s, cum_pf[head + m] - cum_pf[head]) + m * request_overhead_s
            area += len(running) * dt
            t += dt
            busy += dt
            prefill_time += dt
            for j in range(head, head + m):
                first[j] = t
                if O_l[j] <= 1:
                    finish[j] = t
                    done += 1
                else:
                    heapq.heappush(running, (D + O_l[j] - 1, j))
            head += m
            continue
        b = len(running)
        dt = dec[b]
        area += b * dt
        t += dt
        busy += dt
        D += 1
        while running and running[0][0] <= D:
            _, j = heapq.heappop(running)
            finish[j] = t
            done += 1
    return first, finish, busy, prefill_time, area


def evaluate_load(rate_per_s, *, decode_s, prefill_compute_fn, prefill_floor_s, step_overhead_s, request_overhead_s,
                  max_batch, scheduler_steps=1, lengths=None, requests=1000, seed=0, warmup=0.1,
                  prefill_only=False) -> LoadResult:
    """p50/p95 time to first token and time per output token of one replica at ``rate_per_s`` arrivals.

    ``prefill_compute_fn(input_tokens) -> seconds`` (vectorized). Seeded: the same seed draws the same
    arrivals (scaled by the rate) and lengths, so results are monotone in the rate for a search.
    ``prefill_only``: every request leaves after its first token (a disaggregated prefill pool).
    """
    rate = number_input(rate_per_s, "arrival_rate_per_s", kind="plain")
    lengths = lengths or LengthDistribution()
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0, requests)
    I, O = lengths.sample(requests, rng)
    if prefill_only:
        O = np.ones_like(O)
    arr = np.cumsum(gaps) / rate
    first, finish, busy, pf, area = simulate(
        arr, I, O, decode_s=decode_s, prefill_compute_s=prefill_compute_fn(I), prefill_floor_s=prefill_floor_s,
        step_overhead_s=step_overhead_s, request_overhead_s=request_overhead_s, max_batch=max_batch,
        scheduler_steps=scheduler_steps)
    keep = np.arange(requests) >= int(warmup * requests)
    ttft = (first - arr)[keep]
    tpot = ((finish - first) / np.maximum(O - 1, 1))[keep & (O > 1)]
    if tpot.size == 0:
        tpot = np.zeros(1)
    span = float(finish.max() - arr[0])
    queued_at_end = int(np.sum(first > arr[-1]))  # requests not yet started when arrivals stop
    return LoadResult(
        arrival_rate_per_s=float(rate), requests=requests,
        ttft_p50_s=float(np.percentile(ttft, 50)), ttft_p95_s=float(np.percentile(ttft, 95)),
        tpot_p50_s=float(np.percentile(tpot, 50)), tpot_p95_s=float(np.percentile(tpot, 95)),
        ttft_mean_s=float(ttft.mean()), tpot_mean_s=float(tpot.mean()),
        mean_batch=area / span, busy_share=busy / span, prefill_share=pf / busy if busy else 0.0,
        stable=queued_at_end <= max(5, 0.05 * requests))


def max_rate_within(targets, evaluate, rate_hi, *, iterations=10):
    """Highest arrival rate whose p95 TTFT and TPOT are within ``targets`` = (ttft_s, tpot_s). [1/s]

    ``evaluate(rate) -> LoadResult``; bisection on (0, rate_hi] where ``rate_hi`` is the saturated
    throughput. Returns (rate, LoadResult at that rate), or (0.0, result at a tiny rate) when even a
    light load misses the targets.
    """
    ttft_t, tpot_t = targets

    def ok(res):
        return res.stable and res.ttft_p95_s <= ttft_t and res.tpot_p95_s <= tpot_t

    lo, hi = 0.0, float(rate_hi)
    res = evaluate(hi)
    if ok(res):
        return hi, res
    best = None
    for _ in range(iterations):
        mid = (lo + hi) / 2
        res = evaluate(mid)
        if ok(res):
            lo, best = mid, res
        else:
            hi = mid
    if best is None:
        return 0.0, res
    return lo, best


def check_targets(ttft_p95_s, tpot_p95_s):
    """Both p95 targets as floats [s] (None → no limit; text may carry a unit: ``"500ms"``)."""
    return tuple(math.inf if v is None else float(number_input(v, name, kind="time"))
                 for v, name in ((ttft_p95_s, "ttft_p95_s"), (tpot_p95_s, "tpot_p95_s")))
