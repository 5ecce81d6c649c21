"""A PyTorch decoder built from a :class:`costcurve.Architecture` (dense models), for memory tracing.

Covers what the planner's memory formulas take from an architecture: layers, width, heads, KV heads
(MHA, GQA, MQA), head size, MLP width, plain GELU or gated (SwiGLU, Shazeer 2020) MLP, LayerNorm or
RMSNorm, biases, tied embeddings, learned or rotary positions. Attention is PyTorch's
``scaled_dot_product_attention`` (causal), so no ``S×S`` score tensor is stored (the flash kernels
keep the output and a log-sum-exp per row instead). Its parameter count equals
:func:`costcurve.architecture.param_breakdown` exactly (checked in the tests).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..architecture import Architecture
from ..errors import InputError

SUPPORTED_POSITIONS = ("learned", "rope", "none")


def check_supported(a: Architecture) -> None:
    """Refuse what this decoder does not build: MoE, MLA, sliding windows, ALiBi/relative positions."""
    for name, bad in (("n_experts", a.is_moe), ("kv_lora_rank", a.is_mla), ("sliding_window", a.sliding_window)):
        if bad:
            raise InputError(f"the traced decoder is dense with standard attention; {name} is not supported here",
                             field=name)
    if a.position not in SUPPORTED_POSITIONS:
        raise InputError(f"got {a.position!r}; allowed here: {', '.join(SUPPORTED_POSITIONS)}", field="position")


class _RMSNormFunction(torch.autograd.Function):
    """RMSNorm (Zhang & Sennrich 2019) that saves what fused kernels save: its input and 1/rms per token.

    ``y = x · r · w`` with ``r = (mean(x²) + eps)^-1/2`` computed in fp32. PyTorch's own ``nn.RMSNorm``
    is unfused on the CPU and keeps two fp32 copies of the activations (``8·sbh`` bytes for bf16
    input instead of ``2·sbh``), which no production kernel (Apex, Transformer Engine) does.
    """

    @staticmethod
    def forward(ctx, x, weight, eps):
        acc = torch.promote_types(x.dtype, torch.float32)  # fp32 at least
        xf = x.to(acc)
        r = torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
        ctx.save_for_backward(x, r, weight)
        return (xf * r * weight.to(acc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, r, weight = ctx.saved_tensors
        xf, gf = x.to(r.dtype), grad.to(r.dtype)
        gw = gf * weight.to(r.dtype)
        dx = r * gw - xf * r.pow(3) * (gw * xf).mean(-1, keepdim=True)
        dw = (gf * xf * r).reshape(-1, x.shape[-1]).sum(0)
        return dx.to(x.dtype), dw.to(weight.dtype), None


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float = 1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return _RMSNormFunction.apply(x, self.weight, self.eps)


def _norm(a: Architecture) -> nn.Module:
    return RMSNorm(a.d_model) if a.norm == "rmsnorm" else nn.LayerNorm(a.d_model)


def _rotate(x, pos):
    """Rotary position embedding (Su et al. 2021) of ``x`` ``[B, T, H, E]`` at positions ``pos`` ``[T]``.

    Applied before the heads are moved forward, so that the attention output comes back in
    ``[B, T, H, E]`` memory order and enters the output projection without a copy (as in Megatron).
    """
    e = x.shape[-1] // 2
    inv = 1.0 / (10000.0 ** (torch.arange(e, device=x.device, dtype=torch.float32) / e))
    ang = (pos.to(torch.float32)[:, None] * inv[None, :])[:, None, :]  # [T, 1, E/2]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., :e], x[..., e:2 * e]
    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos, x[..., 2 * e:]), dim=-1)


class Attention(nn.Module):
    def __init__(self, a: Architecture):
        super().__init__()
        d, h, k, e = a.d_model, a.n_heads, a.kv_heads, a.head_size
        qkv_bias, o_bias = a.bias in ("true", "qkv"), a.bias == "true"
        self.h, self.k, self.e, self.rope = h, k, e, a.position == "rope"
        self.q = nn.Linear(d, h * e, bias=qkv_bias)
        self.kv = nn.Linear(d, 2 * k * e, bias=qkv_bias)
        self.o = nn.Linear(h * e, d, bias=o_bias)

    def forward(self, x):
        B, T, _ = x.shape
        q = self.q(x).view(B, T, self.h, self.e)
        k, v = self.kv(x).view(B, T, 2, self.k, self.e).unbind(2)
        if self.rope:
            pos = torch.arange(T, device=x.device)
            q, k = _rotate(q, pos), _rotate(k, pos)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=self.k != self.h)
        return self.o(y.transpose(1, 2).reshape(B, T, self.h * self.e))


class MLP(nn.Module):
    def __init__(self, a: Architecture):
        super().__init__()
        bias, f = a.bias == "true", a.ffn_dim
        self.gated = a.ffn_type == "gated"
        self.up = nn.Linear(a.d_model, (2 if self.gated else 1) * f, bias=bias)
        self.down = nn.Linear(f, a.d_model, bias=bias)

    def forward(self, x):
        if self.gated:
            gate, up = self.up(x).chunk(2, dim=-1)
            return self.down(F.silu(gate) * up)
        return self.down(F.gelu(self.up(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, a: Architecture):
        super().__init__()
        self.norm1, self.attn, self.norm2, self.mlp = _norm(a), Attention(a), _norm(a), MLP(a)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Decoder(nn.Module):
    """Decoder-only transformer of architecture ``a``; ``forward(idx, targets)`` returns the loss [nats/token]."""

    def __init__(self, a: Architecture):
        super().__init__()
        check_supported(a)
        self.wte = nn.Embedding(a.vocab_size, a.d_model)
        self.wpe = nn.Embedding(a.context_length, a.d_model) if a.position == "learned" else None
        self.blocks = nn.ModuleList(Block(a) for _ in range(a.n_layers))
        self.norm = _norm(a)
        self.lm_head = nn.Linear(a.d_model, a.vocab_size, bias=False)
        if a.tied_embeddings:
            self.lm_head.weight = self.wte.weight

    def forward(self, idx, targets):
        x = self.wte(idx)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.norm(x))
        return F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.view(-1))
