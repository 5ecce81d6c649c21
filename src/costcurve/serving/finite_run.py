"""An offline benchmark of a fixed number of equal requests, iteration by iteration, and trtllm-bench's limits.

``trtllm-bench throughput`` (and any offline benchmark) queues ``N`` requests of the same prompt and answer
length; the reported throughput is all output tokens over the whole run. Every scheduler (one per replica, or
one per rank under attention data parallel) admits a waiting request when

* fewer than ``max_batch_size`` of its requests are running and memory holds one more (the replica's
  :func:`~costcurve.serving.step.max_batch`, shared evenly by the schedulers), and
* the iteration's tokens stay within ``max_num_tokens``: each running request adds one token, an admitted one
  its whole prompt (TensorRT-LLM's micro-batch scheduler, chunked prefill off as in ``trtllm-bench``'s default).

An admitted request is prefilled in its first iteration and runs ``O`` decode iterations from it (the accounting
of :func:`~costcurve.serving.step.steady_state_tokens_per_s`); an iteration takes the decode cycle of the
replica's running batch plus the prefill of the prompts admitted in it. Without a token limit all requests
that fit enter at once and the run is ``ceil(N/B)`` waves; with one, admission is staggered over the first
iterations, so the batch ramps up and the last requests drain over as many iterations. The request counts
of TensorRT-LLM's perf overviews are published with their tables ("Number of Requests").

:func:`trtllm_bench_limits` is the rule ``trtllm-bench`` uses when the run sets neither limit, as the
published overviews do (TensorRT-LLM ``tensorrt_llm/bench/build/tuning.py``, ``calc_engine_setting`` and
``finetune_setting``; ``tensorrt_llm/bench/benchmark/utils/general.py``, ``get_settings``).
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from costcurve.architecture import count_params
from costcurve.errors import InputError
from costcurve.serving.step import Replica, decode_cycle_s, max_batch, prefill_s

GIB = 2.0**30
#: trtllm-bench's bytes per weight and per KV element by quantization (tuning.py ``BYTES_PER_ELEM``; 2 otherwise)
_BENCH_BYTES = {"fp8": 1.0}


def _round_up(x: float, ladder, least: int) -> int:
    """``x`` rounded up to the step of the first ``(bound, step)`` rung it is below, at least ``least``."""
    step = next(s for bound, s in ladder if x < bound)
    return max(least, step * math.ceil(x / step))


def trtllm_bench_limits(r: Replica, input_tokens: float, output_tokens: float, kv_fraction: float | None = None):
    """(max_batch_size, max_num_tokens) that ``trtllm-bench throughput`` picks per scheduler. [count, tokens]

    ``calc_engine_setting``: ``R = f·(tp·pp·M − P·b_w) / (2·L·max(tp, kv_heads)·head_dim·b_kv·(I+O))`` requests
    (``M`` accelerator memory [GiB], ``P`` parameters, ``f`` = ``kv_fraction``, default the profile's memory
    share, trtllm-bench's ``--kv_cache_free_gpu_mem_fraction``); the KV heads and head size are the Hugging Face
    config's, so an MLA model counts its 128 heads of ``hidden/heads`` (DeepSeek-V3's config has no ``head_dim``),
    not its latent. ``finetune_setting`` rounds ``min(R, 4096)/pp`` up (to 32s below 256 with 64 at least,
    128s below 1024, else 256s) and ``R/pp·(1 + I/O)`` tokens up (2048 at least); ``get_settings`` raises the
    token limit to ``I + max_batch_size`` when chunked prefill is off. Under attention DP each rank's scheduler
    takes this batch limit (``total_max_num_active_requests = tp · max_num_active_requests``).
    """
    a, I, O = r.arch, float(input_tokens), float(output_tokens)
    f = r.profile.memory_utilization if kv_fraction is None else float(kv_fraction)
    heads = a.n_heads if a.is_mla else a.kv_heads
    head_dim = a.d_model // a.n_heads if a.is_mla else a.head_size
    per_token_gib = 2.0 * a.n_layers * max(r.tp, heads) * head_dim * _BENCH_BYTES.get(r.kv_dtype, 2.0) / GIB
    params = a.published_params_total or count_params(a)  # the checkpoint's count, as its safetensors give it
    free_gib = r.acc.memory_bytes / GIB * r.gpus - params * _BENCH_BYTES.get(r.dtype, 2.0) / GIB
    requests = f * free_gib / (per_token_gib * (I + O))
    if not requests >= 1:
        raise InputError(f"trtllm-bench finds room for {requests:.3g} requests of {I + O:g} tokens; allowed: >= 1",
                         field="gpus")
    raw_bs = min(requests, 4096) / r.pp
    raw_tokens = min(raw_bs * (1 + I / O), 32768)
    bs = _round_up(raw_bs, ((256, 32), (1024, 128), (math.inf, 256)), least=64)
    tokens = _round_up(raw_tokens, ((4096, 256), (8192, 512), (math.inf, 1024)), least=2048)
    return bs, max(tokens, int(I) + bs)


def finite_run_tokens_per_s(r: Replica, input_tokens: float, output_tokens: float, n_requests: int, *,
                            max_batch_size: int | None = None, max_num_tokens: int | None = None):
    """(output tokens/s, largest running batch) of an offline run of ``n_requests`` equal requests. [tokens/s]

    ``max_batch_size`` and ``max_num_tokens`` are per scheduler (per rank under attention DP, whose ``s = tp``
    schedulers are balanced: the replica holds ``s·max_batch_size`` and admits ``s·floor((T − b/s)/I)`` prompts
    an iteration while ``b`` run); ``None`` leaves the batch to memory and the engine profile's cap and admits
    any number of prompts in one iteration.
    """
    if not (isinstance(n_requests, (int, np.integer)) and n_requests >= 1):
        raise InputError(f"got {n_requests!r}; allowed: a whole number >= 1", field="n_requests")
    I, O = float(input_tokens), float(output_tokens)
    s = r.tp if r.attention_dp else 1
    cap = int(min(float(max_batch(r, I, O)), (max_batch_size or r.profile.max_batch) * s))
    if cap < 1:
        return float("nan"), 0
    if max_num_tokens is not None and max_num_tokens < I + 1:
        raise InputError(f"got {max_num_tokens}; allowed: at least one prompt and one token ({I + 1:g})",
                         field="max_num_tokens")
    cycle = decode_cycle_s(r, np.arange(cap + 1, dtype=float), I + (O + 1) / 2)
    t_prompt = float(prefill_s(r, I)) + r.profile.request_overhead_s
    total_s, it, running, waiting, peak, ends = 0.0, 0, 0, int(n_requests), 0, deque()
    while True:
        while ends and ends[0][0] <= it:
            running -= ends.popleft()[1]
        if not (waiting or running):
            break
        room = cap - running
        if max_num_tokens is not None:
            room = min(room, s * int((max_num_tokens - running / s) // I))
        k = min(waiting, max(room, 0))
        if k:
            waiting, running = waiting - k, running + k
            ends.append((it + int(O), k))
            peak = max(peak, running)
            total_s += float(cycle[running]) + k * t_prompt
            it += 1
        else:  # nothing changes until the next requests finish
            total_s += (ends[0][0] - it) * float(cycle[running])
            it = ends[0][0]
    return n_requests * O / total_s, peak
