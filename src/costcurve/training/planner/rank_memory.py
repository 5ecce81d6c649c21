"""Accelerator memory of training a transformer under a parallel layout. [bytes]

Every function broadcasts over numpy arrays of layout degrees (the search evaluates thousands
of layouts at once); the architecture is one :class:`~costcurve.architecture.Architecture`.

**Model states** (Rajbhandari et al. 2020, ZeRO §3 and Figure 1; Korthikanti et al. 2022, Figure 1):
mixed-precision Adam keeps 16-bit weights (2 bytes), gradients (``grad_bytes``: 4 for fp32
accumulation as in Megatron-LM's ``main_grad`` and the 18 bytes/parameter of Korthikanti's Figure 1;
2 for ZeRO's 16 bytes/parameter), and an fp32 master copy + Adam moments (12 bytes). ZeRO stage 1
(= Megatron's distributed optimizer) shards the 12 bytes over the data-parallel group (dp·cp);
stage 2 also the gradients; stage 3 (= FSDP full shard) also the weights. Dense weights split over
tp and pp; routed experts over ep·tp and pp, and shard over the expert-data-parallel group
dp·cp/ep. The embedding sits on the first stage, the LM head on the last.

**Activations per layer** (Korthikanti et al. 2022, §4 and Table 2, generalised; s tokens per
sequence split over cp, b sequences per microbatch, h model width, t = tp, 16-bit):

* norms ``4sbh``, attention input ``2sbh``, MLP input ``2sbh`` — divided by t with sequence
  parallelism; dropout masks ``sbh`` twice when ``dropout`` (off by default: today's LLMs train
  without dropout; Korthikanti's Figure 1 has it on);
* Q, K, V ``2sb(q + k + v)/t`` from the head dimensions (GQA/MQA: kv heads per rank are
  ``max(kv/t, 1)``; MLA: decompressed heads plus the replicated latents);
* attention scores ``(2 + 3·dropout)·b·a·s²/t`` without flash attention; flash attention
  (default) stores only the fp32 log-sum-exp, ``4·b·a·s/t`` (Dao 2023);
* attention output ``2sb·a·e_v/t``; MLP ``4sbf/t`` (GELU: activation input and output) or
  ``8sbf/t`` (gated: gate, activation, up, product as PyTorch autograd saves them);
* MoE: router input ``2sbh``, the dispatched tokens ``2·sbk·h`` and expert intermediates
  ``8·sbk·f_e/t`` (k experts per token, balanced routing), shared experts as a gated MLP;
* recomputation: ``selective`` drops the scores (Korthikanti §4.3); with flash attention, where
  there are no scores to drop, it recomputes the cheap element-wise outputs instead (the norm
  outputs feeding attention and MLP, ``4sbh``, and the activation function's outputs: GELU
  ``2sbf/t``, gated ``4sbf/t``), as Megatron-Core's ``--recompute-modules layernorm mlp``
  does; ``full`` keeps only the layer input ``2sbh`` (/t with sequence parallelism) plus one
  layer's full set while it is recomputed.

**Pipeline** (Korthikanti §4.2.3): the first stage holds ``min(p, m)`` microbatches in flight
(1F1B) of its ``L/p`` layers, times ``1 + (p−1)/(p·v)`` with the interleaved schedule; the last
stage holds one, plus the logits ``2sbV/t`` and their fp32 copy for the cross entropy ``4sbV/t``.

**Other** (stated allowances, not measurements): 1 GiB for the CUDA context, cuBLAS and NCCL
workspaces; two 40M-element fp32 gradient buckets (Megatron-LM's default bucket size); under
ZeRO-3 two layers of gathered 16-bit weights (prefetch); and 5% of the rest for allocator
fragmentation.
"""

from __future__ import annotations

import numpy as np

from costcurve.architecture import Architecture, param_breakdown
from costcurve.errors import InputError

RECOMPUTE = ("none", "selective", "full")
ACT_BYTES = 2.0  #: activations in 16 bit [bytes]
WEIGHT_BYTES = 2.0  #: 16-bit weights [bytes/parameter]
OPTIMIZER_BYTES = 12.0  #: fp32 master weights + Adam first and second moments [bytes/parameter]
DEFAULT_GRAD_BYTES = 4.0  #: fp32 gradient accumulation (Megatron-LM main_grad) [bytes/parameter]
CONTEXT_BYTES = float(2**30)  #: CUDA context + cuBLAS/NCCL workspaces (allowance) [bytes]
BUCKET_BYTES = 2 * 40e6 * 4.0  #: two fp32 gradient buckets of 40M elements (Megatron-LM default) [bytes]
FRAGMENTATION = 0.05  #: allocator fragmentation, fraction of the rest (allowance) [1]
MEMORY_KEYS = ("weights", "gradients", "optimizer", "activations", "other", "total")


def recompute_code(recompute) -> np.ndarray:
    """``none``/``selective``/``full`` (or their codes 0/1/2, or arrays of either) → integer codes."""
    if isinstance(recompute, str):
        if recompute not in RECOMPUTE:
            raise InputError(f"got {recompute!r}; allowed: {', '.join(RECOMPUTE)}", field="recompute")
        return np.asarray(RECOMPUTE.index(recompute))
    arr = np.asarray(recompute)
    if arr.dtype.kind in "US":
        bad = [r for r in np.unique(arr) if r not in RECOMPUTE]
        if bad:
            raise InputError(f"got {bad[0]!r}; allowed: {', '.join(RECOMPUTE)}", field="recompute")
        return np.vectorize(RECOMPUTE.index)(arr)
    return arr.astype(int)


def layer_params(arch: Architecture) -> dict:
    """Parameters of one average layer and of the ends of the model. [count]

    ``dense`` splits over tp; ``expert`` (routed experts) over ep·tp; ``embedding`` on the first
    stage, ``head`` (LM head, or the tied copy a pipelined last stage keeps) on the last.
    """
    p = param_breakdown(arch)
    L = arch.n_layers
    dense = (p.get("attention", 0.0) + p.get("mlp", 0.0) + p.get("moe/router", 0.0)
             + p.get("moe/shared_experts", 0.0) + p.get("norms", 0.0)) / L
    expert = p.get("moe/routed_experts", 0.0) / L
    return {"dense": dense, "expert": expert,
            "embedding": p["embedding"] + p.get("position_embedding", 0.0),
            "head": p.get("lm_head", float(arch.vocab_size * arch.d_model))}


def _attention_dims(a: Architecture, tp):
    """Per-rank widths (elements per token) of Q, K, V, the attention output, and replicated latents."""
    if a.is_mla:
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = a.n_heads * qk / tp
        k = a.n_heads * qk / tp
        v = a.n_heads * a.v_head_dim / tp
        o = v
        latent = a.kv_lora_rank + a.qk_rope_head_dim + a.q_lora_rank
        return q, k, v, o, latent
    e = a.head_size
    kv_local = np.maximum(a.kv_heads / tp, 1.0)
    return a.n_heads * e / tp, kv_local * e, kv_local * e, a.n_heads * e / tp, 0.0


def activation_bytes_per_layer(arch: Architecture, *, seq_len, microbatch=1, tp=1, cp=1,
                               sequence_parallel=False, recompute="none", flash_attention=True,
                               dropout=False, moe=None):
    """Activation memory one transformer layer keeps for the backward pass of one microbatch. [bytes]

    ``moe``: True for an MoE layer, False for a dense one, None for the model's average layer.
    Korthikanti et al. 2022 Table 2 is the special case MHA + GELU MLP (f = 4h) + dropout, no flash
    attention: ``sbh(10 + 24/t + 5as/(ht))``, ``sbh/t·(34 + 5as/h)`` with sequence parallelism,
    ``34·sbh/t`` with selective recomputation as well.
    """
    return _activation_bytes(arch, seq_len=seq_len, microbatch=microbatch, tp=tp, cp=cp,
                             sequence_parallel=sequence_parallel, recompute=recompute, flash_attention=flash_attention,
                             dropout=dropout, moe=moe)[0]


def _activation_bytes(arch: Architecture, *, seq_len, microbatch, tp, cp, sequence_parallel, recompute,
                      flash_attention, dropout, moe):
    """(bytes kept at ``recompute``, bytes kept with no recomputation) of :func:`activation_bytes_per_layer`:
    full recomputation's backward holds one layer's un-recomputed activations at a time. [bytes]"""
    a = arch
    s = np.asarray(seq_len, dtype=float) / np.asarray(cp, dtype=float)
    s_full = np.asarray(seq_len, dtype=float)
    b = np.asarray(microbatch, dtype=float)
    t = np.asarray(tp, dtype=float)
    h = float(a.d_model)
    spd = np.where(np.asarray(sequence_parallel, dtype=bool), t, 1.0)  # divisor of the unsplit tensors
    rc = recompute_code(recompute)
    drop = 1.0 if dropout else 0.0
    sb = s * b
    B = ACT_BYTES
    q, k, v, o, latent = _attention_dims(a, t)
    norms = 2 * B * sb * h / spd
    attn = B * sb * h / spd + B * sb * (q + k + v) + B * sb * o + B * sb * latent + drop * sb * h / spd
    heads = a.n_heads / t
    if flash_attention:
        scores = 4.0 * b * heads * s  # fp32 log-sum-exp per query and head; recomputation keeps it
        scores_kept_selective = scores
    else:
        scores = (2.0 + 3.0 * drop) * b * heads * s * s_full
        scores_kept_selective = 0.0
    if a.is_moe:
        kk = float(a.n_experts_active)
        moe_mlp = (B * sb * h / spd + 4.0 * sb * a.n_experts  # router input, fp32 router logits
                   + B * sb * kk * h / spd + 4.0 * B * sb * kk * a.moe_ffn_dim / t  # dispatched tokens, gated experts
                   + (4.0 * B * sb * a.n_shared_experts * a.moe_ffn_dim / t if a.n_shared_experts else 0.0)
                   + drop * sb * h / spd)
        frac = a.n_moe_layers / a.n_layers if moe is None else (1.0 if moe else 0.0)
    else:
        moe_mlp, frac, kk = 0.0, 0.0, 0.0
    if a.ffn_type == "gated":
        dense_mlp = B * sb * h / spd + 4.0 * B * sb * a.ffn_dim / t + drop * sb * h / spd
    else:
        dense_mlp = B * sb * h / spd + 2.0 * B * sb * a.ffn_dim / t + drop * sb * h / spd
    mlp = (1.0 - frac) * dense_mlp + frac * moe_mlp
    kept = norms + attn + mlp
    none = kept + scores
    if flash_attention:  # recompute norm outputs and the activation function instead
        act_out = (2.0 if a.ffn_type == "gated" else 1.0) * B * sb * a.ffn_dim / t  # silu(gate) and product; GELU out
        moe_act = (4.0 * B * sb * kk * a.moe_ffn_dim / t * 0.5
                   + (2.0 * B * sb * a.n_shared_experts * a.moe_ffn_dim / t if a.n_shared_experts else 0.0)
                   ) if a.is_moe else 0.0
        selective = none - 2.0 * B * sb * h / spd - (1.0 - frac) * act_out - frac * moe_act
    else:
        selective = kept + scores_kept_selective
    full = B * sb * h / spd
    return np.where(rc == 0, none, np.where(rc == 1, selective, full)), none


def model_state_bytes(params, *, zero=0, shard=1, grad_bytes=DEFAULT_GRAD_BYTES, expert_params=0.0, expert_shard=1):
    """(weights, gradients, optimizer) bytes per accelerator of mixed-precision Adam under ZeRO. [bytes]

    ``params``: dense parameters held by this accelerator before ZeRO sharding [count];
    ``shard``: the data-parallel group ZeRO shards over (dp·cp); experts shard over
    ``expert_shard`` (dp·cp/ep). Stage 1 shards the 12 optimizer bytes, 2 also the gradients,
    3 also the 16-bit weights (Rajbhandari et al. 2020, §5 and Figure 1).
    """
    zero = np.asarray(zero)
    shard = np.asarray(shard, dtype=float)
    eshard = np.asarray(expert_shard, dtype=float)

    def part(stage, per):
        return per * (np.where(zero >= stage, params / shard, params)
                      + np.where(zero >= stage, expert_params / eshard, expert_params))

    return part(3, WEIGHT_BYTES), part(2, grad_bytes), part(1, OPTIMIZER_BYTES)


def pipeline_inflight(pp, vpp, num_microbatches):
    """Microbatches' worth of layer activations the first stage holds (Korthikanti §4.2.3). [count]

    ``min(p, m)`` with 1F1B; × ``1 + (p−1)/(p·v)`` with the interleaved schedule (v > 1, m ≥ p).
    """
    p = np.asarray(pp, dtype=float)
    v = np.asarray(vpp, dtype=float)
    m = np.asarray(num_microbatches, dtype=float)
    inflight = np.minimum(p, m)
    return inflight * np.where((v > 1) & (m >= p), 1.0 + (p - 1.0) / (p * v), 1.0)


def memory_breakdown(arch: Architecture, *, seq_len, microbatch=1, tp=1, pp=1, vpp=1, cp=1, ep=1, dp=1,
                     zero=0, recompute="none", sequence_parallel=False, num_microbatches=None,
                     flash_attention=True, dropout=False, grad_bytes=DEFAULT_GRAD_BYTES, stage="max",
                     dp_shard=None) -> dict:
    """Memory per accelerator of a training layout, ordered, summing to ``total``. [bytes]

    Keys: weights, gradients, optimizer, activations, other, total. ``stage``: ``first`` (embedding,
    most microbatches in flight), ``last`` (LM head, logits), ``middle`` (transformer layers only,
    first-stage microbatches: what Korthikanti's Figure 1 counts) or ``max`` (the larger of first and
    last). ``num_microbatches`` per pipeline per step defaults to ``pp``. ``dp_shard``: the ZeRO
    shard group (ranks of dp·cp; None = all of them; fewer = hybrid sharding, HSDP).
    """
    if stage not in ("first", "last", "middle", "max"):
        raise InputError(f"got {stage!r}; allowed: first, last, middle, max", field="stage")
    tp, pp, vpp, cp, ep, dp = (np.asarray(x, dtype=float) for x in (tp, pp, vpp, cp, ep, dp))
    zero = np.asarray(zero)
    m = pp if num_microbatches is None else np.asarray(num_microbatches, dtype=float)
    lp = layer_params(arch)
    layers = np.ceil(arch.n_layers / pp)
    dense_local = layers * lp["dense"] / tp
    expert_local = layers * lp["expert"] / (ep * tp)
    shard = dp * cp if dp_shard is None else np.asarray(dp_shard, dtype=float)
    eshard = np.maximum(dp * cp / ep, 1.0)
    per_layer, unrecomputed = _activation_bytes(arch, seq_len=seq_len, microbatch=microbatch, tp=tp, cp=cp,
                                                sequence_parallel=sequence_parallel, recompute=recompute,
                                                flash_attention=flash_attention, dropout=dropout, moe=None)
    rc = recompute_code(recompute)
    transient = np.where(rc == 2, unrecomputed, 0.0)
    inflight = pipeline_inflight(pp, vpp, m)
    sb = np.asarray(seq_len, dtype=float) / cp * np.asarray(microbatch, dtype=float)
    spd = np.where(np.asarray(sequence_parallel, dtype=bool), tp, 1.0)
    emb_act = ACT_BYTES * sb * arch.d_model / spd * (1.0 + 0.5 * dropout)
    head_act = 2.0 * ACT_BYTES * sb * arch.d_model / spd + 3.0 * ACT_BYTES * sb * arch.vocab_size / tp

    def one(stage_name):
        extra_p = 0.0
        extra_act = 0.0
        if stage_name in ("first",):
            extra_p = lp["embedding"] / tp + np.where(pp == 1, lp["head"] / tp, 0.0)
            extra_act = emb_act * inflight + np.where(pp == 1, head_act, 0.0)
        elif stage_name == "last":
            extra_p = lp["head"] / tp + np.where(pp == 1, lp["embedding"] / tp, 0.0)
            extra_act = head_act + np.where(pp == 1, emb_act, 0.0)
        held = inflight if stage_name in ("first", "middle") else np.where(pp == 1, inflight, 1.0)
        weights, grads, opt = model_state_bytes(dense_local + extra_p, zero=zero, shard=shard, grad_bytes=grad_bytes,
                                                expert_params=expert_local, expert_shard=eshard)
        acts = layers * per_layer * held + transient + extra_act
        gathered = np.where(zero >= 3, 2.0 * WEIGHT_BYTES * (lp["dense"] / tp + lp["expert"] / (ep * tp)), 0.0)
        base = weights + grads + opt + acts
        other = CONTEXT_BYTES + BUCKET_BYTES + gathered
        other = other + FRAGMENTATION * (base + other)
        return weights, grads, opt, acts, other

    if stage == "max":
        f, l = one("first"), one("last")
        pick_first = sum(f) >= sum(l)
        parts = [np.where(pick_first, x, y) for x, y in zip(f, l)]
    else:
        parts = list(one(stage))
    out = dict(zip(MEMORY_KEYS[:-1], parts))
    out["total"] = sum(parts)
    return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in out.items()}
