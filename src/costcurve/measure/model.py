"""A GPT-2-style decoder-only transformer in PyTorch (after nanoGPT's ``model.py``, Karpathy 2022).

Learned positions, pre-LayerNorm blocks with biases, GELU MLP of width ``4·d``, causal
``scaled_dot_product_attention``, LM head tied to the token embedding: the shape that
:func:`costcurve.measure.config.architecture` describes to costcurve's parameter and FLOP counts.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelShape


class CausalSelfAttention(nn.Module):
    def __init__(self, s: ModelShape):
        super().__init__()
        self.n_heads = s.n_heads
        self.c_attn = nn.Linear(s.d_model, 3 * s.d_model)
        self.c_proj = nn.Linear(s.d_model, s.d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, s: ModelShape):
        super().__init__()
        self.c_fc = nn.Linear(s.d_model, 4 * s.d_model)
        self.c_proj = nn.Linear(4 * s.d_model, s.d_model)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, s: ModelShape):
        super().__init__()
        self.ln_1 = nn.LayerNorm(s.d_model)
        self.attn = CausalSelfAttention(s)
        self.ln_2 = nn.LayerNorm(s.d_model)
        self.mlp = MLP(s)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Decoder-only transformer; ``forward(idx, targets)`` returns ``(logits, loss)`` (loss in nats/token)."""

    def __init__(self, s: ModelShape):
        super().__init__()
        self.shape = s
        self.wte = nn.Embedding(s.vocab_size, s.d_model)
        self.wpe = nn.Embedding(s.seq_len, s.d_model)
        self.h = nn.ModuleList(Block(s) for _ in range(s.n_layers))
        self.ln_f = nn.LayerNorm(s.d_model)
        self.lm_head = nn.Linear(s.d_model, s.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied embeddings
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2 scaled init of residual projections
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * s.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def num_params(model: nn.Module) -> int:
    """Parameters of ``model``, counting tied weights once. [count]"""
    return sum(p.numel() for p in model.parameters())
