"""A standard decoder shape for a model known only by its parameter count (the shape rule).

``train --params 70B`` has no layer shapes for the planner; :func:`synthesize_architecture` gives
it the shape today's open models would have at that size, with every choice fitted on the
bundled architectures table (``data/architectures_<version>.csv``, the gated-MLP dense rows:
Llama 1–3.2, Mistral, Qwen2.5, Gemma 2, Phi-3):

* width: ``ln d_model = a + b · ln N`` (least squares over the rows; :func:`fit_shape_rule` returns
  ``a``, ``b`` and the residual scatter), rounded to whole groups of query heads (``head size ×
  KV heads``);
* head size, KV heads, MLP ratio ``ffn_dim / d_model``, vocabulary and pre-training sequence
  length: the medians of the grouped-query rows among them (``n_kv_heads < n_heads``: the
  generation whose attention the rule copies; 20 rows in the 2026-11 table);
* depth: solved so the parameter count matches ``N`` (embeddings untied; a size whose embeddings
  would be over a third of it, below about 2B, is refused and ``train`` keeps the regression), rounded to a multiple
  of 4 from 8 layers up (pipeline stages split evenly; 23 of the 27 rows are such multiples).

Mixture of experts (total ``N`` and active ``N_a`` parameters): width and depth from the dense
rule at ``N_a``; each expert an MLP of the dense ratio, ``k`` routed experts per token (the median
top-k of the table's MoE rows), and ``E = k · (N − N_shared) / (N_a − N_shared)`` experts so both
counts hold (``N_shared``: attention, embeddings, norms), rounded to a multiple of 8 above 8 (so
expert parallelism can span an 8-accelerator node; the total then moves by under 1/(2·E/8)).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from costcurve.architecture import Architecture, count_params
from costcurve.errors import InputError


class ShapeRule(NamedTuple):
    """Fitted shape rule (see the module docstring)."""

    width_intercept: float  #: a in ln d = a + b ln N
    width_slope: float  #: b
    width_residual_sd_log: float  #: scatter of ln d around the fit
    head_dim: int
    kv_heads: int
    mlp_ratio: float  #: ffn_dim / d_model
    vocab_size: int
    seq_len: int  #: pre-training sequence length [tokens]
    moe_top_k: int
    n_rows: int  #: dense gated rows the width is fitted on


def _dense_gated(archs) -> list:
    return [a for a in archs if a.ffn_type == "gated" and not a.is_moe and not a.is_mla]


@functools.lru_cache(maxsize=8)
def _fit(rows: tuple) -> ShapeRule:
    """``rows``: (params, d_model, head_dim, kv_heads, ffn/d, vocab, seq, moe top-k or 0, GQA) tuples."""
    dense = [r for r in rows if r[7] == 0]
    if len(dense) < 3:
        raise InputError("the architectures table has fewer than 3 dense gated-MLP rows to fit the shape rule on",
                         field="params")
    x = np.log([r[0] for r in dense])
    y = np.log([r[1] for r in dense])
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    moe_k = [r[7] for r in rows if r[7]]
    gqa = [r for r in dense if r[8]]
    gqa = gqa if len(gqa) >= 3 else dense
    med = lambda i: float(np.median([r[i] for r in gqa]))  # noqa: E731
    return ShapeRule(float(a), float(b), float(np.sqrt(np.mean(resid**2))), int(med(2)), int(med(3)), med(4),
                     int(med(5)), int(med(6)), int(np.median(moe_k)) if moe_k else 2, len(dense))


def fit_shape_rule(catalog) -> ShapeRule:
    """The shape rule fitted on ``catalog``'s architectures (cached on the rows' values)."""
    return catalog.derived("shape_rule", _fit_architectures, catalog.architectures)


def _fit_architectures(architectures: dict) -> ShapeRule:
    return _fit(_rows(tuple(architectures.values())))


@functools.lru_cache(maxsize=8)
def _rows(archs: tuple) -> tuple:
    """The fit's rows of the architectures (frozen dataclasses: cached on their values)."""
    rows = [(count_params(a), a.d_model, a.head_size, a.kv_heads, a.ffn_dim / a.d_model, a.vocab_size,
             a.pretrain_seq_len, 0, a.kv_heads < a.n_heads) for a in _dense_gated(archs)]
    rows += [(0.0, 0, 0, 0, 0.0, 0, 0, a.n_experts_active, False) for a in archs if a.is_moe]
    return tuple(rows)


def _layer_params(d: int, heads: int, kv: int, e: int, ffn: int, k_experts: int = 1) -> tuple[float, float]:
    """(attention + norms, MLP or active experts) parameters of one layer. [count]"""
    return 2.0 * d * heads * e + 2.0 * d * kv * e + 2.0 * d, k_experts * 3.0 * d * ffn


def synthesize_architecture(params, active_params=None, *, catalog) -> Architecture:
    """A standard architecture with ``params`` parameters (``active_params`` per token for MoE). [count]"""
    n = float(params)
    na = float(active_params) if active_params is not None else n
    if not (math.isfinite(n) and math.isfinite(na) and 1e6 <= na <= n <= 1e14):
        raise InputError(f"got {n:.3g} (active {na:.3g}); the shape rule needs 1M <= active <= total <= 1e14",
                         field="params")
    return _synthesize(n, na, fit_shape_rule(catalog))


@functools.lru_cache(maxsize=256)
def _synthesize(n: float, na: float, rule: ShapeRule) -> Architecture:
    """:func:`synthesize_architecture` of checked counts [count] under ``rule``: cached on those values."""
    e, kv = rule.head_dim, rule.kv_heads
    width = math.exp(rule.width_intercept + rule.width_slope * math.log(na))
    heads = max(kv, int(round(width / (e * kv))) * kv)  # whole groups of query heads per KV head
    d = heads * e
    ffn = int(round(rule.mlp_ratio * d / 256.0)) * 256 or 256
    moe = na < n * 0.999
    k = rule.moe_top_k if moe else 1
    attn, mlp = _layer_params(d, heads, kv, e, ffn, k)
    emb = 2.0 * rule.vocab_size * d
    if emb > na / 3.0:  # the embeddings would dwarf the layers: outside the shapes the rule was fitted on
        raise InputError(f"got {na:.3g}; the shape rule's embeddings alone ({emb:.3g} parameters at width {d}) "
                         "would be over a third of it; the rule covers about 2B parameters and up", field="params")
    layers = max(1, int(round((na - emb) / (attn + mlp))))
    if layers >= 8:  # whole groups of 4 layers, so pipeline stages split evenly (32, 80, 128, ...)
        layers = max(4, 4 * int(round(layers / 4.0)))
    common = dict(name=f"synthesized-{n:.3g}" + (f"-a{na:.3g}" if moe else ""), n_layers=layers, d_model=d,
                  n_heads=heads, n_kv_heads=kv, head_dim=e, vocab_size=rule.vocab_size,
                  context_length=rule.seq_len, train_seq_len=rule.seq_len, family="synthesized",
                  source="costcurve shape rule fitted on the bundled architectures table (costcurve.training.shape_rule)")
    if not moe:
        return Architecture(ffn_dim=ffn, **common)
    shared = layers * attn + emb
    experts = max(k + 1, int(round(k * (n - shared) / max(na - shared, 1.0))))
    if experts > 8:  # whole groups of 8, so expert parallelism spans a node (Mixtral 8, DeepSeek-V3 256)
        experts = 8 * int(round(experts / 8.0))
    return Architecture(ffn_dim=ffn, n_experts=experts, n_experts_active=k, moe_ffn_dim=ffn, **common)
