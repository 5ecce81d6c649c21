"""An offline benchmark of a fixed number of equal requests: waves, and the last wave's smaller batch.

``trtllm-bench throughput`` (and any offline benchmark) queues ``N`` requests of the same prompt and answer
length. With room for ``B`` sequences they run in ``ceil(N/B)`` waves: the full waves at ``B``, the last at
``N mod B`` (the remainder), and the reported throughput is all output tokens over the whole run. When
``N < B`` the run never reaches the batch memory allows. ``steady_state_tokens_per_s`` is the limit
``N → ∞``. The request counts of TensorRT-LLM's perf overview are published with its tables
(``developer-guide/perf-overview.md``, "Number of Requests").
"""
from __future__ import annotations

import numpy as np

from costcurve.errors import InputError
from costcurve.serving.step import Replica, offline_throughput, steady_state_tokens_per_s


def _wave_s(r: Replica, batch: float, input_tokens: float, output_tokens: float) -> float:
    """Time for one wave of ``batch`` equal requests, prefill to last token. [s]"""
    if batch <= 0:
        return 0.0
    return batch * output_tokens / float(steady_state_tokens_per_s(r, batch, input_tokens, output_tokens))


def finite_run_tokens_per_s(r: Replica, input_tokens: float, output_tokens: float, n_requests: int):
    """(output tokens/s, batch of the full waves) of an offline run of ``n_requests`` equal requests. [tokens/s]"""
    if not (isinstance(n_requests, (int, np.integer)) and n_requests >= 1):
        raise InputError(f"got {n_requests!r}; allowed: a whole number >= 1", field="n_requests")
    _, cap = offline_throughput(r, input_tokens, output_tokens)
    B = int(min(float(cap), n_requests))
    if B < 1:
        return float("nan"), 0
    full, rest = divmod(int(n_requests), B)
    total_s = full * _wave_s(r, B, input_tokens, output_tokens) + _wave_s(r, rest, input_tokens, output_tokens)
    return n_requests * float(output_tokens) / total_s, B
