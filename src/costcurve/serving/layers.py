"""FLOP, bytes moved, arithmetic intensity and roofline time of each part of a transformer, for one
prefill and one decode step (the per-layer table LLM-Viewer draws; Yuan et al. 2024, "LLM Inference
Unveiled: Survey and Roofline Model Insights", arXiv:2402.16363).

Plain functions of an :class:`~costcurve.architecture.Architecture`. FLOP per token by part come from
:func:`costcurve.flop.forward_flop_per_token_breakdown`; bytes are the weights each part reads
(:func:`costcurve.serving.replica_memory.weight_bytes_breakdown`, only the experts a batch routes to) plus the KV
cache the attention scores read (:func:`costcurve.serving.replica_memory.kv_cache_bytes`); activations are left out
(a few MB against GB of weights). The time of a part is its roofline bound (Williams et al. 2009):

    t = max(FLOP / (n · peak · e_flop), bytes / (n · bandwidth · e_bw))

with ``n`` accelerators splitting the work (tensor parallel). The parts' FLOP sum to the model's
forward FLOP; their times sum to at least the step the serving model prices (which overlaps the
weight read of one part with the compute of another), and the test checks both.
"""

from __future__ import annotations

import math

from costcurve.serving import replica_memory as mem
from costcurve.architecture import Architecture
from costcurve.flop import forward_flop_per_token_breakdown

#: parts of one transformer block (the rest, embedding and LM head, run once per token)
BLOCK_PARTS = ("attention/qkv", "attention/scores", "attention/output", "mlp", "moe/router", "moe/routed_experts",
               "moe/shared_experts")


def _weight_share(arch: Architecture, dtype: str, flop: dict, tokens: float, group_size=None) -> dict:
    """Weight bytes read per part: a weight table entry split over the FLOP parts that use it. [bytes]"""
    w = mem.weight_bytes_breakdown(arch, dtype, group_size=group_size)
    out = {}
    for k in flop:
        if k == "attention/scores":
            out[k] = 0.0
        elif k in w:
            out[k] = w[k]
        else:
            base = k.split("/")[0]
            users = [j for j in flop if j.split("/")[0] == base and j != "attention/scores" and j not in w]
            share = flop[k] / (sum(flop[j] for j in users) or 1.0)
            out[k] = w.get(base, 0.0) * share
    if "moe/routed_experts" in out and arch.n_experts:
        touched = float(mem.expected_experts_touched(arch.n_experts, arch.n_experts_active, tokens))
        out["moe/routed_experts"] *= touched / arch.n_experts
    out["embedding"] = 0.0  # a gather of a few rows
    return out


def layer_table(arch: Architecture, *, phase: str, tokens, context, dtype: str = "bf16", kv_dtype: str = "bf16",
                peak_flop_per_s: float, bandwidth_bytes_per_s: float, flop_efficiency: float = 1.0,
                bandwidth_efficiency: float = 1.0, gpus: int = 1, group_size=None) -> list[dict]:
    """Rows (part, flop, bytes, intensity_flop_per_byte, time_s, bound) of one forward step.

    ``phase`` "prefill": one prompt of ``tokens`` tokens [tokens]; "decode": ``tokens`` sequences
    [count] each adding one token to a ``context`` of keys [tokens]. ``peak_flop_per_s`` [FLOP/s] and
    ``bandwidth_bytes_per_s`` [bytes/s] are per accelerator; ``gpus`` share the step.
    """
    if phase not in ("prefill", "decode"):
        from costcurve.errors import InputError

        raise InputError(f"got {phase!r}; allowed: prefill, decode", field="phase")
    T, C = float(tokens), float(context)
    # prefill: causal attention over the prompt (context = its length); decode: one query sees all C keys
    per_token = forward_flop_per_token_breakdown(arch, max(C, 1.0), causal=phase == "prefill")
    flop = {k: float(v) * T for k, v in per_token.items()}
    if phase == "prefill":  # the LM head runs on the last prompt token only
        flop["lm_head"] = float(per_token["lm_head"])
    weights = _weight_share(arch, dtype, flop, T, group_size)
    kv = float(mem.kv_cache_bytes(arch, C, kv_dtype, 1))
    rate_f = gpus * peak_flop_per_s * flop_efficiency
    rate_b = gpus * bandwidth_bytes_per_s * bandwidth_efficiency
    rows = []
    for part, f in flop.items():
        b = weights.get(part, 0.0) + (kv * (T if phase == "decode" else 1.0) if part == "attention/scores" else 0.0)
        if f == 0 and b == 0:
            continue
        t_f, t_b = f / rate_f, b / rate_b
        rows.append({"part": part, "flop": f, "bytes": b, "intensity_flop_per_byte": f / b if b else math.inf,
                     "time_s": max(t_f, t_b), "bound": "compute" if t_f >= t_b else "memory",
                     "per_block": part in BLOCK_PARTS})
    return rows


def operating_point(rows: list[dict]) -> dict:
    """The whole step as one roofline point: FLOP, bytes, intensity [FLOP/byte], time [s], FLOP/s."""
    f = math.fsum(r["flop"] for r in rows)
    b = math.fsum(r["bytes"] for r in rows)
    t = math.fsum(r["time_s"] for r in rows)
    return {"flop": f, "bytes": b, "intensity_flop_per_byte": f / b if b else math.inf, "time_s": t,
            "achieved_flop_per_s": f / t if t else math.nan}


def serving_layers(*, model, gpu="h100", dtype=None, kv_dtype=None, gpus=1, batch=1, input_tokens=161,
                   output_tokens=338, flop_efficiency=1.0, bandwidth_efficiency=1.0, catalog=None) -> dict:
    """Per-part tables and roofline points of one prefill (one prompt) and one decode step (``batch``
    sequences at the mean context ``input_tokens + output_tokens / 2``) of a served model.

    Returns ``{"prefill": rows, "decode": rows, "points": {...}, "peak_flop_per_s", "bandwidth_bytes_per_s",
    "ridge_flop_per_byte"}`` (per accelerator; ridge = peak ÷ bandwidth, where a step turns compute-bound).
    """
    from costcurve.catalog import load_catalog
    from costcurve.errors import InputError
    from costcurve.inputs import check_choice, resolve_model

    cat = catalog or load_catalog()
    acc = cat.accelerator(gpu)
    name, arch, _ = resolve_model(model, cat)
    if arch is None:
        raise InputError(f"{name!r} has no architecture preset; give a preset", field="model")
    store16 = "bf16" if acc.half_dtype == "bf16" else "fp16"
    dtype = check_choice(dtype or store16, mem.WEIGHT_DTYPES, "dtype")
    kv_dtype = check_choice(kv_dtype or ("fp8" if dtype == "fp8" else store16), mem.KV_DTYPES, "kv_dtype")
    for field_, v, low in (("gpus", gpus, 1), ("batch", batch, 1), ("input_tokens", input_tokens, 1),
                           ("output_tokens", output_tokens, 0), ("flop_efficiency", flop_efficiency, 1e-9),
                           ("bandwidth_efficiency", bandwidth_efficiency, 1e-9)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= low) or (field_.endswith("efficiency") and v > 1):
            hi = "1" if field_.endswith("efficiency") else "any finite number"
            raise InputError(f"got {v!r}; allowed: {low} to {hi}", field=field_)
    peak = acc.peak_flop_per_s("fp8" if dtype == "fp8" else acc.half_dtype)
    bw = acc.memory_bandwidth_bytes_per_s
    common = dict(dtype=dtype, kv_dtype=kv_dtype, peak_flop_per_s=peak, bandwidth_bytes_per_s=bw,
                  flop_efficiency=flop_efficiency, bandwidth_efficiency=bandwidth_efficiency, gpus=int(gpus))
    pre = layer_table(arch, phase="prefill", tokens=input_tokens, context=input_tokens, **common)
    dec = layer_table(arch, phase="decode", tokens=batch, context=input_tokens + output_tokens / 2, **common)
    return {"model": name, "gpu": acc.name, "dtype": dtype, "kv_dtype": kv_dtype, "gpus": int(gpus), "batch": batch,
            "peak_flop_per_s": peak, "bandwidth_bytes_per_s": bw, "ridge_flop_per_byte": peak / bw,
            "prefill": pre, "decode": dec,
            "points": {"prefill": operating_point(pre), "decode": operating_point(dec)}}
