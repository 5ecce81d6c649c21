"""Mixture-of-experts serving: experts a batch touches, expert-parallel dispatch, load imbalance, grouped GEMMs.

* **Weights read per step** (top-k routing over ``E`` experts, uniform and independent): a batch of
  ``B`` tokens touches ``E·(1 − (1 − k/E)^B)`` distinct routed experts per MoE layer on average;
  every shared expert, the attention, norms, router and LM head are read in full
  (:func:`costcurve.serving.replica_memory.weight_bytes_read_per_step` does the sum). Compute counts the ``k``
  active experts per token only.
* **Expert parallel** over ``n`` accelerators: each holds ``E/n`` whole experts; every MoE layer
  sends each token's hidden state to its ``k`` experts and back: a dispatch and a combine
  all-to-all (Lepikhin et al. 2021, GShard §2.2; DeepSeek-AI 2024, DeepSeek-V3 §3.4). With tensor-
  parallel attention each rank dispatches ``B/n`` of the tokens; with attention data parallel each
  rank dispatches its own requests' tokens. Across scale-up domains the network tier sets the time
  (:func:`costcurve.collectives.all_to_all_two_tier_s`). An engine without an all-to-all for the hardware
  all-gathers every rank's tokens to every rank and reduce-scatters the outputs instead (TensorRT-LLM on
  H100/H200: :func:`gathers_tokens`): ``n/k`` times the all-to-all's bytes (8× for Llama 4's top-1 over 8 ranks,
  half for Qwen3's top-8 over 4).
* **Load imbalance**: the busiest rank sets the step. Its routed load over the mean is the larger of
  a trained router's skew, the capacity factor 1.25 that Switch Transformer trains and serves with
  (Fedus et al. 2022, §2.2 and Table 1; GShard's expert capacity, Lepikhin et al. 2021 §2.2), and
  the spread of ``m`` uniformly routed assignments over ``n`` ranks, ``1 + sqrt(2·ln n / m)`` (the
  Gaussian bound on the largest of ``n`` Poisson counts of mean ``m``).
* **Grouped GEMMs at few tokens per expert**: each expert's tokens are padded to the kernel's
  ``GEMM_BLOCK_M`` rows, and a grouped GEMM over many small experts reaches a lower share of the
  roofline than one dense GEMM of the same bytes: ``GROUPED_GEMM_DECODE_RATIO`` (DeepGEMM's
  published masked-layout grouped GEMMs against its dense GEMMs of 64–128 rows; in prefill the
  contiguous layout matches the dense GEMM, ratio 1).
"""

from __future__ import annotations

import numpy as np

from ..collectives import all_to_all_s, all_to_all_two_tier_s
from costcurve.serving.replica_memory import ACTIVATION_BYTES, BYTES_PER_ELEMENT, expected_experts_touched

__all__ = ["CAPACITY_FACTOR", "GEMM_BLOCK_M", "GROUPED_GEMM_DECODE_RATIO", "MNNVL_MIN_DOMAIN", "busiest_rank_share",
           "dispatch_combine_s", "expected_experts_touched", "expert_parallel_s", "gathers_tokens", "padded_expert_rows",
           "routed_share_of_reads"]

#: busiest rank's routed load / mean for a trained, balanced router: Switch Transformer's capacity
#: factor (Fedus et al. 2022, §2.2, Table 1: 1.25 kept quality at the lowest drop rate) [1]
CAPACITY_FACTOR = 1.25
#: rows of one Hopper wgmma tile in grouped MoE GEMMs (DeepGEMM BLOCK_M 64; TensorRT-LLM's SM90 CUTLASS grouped GEMMs
#: take 128, "Currently M tile must be 128 for Grouped GEMM", cutlass_kernels/python/generate_kernels.py: at 128 the
#: padded compute stays below the weight read on H100/H200, so the published tables read the same) [tokens]
GEMM_BLOCK_M = 64
#: share of the roofline a decode-time (masked) grouped GEMM reaches, relative to a dense GEMM of 64–128 rows:
#: DeepGEMM README (deepseek-ai/DeepGEMM, Feb 2025, H800): masked grouped GEMMs of 256–1024 rows per
#: group 0.46–0.62 of the roofline (median 0.57), dense 64/128-row GEMMs 0.67–0.70 (median 0.70);
#: 0.57/0.70 = 0.81 (tests/serving/test_serving_moe.py recomputes it from the table) [1]
GROUPED_GEMM_DECODE_RATIO = 0.81  # EngineProfile.grouped_gemm_ratio defaults to it (engines imports nothing of this)
#: smallest NVLink domain that spans more than one 8-GPU HGX board: multi-node NVLink (GB200 NVL72: 72) [count]
MNNVL_MIN_DOMAIN = 9


def busiest_rank_share(assignments, ranks, capacity_factor=CAPACITY_FACTOR):
    """Routed token-expert assignments on the busiest of ``ranks`` over the mean. [1]

    ``max(capacity_factor, 1 + sqrt(2·ln n / m))`` with ``m = assignments / n``; 1 on one rank.
    """
    n = np.asarray(ranks, dtype=float)
    m = np.maximum(np.asarray(assignments, dtype=float) / n, 1e-12)
    spread = 1.0 + np.sqrt(2.0 * np.log(np.maximum(n, 1.0)) / m)
    return np.where(n > 1, np.maximum(capacity_factor, spread), 1.0)


def padded_expert_rows(assignments, n_experts):
    """Token rows the grouped GEMMs of one MoE layer compute: at least one ``GEMM_BLOCK_M`` tile per touched expert. [tokens]

    ``max(A, M · E·(1 − e^{−A/E}))`` for ``A`` token-expert assignments over ``E`` experts (the
    expected experts touched under uniform routing): with few tokens per expert every touched expert
    still computes a full tile; with many the tiles fill (the last partial tile of each expert is
    left out, which keeps the time per token falling with the batch).
    """
    A = np.asarray(assignments, dtype=float)
    touched = n_experts * -np.expm1(-A / n_experts)
    return np.maximum(A, GEMM_BLOCK_M * touched)


def dispatch_combine_s(arch, tokens_per_rank, ranks, link, *, dispatch_dtype="bf16", gather=False):
    """Dispatch and combine of one step through every MoE layer. [s]

    ``link``: ``(domain, up_bytes_per_s, up_latency_s, out_bytes_per_s, out_latency_s)`` (achieved
    bandwidths). Each rank sends ``tokens_per_rank · k`` hidden states of ``d`` values: the dispatch
    in ``dispatch_dtype`` (fp8 when the weights are fp8, as DeepSeek-V3 §3.3 and DeepEP do), the
    combine in 16 bit: ``n_moe_layers · (a2a(dispatch bytes) + a2a(combine bytes))``. With ``gather`` the
    dispatch is an all-gather of every rank's tokens and the combine a reduce-scatter of every token's
    output (:func:`gathers_tokens`): each token goes to all ``n`` ranks instead of its ``k`` experts, the
    same ring time as an all-to-all of ``tokens_per_rank · n`` hidden states.
    """
    if not arch.is_moe:
        return 0.0 * np.asarray(tokens_per_rank, dtype=float)
    fan_out = ranks if gather else arch.n_experts_active
    per = np.asarray(tokens_per_rank, dtype=float) * fan_out * arch.d_model
    domain, up_bw, up_lat, out_bw, out_lat = link
    t = sum(all_to_all_two_tier_s(per * b, ranks, domain, up_bw, up_lat, out_bw, out_lat)
            for b in (BYTES_PER_ELEMENT[dispatch_dtype], ACTIVATION_BYTES))
    return arch.n_moe_layers * t


def gathers_tokens(engine_gathers, ranks, top_k, domain) -> bool:
    """Whether expert-parallel dispatch under attention DP is an all-gather + reduce-scatter, not an all-to-all.

    TensorRT-LLM's CUTLASS MoE (tensorrt_llm/_torch/modules/fused_moe/fused_moe_cutlass.py,
    ``select_alltoall_method_type``) takes an all-to-all only with more expert-parallel ranks than ``top_k``
    and a multi-node NVLink domain (MNNVL: GB200 NVL72); otherwise, as on 8-GPU H100/H200 boards, it
    all-gathers every rank's tokens before the experts and reduce-scatters their outputs. ``engine_gathers``:
    the engine profile's ``moe_dispatch_allgather``; ``domain``: accelerators on one NVLink domain.
    """
    return bool(engine_gathers) and (ranks <= top_k or domain < MNNVL_MIN_DOMAIN)


def expert_parallel_s(arch, tokens, ranks, link_bytes_per_s, latency_s):
    """All-to-all time of one step of ``tokens`` tokens under expert parallelism in one domain. [s]

    ``2 · n_moe_layers · all_to_all(tokens · k · d · 2 / n bytes per rank)``.
    """
    if not arch.is_moe:
        return 0.0 * np.asarray(tokens, dtype=float)
    n = np.asarray(ranks, dtype=float)
    per_rank = np.asarray(tokens, dtype=float) * arch.n_experts_active * arch.d_model * ACTIVATION_BYTES / n
    return 2.0 * arch.n_moe_layers * all_to_all_s(per_rank, n, link_bytes_per_s, latency_s)


def routed_share_of_reads(arch, tokens) -> np.ndarray:
    """Distinct routed experts touched / all routed experts, per MoE layer (1 for a dense model). [1]"""
    t = np.asarray(tokens, dtype=float)
    if not arch.is_moe:
        return np.ones_like(t)
    return expected_experts_touched(arch.n_experts, arch.n_experts_active, t) / arch.n_experts
