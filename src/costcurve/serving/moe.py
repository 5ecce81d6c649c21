"""Mixture-of-experts serving: the experts a decode batch touches, and expert-parallel all-to-all.

* **Weights read per step** (top-k routing over ``E`` experts, uniform and independent): a batch of
  ``B`` tokens touches ``E·(1 − (1 − k/E)^B)`` distinct routed experts per MoE layer on average;
  every shared expert, the attention, norms, router and LM head are read in full
  (:func:`costcurve.memory.weight_bytes_read_per_step` does the sum). Compute counts the ``k``
  active experts per token only.
* **Expert parallel** over ``n`` accelerators: each holds ``E/n`` whole experts; every MoE layer
  sends each token's hidden state to its ``k`` experts and back: two all-to-alls of
  ``B·k·d·2 / n`` bytes per rank (dispatch and combine; Lepikhin et al. 2021, GShard §2.2;
  DeepSeek-AI 2024, DeepSeek-V3 §3.4), replacing that layer's tensor-parallel all-reduce.
"""

from __future__ import annotations

import numpy as np

from ..memory import ACTIVATION_BYTES, expected_experts_touched
from .collectives import all_to_all_s

__all__ = ["expected_experts_touched", "expert_parallel_s", "routed_share_of_reads"]


def expert_parallel_s(arch, tokens, ranks, link_bytes_per_s, latency_s):
    """All-to-all time of one decode or prefill step of ``tokens`` tokens under expert parallelism. [s]

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
