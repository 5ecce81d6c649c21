"""Accelerator memory of fine-tuning a transformer: full, LoRA and QLoRA. [bytes]

* **Weights.** 16-bit: 2 bytes/param. QLoRA stores the linear layers in 4-bit NormalFloat with
  double quantization: 4 + 8/64 + 32/(64·256) = 4.127 bits/param (Dettmers et al. 2023, *QLoRA*, §3
  "Double Quantization": blocks of 64 weights with an 8-bit constant, constants quantized in blocks
  of 256 with one fp32 constant); embeddings, norms and the LM head stay in 16 bit.
* **Adapters** (Hu et al. 2021, *LoRA*, §4.1): a rank-``r`` update ``B·A`` on a ``d_in × d_out``
  matrix adds ``r·(d_in + d_out)`` trainable parameters, stored in 16 bit.
* **Gradients**: 2 bytes per *trainable* parameter; **optimizer**: Adam with mixed precision keeps an
  fp32 master copy and two fp32 moments, 12 bytes per trainable parameter (Rajbhandari et al. 2020,
  *ZeRO*, §3.1: 16 bytes/param with the 16-bit weights and gradients). A paged optimizer (Dettmers et al.
  2023, §3 "Paged Optimizers") moves its state to CPU memory under pressure: counted as 0 on the accelerator.
* **Sharding**: weights, gradients and optimizer state are split over the ``n`` accelerators (ZeRO-3 /
  FSDP); each then gathers one layer's 16-bit weights at a time ("other").
* **Activations** per micro-batch of ``b`` sequences of ``s`` tokens: the training planner's per-layer
  count (:func:`costcurve.training.planner.activation_bytes_per_layer`: Korthikanti et al. 2022, *Reducing
  Activation Recomputation in Large Transformer Models*, §4.1 and Table 2, generalised to GQA, gated
  MLPs, MoE and MLA), one accelerator (no tensor parallelism), no dropout (modern LLMs fine-tune
  without it), flash attention (only the fp32 log-sum-exp of the scores is kept; Dao et al. 2022).
  With activation checkpointing each layer keeps only its 16-bit input (the planner's ``full``
  recomputation) plus one layer's full activations while it is recomputed (Korthikanti et al. §4).
  Logits: fp32 logits and their gradient, ``8·s·b·V``.

Not counted: the CUDA context and allocator fragmentation, and any CPU offload of weights.
"""

from __future__ import annotations

import numpy as np

from ..architecture import Architecture, count_params, param_breakdown
from ..errors import InputError
from costcurve.training.planner.rank_memory import WEIGHT_BYTES, activation_bytes_per_layer, model_state_bytes

METHODS = ("full", "lora", "qlora")
MODULES = ("q", "k", "v", "o", "gate", "up", "down")
#: LoRA defaults: W_q and W_v (Hu et al. 2021, §7.1, Table 5, the best split at a fixed budget);
#: QLoRA: every linear layer of the block (Dettmers et al. 2023, §4 "Default LoRA hyperparameters")
DEFAULT_TARGETS = {"lora": ("q", "v"), "qlora": MODULES}
DEFAULT_RANK = {"lora": 8, "qlora": 64}  #: Hu et al. 2021 Table 4 (r=8 for GPT-3, with r=4 the W_q,W_v split); Dettmers et al. §4 (r=64)
NF4_BITS_PER_PARAM = 4.0 + 8.0 / 64.0 + 32.0 / (64.0 * 256.0)  #: 4.127 (Dettmers et al. 2023, §3)
LOGIT_BYTES = 8.0  #: fp32 logits + fp32 gradient per vocabulary entry


def parse_targets(targets) -> tuple[str, ...]:
    """``"q,v"`` or ``"all"`` or a sequence → module names (checked)."""
    if isinstance(targets, str):
        targets = MODULES if targets.strip().lower() == "all" else [t.strip().lower() for t in targets.split(",") if t.strip()]
    out = tuple(dict.fromkeys(targets))
    bad = [t for t in out if t not in MODULES]
    if bad or not out:
        raise InputError(f"got {','.join(bad) or 'nothing'}; allowed: a comma list of {', '.join(MODULES)} or all",
                         field="target_modules")
    return out


def module_shapes(arch: Architecture) -> dict:
    """(d_in, d_out) of each adaptable linear layer of one block. MoE experts are not adapted."""
    d, h, k, e, f = arch.d_model, arch.n_heads, arch.kv_heads, arch.head_size, arch.ffn_dim or arch.moe_ffn_dim
    shapes = {"q": (d, h * e), "k": (d, k * e), "v": (d, k * e), "o": (h * e, d), "up": (d, f), "down": (f, d)}
    if arch.ffn_type == "gated":
        shapes["gate"] = (d, f)
    return shapes


def adapter_params(arch: Architecture, rank, targets) -> float:
    """Trainable LoRA parameters: ``Σ r·(d_in + d_out)`` over the targets, all layers. [count]"""
    shapes = module_shapes(arch)
    per_layer = sum(shapes[t][0] + shapes[t][1] for t in targets if t in shapes)
    return arch.n_layers * rank * per_layer


def linear_params(arch: Architecture) -> float:
    """Parameters of the transformer blocks' matrices (what QLoRA quantizes). [count]"""
    b = param_breakdown(arch)
    return sum(v for key, v in b.items() if key.startswith(("attention", "mlp", "moe")))


def activation_bytes(arch: Architecture, seq_len, micro_batch, checkpointing: bool):
    """Activations kept for the backward pass, per accelerator (module docstring). [bytes]"""
    sb = np.asarray(seq_len, dtype=float) * micro_batch
    per_layer = activation_bytes_per_layer(arch, seq_len=seq_len, microbatch=micro_batch, recompute="none")
    logits = LOGIT_BYTES * sb * arch.vocab_size
    if checkpointing:
        kept = activation_bytes_per_layer(arch, seq_len=seq_len, microbatch=micro_batch, recompute="full")
        return arch.n_layers * kept + per_layer + logits
    return arch.n_layers * per_layer + logits


def memory_breakdown(arch: Architecture, method: str, *, gpus=1, rank=None, targets=None, seq_len=2048, micro_batch=1,
                     checkpointing=True, paged=None) -> dict:
    """Ordered bytes per accelerator: weights, adapters, gradients, optimizer, activations, other, total."""
    if method not in METHODS:
        raise InputError(f"got {method!r}; allowed: {', '.join(METHODS)}", field="method")
    n = np.asarray(gpus, dtype=float)
    total_params = count_params(arch)
    paged = (method == "qlora") if paged is None else paged
    if method == "full":
        trainable, adapters = total_params, 0.0
        weights = total_params * WEIGHT_BYTES
    else:
        targets = parse_targets(targets if targets is not None else DEFAULT_TARGETS[method])
        rank = DEFAULT_RANK[method] if rank is None else rank
        trainable = adapter_params(arch, rank, targets)
        adapters = trainable * WEIGHT_BYTES
        lin = linear_params(arch)
        weights = (lin * NF4_BITS_PER_PARAM / 8.0 + (total_params - lin) * WEIGHT_BYTES if method == "qlora"
                   else total_params * WEIGHT_BYTES)
    layer_weights = linear_params(arch) / arch.n_layers * WEIGHT_BYTES  # one block gathered in 16 bit
    # trainable states sharded over the n accelerators (ZeRO-3 / FSDP), 16-bit gradients
    _, gradients, optimizer = model_state_bytes(trainable, zero=3, shard=n, grad_bytes=WEIGHT_BYTES)
    out = {
        "weights": weights / n,
        "adapters": adapters / n,
        "gradients": gradients,
        "optimizer": 0.0 * n if paged else optimizer,
        "activations": activation_bytes(arch, seq_len, micro_batch, checkpointing) + 0.0 * n,
        "other": np.where(n > 1, layer_weights, 0.0),
    }
    out = {key: (float(v) if np.ndim(v) == 0 else v) for key, v in out.items()}
    out["total"] = sum(out.values())
    return out
