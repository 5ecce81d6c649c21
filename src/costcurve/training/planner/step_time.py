"""Time of one training step from the layout: compute, pipeline bubble and communication. [s]

Vectorized over numpy arrays of layout degrees. The step of one pipeline replica runs ``m``
microbatches (``m = global_batch / (dp · microbatch)``); the breakdown sums to the step time:

* **compute** — per microbatch and pipeline stage, every matrix multiply of the stage's layers on
  a roofline, ``max(2·M·N·K / (peak · e_mm), bytes / (HBM · e_hbm))`` with the local shapes after
  tp/cp/ep splitting (small matrices become memory bound: the efficiency falls with their size),
  forward + 2× backward + recomputation; attention scores at ``e_attn`` of peak; element-wise work
  (norms, activations, residuals, casts) as HBM traffic: every saved activation byte written,
  read, and its gradient written and read (4 passes); the Adam update (30 bytes per local
  parameter moved). ``m`` microbatches.
* **bubble** — ``(p−1)/v`` microbatch times: ``(p−1)/(v·m)`` of the ideal (Narayanan et al. 2021,
  §2.2.1 and §2.2.2).
* **tp_comm** — Megatron tensor parallelism: two all-reduces forward and two backward per layer
  (or the same bytes as all-gather + reduce-scatter with sequence parallelism; Korthikanti §4.2.2),
  two more forward under full recomputation; ring ``2(t−1)/t · bytes / bw``; not overlapped.
* **cp_comm** — ring attention passes K and V ``cp−1`` times forward and twice that backward;
  only the part longer than the attention compute it overlaps is exposed.
* **ep_comm** — two all-to-alls (dispatch, combine) forward and two backward per MoE layer, each
  sending ``(ep−1)/ep`` of ``tokens·k·h`` 16-bit values; hidden behind the compute of another
  microbatch (DeepSeek-V3's DualPipe, DeepSeek-AI 2024 §3.2.1; Megatron-Core's 1F1B all-to-all
  overlap), so only the part longer than the compute is exposed (:data:`EP_OVERLAP`).
* **pp_comm** — the stage boundary's activations (forward) and gradients (backward), ``2·v`` sends
  per microbatch, split over tp (scatter/gather, Narayanan §4.1).
* **dp_comm** — data-parallel traffic, per collective, with what hides it (:func:`dp_comm_s`):

  - ZeRO 0–2 (DDP buckets, Megatron's distributed optimizer): one gradient reduction per step over
    the shard group, ring ``2(g−1)/g`` of the local gradients; with ``overlap`` (Megatron-Core
    ``--overlap-grad-reduce`` / ``--overlap-param-gather``, PyTorch DDP's buckets: Li et al. 2020)
    it runs during the last microbatch's backward (2/3 of its compute) and only the excess plus
    the last bucket (40M elements) is exposed; without it all of it is.
  - ZeRO-3 / FSDP (Zhao et al. 2023, PyTorch FSDP §3.3; FSDP2's ``fully_shard`` keeps the same
    schedule): per microbatch and layer an all-gather of the 16-bit weights before the forward,
    again before the backward (reshard after forward), and a reduce-scatter of the gradients
    after it, each ring ``(g−1)/g`` of one layer's bytes. With ``overlap`` the next layer's gather
    is prefetched behind the current layer's forward; in the backward the previous layer's
    gather and the next layer's reduce-scatter run behind the current layer's backward and share
    its link (bandwidth contention: their times add). Exposed: the first gather, the last
    reduce-scatter, and every layer's communication longer than the compute it hides behind.
    Without ``overlap`` every collective is exposed.
  - Hybrid sharding (HSDP, FSDP §3.2.2; Megatron-Core's ``--num-distributed-optimizer-instances``):
    the shard group is ``dp_shard`` ranks (inside a node), the ``dp·cp/dp_shard`` replicas
    all-reduce their gradient shard once per step over the scale-out link, hidden like the ZeRO
    0–2 reduction.

Collectives come from :mod:`costcurve.collectives` (NCCL's latency model: steps × the latency of
one step): all-reduces take the faster of ring (``2(g−1)`` steps) and tree (``2·log2 g`` steps at
0.45 of the bandwidth), NCCL's choice rule; all-gathers, reduce-scatters and all-to-alls are rings
(``g−1`` steps). Each group's link (bandwidth, latency of one step) is :func:`group_links`.

Cited constants (:data:`MATMUL_EFFICIENCY`, :data:`ATTENTION_EFFICIENCY`, :data:`HBM_EFFICIENCY`)
are documented where defined; everything else follows from the shapes and the catalogs.
"""

from __future__ import annotations

import functools

import numpy as np

from costcurve.collectives import all_to_all_steps_s, nccl_allreduce_s, ring_allgather_steps_s
from costcurve.architecture import Architecture
from costcurve.flop import mean_attended_keys
from costcurve.interconnect import Interconnect
from costcurve.training.planner.rank_memory import ACT_BYTES, WEIGHT_BYTES, activation_bytes_per_layer, layer_params, recompute_code
from costcurve.training.planner.runs import on_runs

#: Maximum achievable matmul FLOP/s as a fraction of the dense bf16 peak, measured with large
#: aligned shapes (S. Bekman, ml-engineering, "Maximum Achievable Matmul FLOPS comparison table",
#: compute/accelerator/README.md): A100 SXM 267.9/312 = 0.859, H100 SXM 792.1/989 = 0.801,
#: GH200 0.830, B200 1745/2250 = 0.776, MI250X 0.767, MI300X 781.9/1300 = 0.601.
#: Generations not measured there take :data:`DEFAULT_MATMUL_EFFICIENCY`, the table's median.
MATMUL_EFFICIENCY = {"ampere": 0.859, "hopper": 0.801, "blackwell": 0.776, "cdna2": 0.767, "cdna3": 0.601}
DEFAULT_MATMUL_EFFICIENCY = 0.80
#: FlashAttention-2 forward+backward reaches 50–73% of the A100 peak (Dao 2023, §4.1, Figure 5);
#: FlashAttention-3 about 75% of the H100 bf16 peak forward (Shah et al. 2024, §4.1): 0.6 of peak.
ATTENTION_EFFICIENCY = 0.6
#: Attention without flash attention materialises the scores: the same FLOP at the matmul
#: efficiency plus the score tensor's HBM traffic (handled as element-wise bytes).
#: Achievable fraction of peak HBM bandwidth for streaming kernels: 0.8 (an allowance; STREAM-like
#: copies on A100/H100 reach 80–90%, NVIDIA's CUDA best-practices guide, "Effective Bandwidth").
HBM_EFFICIENCY = 0.8
#: Realised fraction of the roofline kernel time in a full training step (kernel launch gaps, host
#: overhead, unfused small kernels, stragglers, clocks below boost under sustained load): the one
#: fitted constant. It is the value that makes the median ratio of predicted to published achieved
#: TFLOP/s over the ten configurations of Narayanan et al. 2021, Table 1 (A100, Megatron-LM) equal
#: to 1; tests/training/test_plan_validation.py refits it and checks it on held-out runs (Llama 3 405B's
#: MFU, MLPerf Training fp8 runs, production GPU-hours).
KERNEL_EFFICIENCY = 0.66
#: Fraction of the compute time that can hide the expert-parallel all-to-all (1: DualPipe-style).
EP_OVERLAP = 1.0
ELEMENTWISE_PASSES = 4.0  #: write, read, gradient write, gradient read of each saved activation byte
ADAM_BYTES_PER_PARAM = 30.0  #: read master, m, v, grad (16); write master, m, v, 16-bit weight (14) [bytes]
#: groups whose collectives run as rings over every member's NIC (checked on FSDP throughput,
#: tests/training/test_plan_fsdp.py); tp and cp crossing the network keep one NIC's bandwidth (unvalidated)
RING_GROUPS = ("dp", "dp_rep")
LINK_GROUPS = ("tp", "cp", "ep", "dp", "dp_rep", "pp")  #: the parallel groups :func:`group_links` returns
STEP_KEYS = ("compute", "bubble", "tp_comm", "dp_comm", "pp_comm", "ep_comm", "cp_comm")


def matmul_efficiency(generation: str) -> float:
    """Large-matmul fraction of dense peak for an accelerator generation (see :data:`MATMUL_EFFICIENCY`)."""
    return MATMUL_EFFICIENCY.get(generation, DEFAULT_MATMUL_EFFICIENCY)


def gemm_time_s(m, n, k, *, peak_flop_per_s, hbm_bytes_per_s, e_mm, bytes_per_element=ACT_BYTES):
    """Roofline time of an (m×k)·(k×n) matrix multiply. [s]

    ``max(2mnk / (peak·e_mm), (mk + kn + mn)·bytes / (HBM·e_hbm))``.
    """
    flop = 2.0 * m * n * k
    traffic = (m * k + k * n + m * n) * bytes_per_element
    return np.maximum(flop / (peak_flop_per_s * e_mm), traffic / (hbm_bytes_per_s * HBM_EFFICIENCY))


def _layer_gemms(a: Architecture, T, t, ep):
    """[(m, n, k, weight of the layer kind)] for one average layer's forward matmuls on one rank."""
    d = a.d_model
    out = []
    if a.is_mla:
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        if a.q_lora_rank:
            out += [(T, a.q_lora_rank, d, 1.0), (T, a.n_heads * qk / t, a.q_lora_rank, 1.0)]
        else:
            out += [(T, a.n_heads * qk / t, d, 1.0)]
        out += [(T, a.kv_lora_rank + a.qk_rope_head_dim, d, 1.0),
                (T, a.n_heads * (a.qk_nope_head_dim + a.v_head_dim) / t, a.kv_lora_rank, 1.0),
                (T, d, a.n_heads * a.v_head_dim / t, 1.0)]
    else:
        e = a.head_size
        kv_local = np.maximum(a.kv_heads / t, 1.0)
        out += [(T, (a.n_heads / t + 2 * kv_local) * e, d, 1.0), (T, d, a.n_heads * e / t, 1.0)]
    mats = 3 if a.ffn_type == "gated" else 2
    dense_frac = 1.0 - (a.n_moe_layers / a.n_layers if a.is_moe else 0.0)
    if dense_frac > 0:
        out += [(T, (mats - 1) * a.ffn_dim / t, d, dense_frac), (T, d, a.ffn_dim / t, dense_frac)]
    if a.is_moe:
        f = a.n_moe_layers / a.n_layers
        local = a.n_experts / ep  # experts per rank
        tok = T * a.n_experts_active / a.n_experts * ep  # tokens per local expert (balanced routing)
        out += [(T, a.n_experts, d, f),
                (tok, 2 * a.moe_ffn_dim / t, d, f * local), (tok, d, a.moe_ffn_dim / t, f * local)]
        if a.n_shared_experts:
            fs = a.n_shared_experts * a.moe_ffn_dim
            out += [(T, 2 * fs / t, d, f), (T, d, fs / t, f)]
    return out


#: Megatron-LM's gradient bucket (40M elements): the last one cannot start before the backward ends.
BUCKET_ELEMENTS = 40e6


def _dp_collectives(local_params, layers, g, reps, bw, lat, bw_r, lat_r, *, grad_bytes):
    """(gradient all-reduce, last bucket's, one layer's all-gather, its reduce-scatter, the replicas'
    all-reduce of a ZeRO shard, of the whole gradient) of the data-parallel groups. [s]"""
    grads = grad_bytes * local_params
    per_layer = local_params / layers
    return (nccl_allreduce_s(grads, g, bw, lat),
            nccl_allreduce_s(grad_bytes * np.minimum(BUCKET_ELEMENTS, local_params), g, bw, lat),
            ring_allgather_steps_s(WEIGHT_BYTES * per_layer, g, bw, lat),
            ring_allgather_steps_s(grad_bytes * per_layer, g, bw, lat),
            nccl_allreduce_s(grads / g, reps, bw_r, lat_r), nccl_allreduce_s(grads / 1.0, reps, bw_r, lat_r))


def dp_comm_s(links, *, m, layers, micro_s, fwd_layer_s, zero, dp_cp, dp_shard, local_params, grad_bytes,
              overlap=True):
    """Exposed data-parallel communication of one step (see the module docstring, **dp_comm**). [s]

    ``links["dp"]`` is the shard group's link (``dp_shard`` ranks), ``links["dp_rep"]`` the
    replicas' link (``dp·cp / dp_shard`` ranks); ``fwd_layer_s`` one layer's forward compute of
    one microbatch and ``micro_s`` one microbatch's forward + backward on the stage [s];
    ``local_params`` the stage's parameters on this rank before sharding [count].
    """
    zero = np.asarray(zero)
    ov = np.asarray(overlap, dtype=bool)
    g = np.asarray(dp_shard, dtype=float)
    reps = np.asarray(dp_cp, dtype=float) / g
    hide_last = 2.0 / 3.0 * micro_s  # the last microbatch's backward
    cols = (local_params, layers, g, reps, *links["dp"], *links["dp_rep"])
    reduce, bucket, ag, rs, rep_sharded, rep_whole = on_runs(functools.partial(_dp_collectives, grad_bytes=grad_bytes),
                                                             cols, *cols)
    # ZeRO 0-2: one reduction per step, hidden behind the last backward but for the last bucket
    ddp = np.where(ov, np.maximum(reduce - hide_last, bucket), reduce)
    # ZeRO-3 / FSDP: per microbatch and layer, gather (fwd), gather (bwd), reduce-scatter (bwd)
    bwd_layer_s = micro_s / layers - fwd_layer_s
    exposed_fwd = ag + (layers - 1.0) * np.maximum(ag - fwd_layer_s, 0.0)
    exposed_bwd = rs + (layers - 1.0) * np.maximum(ag + rs - bwd_layer_s, 0.0)
    fsdp = m * np.where(ov, exposed_fwd + exposed_bwd, layers * (2.0 * ag + rs))
    out = np.where(zero >= 3, fsdp, ddp)
    # HSDP: the replicas all-reduce their gradient shard once per step
    rep = np.where(zero >= 1, rep_sharded, rep_whole)
    return out + np.where(reps > 1, np.where(ov, np.maximum(rep - hide_last, 0.0), rep), 0.0)


def _communication_s(a: Architecture, links, *, T, m, layers, micro_s, fwd_layer_s, attn_fwd, rc, tp, pp, vpp, cp,
                     ep, dp, zero, dp_shard, overlap, local_params, grad_bytes):
    """Exposed communication per step: tp, cp, ep, pp, dp (see the module docstring). [s]"""
    bw, lat = links["tp"]
    tp_ar = on_runs(lambda T, tp, bw, lat: nccl_allreduce_s(ACT_BYTES * T * a.d_model, tp, bw, lat), (T, tp, bw, lat),
                    T, tp, bw, lat)
    tp_comm = m * layers * (4.0 + 2.0 * (rc == 2)) * tp_ar
    bw, lat = links["cp"]
    e_qk = (a.qk_nope_head_dim + a.qk_rope_head_dim) if a.is_mla else a.head_size
    e_v = a.v_head_dim if a.is_mla else a.head_size
    kv_width = a.n_heads * (e_qk + e_v) / tp if a.is_mla else 2.0 * np.maximum(a.kv_heads / tp, 1.0) * a.head_size
    cp_raw = 3.0 * (cp - 1.0) * (ACT_BYTES * T * kv_width / bw + lat)
    cp_comm = m * layers * np.maximum(cp_raw - 3.0 * attn_fwd, 0.0) * (cp > 1)
    bw, lat = links["ep"]
    moe_layers = (a.n_moe_layers / pp) if a.is_moe else 0.0
    a2a_bytes = ACT_BYTES * T * (a.n_experts_active if a.is_moe else 0) * a.d_model / tp
    a2a = all_to_all_steps_s(a2a_bytes, ep, bw, lat)
    ep_comm = np.maximum(m * moe_layers * (4.0 + 2.0 * (rc == 2)) * a2a - EP_OVERLAP * m * micro_s, 0.0)
    bw, lat = links["pp"]
    with np.errstate(invalid="ignore"):
        pp_comm = np.where(pp > 1, (m + pp - 1.0) * 2.0 * vpp * (ACT_BYTES * T * a.d_model / tp / bw + lat), 0.0)
    dp_comm = dp_comm_s(links, m=m, layers=layers, micro_s=micro_s, fwd_layer_s=fwd_layer_s, zero=zero,
                        dp_cp=dp * cp, dp_shard=dp_shard, local_params=local_params, grad_bytes=grad_bytes,
                        overlap=overlap)
    return {"tp_comm": tp_comm, "dp_comm": dp_comm, "pp_comm": pp_comm, "ep_comm": ep_comm, "cp_comm": cp_comm}


def _microbatch_terms(a: Architecture, T, b, tp, cp, ep, sequence_parallel, *, s, peak_flop_per_s, hbm_bytes_per_s,
                      e_mm, fp8, flash_attention):
    """Forward times of one layer of one microbatch on one rank, and of the LM head. [s]

    (matmuls + fp8 casts + attention, attention alone, element-wise work of forward and backward,
    one element-wise pass, LM head forward). Depends on the degrees splitting a microbatch only.
    """
    bpe = 1.0 if fp8 else ACT_BYTES
    hbm = hbm_bytes_per_s * HBM_EFFICIENCY
    fwd_mm, cast = 0.0, 0.0
    for (mm, n, k, w) in _layer_gemms(a, T, tp, ep):
        fwd_mm = fwd_mm + w * gemm_time_s(mm, n, k, peak_flop_per_s=peak_flop_per_s, hbm_bytes_per_s=hbm_bytes_per_s,
                                          e_mm=e_mm, bytes_per_element=bpe)
        if fp8:
            cast = cast + w * 3.0 * (mm * k + k * n) / hbm
    e_qk = (a.qk_nope_head_dim + a.qk_rope_head_dim) if a.is_mla else a.head_size
    e_v = a.v_head_dim if a.is_mla else a.head_size
    attn_flop = 2.0 * (a.n_heads / tp) * (e_qk + e_v) * mean_attended_keys(s, a.sliding_window) * T
    attn_peak = peak_flop_per_s / 2.0 if fp8 else peak_flop_per_s
    attn_fwd = attn_flop / (attn_peak * (ATTENTION_EFFICIENCY if flash_attention else e_mm))
    acts = activation_bytes_per_layer(a, seq_len=s, microbatch=b, tp=tp, cp=cp, sequence_parallel=sequence_parallel,
                                      recompute="none", flash_attention=flash_attention)
    elementwise = ELEMENTWISE_PASSES * acts / hbm
    head = gemm_time_s(T, a.vocab_size / tp, a.d_model, peak_flop_per_s=peak_flop_per_s,
                       hbm_bytes_per_s=hbm_bytes_per_s, e_mm=e_mm, bytes_per_element=bpe)
    return fwd_mm + cast + attn_fwd, attn_fwd, elementwise, elementwise / ELEMENTWISE_PASSES, head


def step_time_breakdown(arch: Architecture, *, seq_len, global_batch, microbatch, tp, pp, vpp, cp, ep, dp,
                        zero, recompute, sequence_parallel, peak_flop_per_s, hbm_bytes_per_s, e_mm,
                        links, flash_attention=True, grad_bytes=4.0, fp8=False, dp_shard=None, overlap=True,
                        kernel_efficiency=None, lower_bound=False) -> dict:
    """Ordered step-time breakdown (see the module docstring); sums to ``step_time``. [s]

    ``dp_shard``: the ZeRO shard group [ranks of dp·cp]; None shards over all of dp·cp (FSDP),
    fewer is hybrid sharding (HSDP). ``overlap``: data-parallel communication overlapped with
    compute (FSDP prefetch, Megatron's overlap flags). ``links`` maps ``tp``, ``cp``, ``ep``,
    ``dp``, ``dp_rep``, ``pp`` to (bandwidth [bytes/s], latency [s])
    arrays broadcasting with the layout (see :func:`group_links`). ``peak_flop_per_s`` is the
    matmul peak of the training dtype; with ``fp8`` attention stays at the bf16 peak
    (``peak / 2``) and each matmul input is cast (3 bytes moved per element). ``lower_bound``:
    return only the microbatches' compute (without the Adam update) + bubble [s], a lower bound of
    ``step_time`` (the Adam update and every communication term are non-negative, and adding one
    never rounds below the partial sum); with ``links`` plus the tensor-, pipeline- and
    context-parallel communication. With ``recompute="none"`` it bounds every recomputation, ZeRO
    stage and overlap of these degrees (recomputation only adds compute and tensor-parallel
    all-reduces; the pipeline and context terms do not depend on either).
    """
    a = arch
    if kernel_efficiency is None:
        kernel_efficiency = KERNEL_EFFICIENCY
    tp, pp, vpp, cp, ep, dp = (np.asarray(x, dtype=float) for x in (tp, pp, vpp, cp, ep, dp))
    b = np.asarray(microbatch, dtype=float)
    s = float(seq_len)
    m = np.asarray(global_batch, dtype=float) / (dp * b)  # microbatches per step per pipeline
    T = b * s / cp  # tokens per microbatch on one rank
    rc = recompute_code(recompute)
    layers = np.ceil(a.n_layers / (pp * vpp)) * vpp  # layers on the fullest stage (uneven splits round up)
    hbm = hbm_bytes_per_s * HBM_EFFICIENCY
    # ---- compute of one microbatch on the fullest stage (once per run of equal degrees) --------
    terms = functools.partial(_microbatch_terms, a, s=s, peak_flop_per_s=peak_flop_per_s,
                              hbm_bytes_per_s=hbm_bytes_per_s, e_mm=e_mm, fp8=fp8, flash_attention=flash_attention)
    fwd, attn_fwd, elementwise, ew_once, head = on_runs(terms, (b, cp, tp, ep, sequence_parallel), T, b, tp, cp, ep,
                                                        sequence_parallel)
    # recomputation: full re-runs the forward; selective the attention core (or, with flash attention,
    # the element-wise outputs)
    selective = ew_once if flash_attention else attn_fwd
    recomp = np.where(rc == 2, fwd + ew_once, np.where(rc == 1, selective, 0.0))
    layer_s = 3.0 * fwd + elementwise + recomp
    micro_s = (layers * layer_s + 3.0 * head / pp) / kernel_efficiency  # head work shared out by rebalancing
    lp = layer_params(a)
    local_params = (a.n_layers * lp["dense"] / (tp * pp) + a.n_layers * lp["expert"] / (ep * tp * pp)
                    + (lp["embedding"] + lp["head"]) / (tp * pp))
    zshard = np.where(np.asarray(zero) >= 1, dp * cp if dp_shard is None else np.asarray(dp_shard, dtype=float), 1.0)
    adam = ADAM_BYTES_PER_PARAM * local_params / zshard / hbm / kernel_efficiency
    out = {"compute": m * micro_s + adam, "bubble": (pp - 1.0) / vpp * micro_s}
    fwd_layer_s = (fwd + ew_once) / kernel_efficiency
    shard = dp * cp if dp_shard is None else np.asarray(dp_shard, dtype=float)
    if lower_bound:  # the Adam update and every communication term are >= 0: the step takes at least this
        lb = np.asarray(m * micro_s, dtype=float) + np.asarray(out["bubble"], dtype=float)
        if links is None:
            return lb
        comm = _communication_s(a, links, T=T, m=m, layers=layers, micro_s=micro_s, fwd_layer_s=fwd_layer_s,
                                attn_fwd=attn_fwd, rc=rc, tp=tp, pp=pp, vpp=vpp, cp=cp, ep=ep, dp=dp, zero=zero,
                                dp_shard=shard, overlap=overlap, local_params=local_params, grad_bytes=grad_bytes)
        return lb + comm["tp_comm"] + comm["pp_comm"] + comm["cp_comm"]  # in the step's order, dp and ep left at 0
    out.update(_communication_s(a, links, T=T, m=m, layers=layers, micro_s=micro_s, fwd_layer_s=fwd_layer_s,
                                attn_fwd=attn_fwd, rc=rc, tp=tp, pp=pp, vpp=vpp, cp=cp, ep=ep, dp=dp, zero=zero,
                                dp_shard=shard, overlap=overlap, local_params=local_params, grad_bytes=grad_bytes))
    shape = np.broadcast(*out.values()).shape
    out = {k: np.broadcast_to(out[k], shape).astype(float) for k in STEP_KEYS}
    out["step_time"] = sum(out[k] for k in STEP_KEYS)
    return out


def group_links(ic: Interconnect, *, tp, cp, ep, dp, pp, dp_shard=None):
    """(bandwidth [bytes/s], latency [s]) arrays of each parallel group, Megatron rank order.

    Ranks are ordered tp (innermost), cp, dp, pp (outermost); the expert-parallel group is carved
    out of cp·dp (stride tp). A group of ``g`` members ``stride`` apart spans ``g·stride`` ranks
    and uses the scale-up link inside the domain, PCIe inside a server where the table gives it,
    else the scale-out network (NaN where that is not published: such layouts are dropped);
    the same rule as :func:`costcurve.interconnect.link_for_group`. A data-parallel ring (dp, dp_rep)
    that crosses the network with ``k`` members in each scale-up domain runs ``k`` channels, one
    per member's NIC (NCCL's rail-local rings on HGX/DGX servers with one NIC per GPU), so its
    bandwidth is ``min(scale-up, k × scale-out)`` and ``1/k`` of its steps pay the network
    latency; tp, cp, all-to-all (ep) and pipeline sends keep one NIC's bandwidth.
    """
    from costcurve.interconnect import PCIE_LATENCY_S

    tp, cp, ep, dp, pp = (np.asarray(x, dtype=float) for x in (tp, cp, ep, dp, pp))
    shard = dp * cp if dp_shard is None else np.asarray(dp_shard, dtype=float)
    nan = np.nan
    up = ic.scale_up_bytes_per_s if ic.scale_up_bytes_per_s is not None else nan
    pcie = ic.pcie_bytes_per_s if ic.pcie_bytes_per_s is not None else nan
    out_bw = ic.scale_out_bytes_per_s if ic.scale_out_bytes_per_s is not None else nan
    out_lat = ic.scale_out_latency_s if ic.scale_out_latency_s is not None else nan
    server = max(ic.accelerators_per_server, ic.scale_up_domain)
    spans = {"tp": (tp, 1.0), "cp": (cp, tp), "ep": (ep, tp), "dp": (shard, tp), "dp_rep": (dp * cp / shard, tp * shard),
             "pp": (pp, tp * cp * dp)}
    inner_bw = up if np.isfinite(up) else pcie
    inner_lat = ic.scale_up_latency_s if np.isfinite(up) else PCIE_LATENCY_S
    out = {}
    for name, (g, stride) in spans.items():
        span = g * stride
        use_up = (span <= ic.scale_up_domain) & np.isfinite(up)
        use_pcie = ~use_up & (span <= server) & np.isfinite(pcie)
        # a ring crossing the network with k members per domain runs k channels over k NICs
        k = np.clip(ic.scale_up_domain / stride, 1.0, g) if name in RING_GROUPS else 1.0
        net_bw = np.minimum(inner_bw, k * out_bw) if np.isfinite(inner_bw) else out_bw
        net_lat = out_lat / k + (1.0 - 1.0 / k) * inner_lat
        bw = np.where(use_up, up, np.where(use_pcie, pcie, net_bw))
        lat = np.where(use_up, ic.scale_up_latency_s, np.where(use_pcie, PCIE_LATENCY_S, net_lat))
        single = g <= 1
        out[name] = (np.where(single, np.inf, bw), np.where(single, 0.0, lat))
    return out
