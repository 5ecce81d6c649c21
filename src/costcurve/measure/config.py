"""Shapes of the models ``costcurve measure`` trains, and their costcurve FLOP accounting (no torch).

A :class:`ModelShape` is a GPT-2-style model (learned positions, LayerNorm, biases, GELU MLP of
``4·d``, tied embeddings) plus the batch it is trained on. :func:`architecture` turns it into a
:class:`costcurve.Architecture`, so that the parameter and FLOP counts of the measured run come
from the same formulas as every estimate (:mod:`costcurve.architecture`, :mod:`costcurve.flop`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import flop
from ..architecture import Architecture, count_params
from ..errors import InputError


@dataclass(frozen=True)
class ModelShape:
    """Model and batch shape of a measured training run. Counts (no unit); lengths in tokens."""

    n_layers: int
    d_model: int
    n_heads: int
    seq_len: int  #: tokens per sequence (also the model's context length) [tokens]
    batch_size: int  #: sequences per step [count]
    vocab_size: int = 256

    def __post_init__(self):
        for name in ("n_layers", "d_model", "n_heads", "seq_len", "batch_size", "vocab_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise InputError(f"got {v!r}; allowed: integer > 0", field=name)
        if self.d_model % self.n_heads:
            raise InputError(f"got {self.n_heads}; allowed: a divisor of the width {self.d_model}", field="n_heads")

    @property
    def tokens_per_step(self) -> int:
        """Tokens processed per optimizer step: ``batch_size · seq_len``. [tokens]"""
        return self.batch_size * self.seq_len

    def replace(self, **changes) -> ModelShape:
        return dataclasses.replace(self, **changes)

    def label(self) -> str:
        return f"L{self.n_layers} d{self.d_model} h{self.n_heads} T{self.seq_len} B{self.batch_size} V{self.vocab_size}"


#: Named configurations. ``cpu`` and ``cuda`` entries give the default batch size per device.
PRESETS = {
    "tiny": (ModelShape(n_layers=2, d_model=64, n_heads=4, seq_len=64, batch_size=8, vocab_size=256), {"cuda": 32}),
    "small": (ModelShape(n_layers=4, d_model=512, n_heads=8, seq_len=256, batch_size=8, vocab_size=256), {"cuda": 64}),
    "gpt2-124m": (ModelShape(n_layers=12, d_model=768, n_heads=12, seq_len=1024, batch_size=1, vocab_size=50257),
                  {"cuda": 16}),
}
DEFAULT_PRESET = {"cpu": "small", "cuda": "gpt2-124m"}


def resolve_shape(preset: str | None = None, device_type: str = "cpu", *, n_layers=None, d_model=None, n_heads=None,
                  seq_len=None, batch_size=None, vocab_size=None) -> ModelShape:
    """A preset (default: by device) with any of its fields overridden. Raises InputError on bad values."""
    name = preset or DEFAULT_PRESET.get(device_type, "small")
    if name not in PRESETS:
        raise InputError(f"got {name!r}; allowed: {', '.join(PRESETS)}", field="preset")
    base, per_device = PRESETS[name]
    changes = {"batch_size": per_device.get(device_type, base.batch_size)}
    for k, v in (("n_layers", n_layers), ("d_model", d_model), ("n_heads", n_heads), ("seq_len", seq_len),
                 ("batch_size", batch_size), ("vocab_size", vocab_size)):
        if v is not None:
            changes[k] = v
    return base.replace(**changes)


def architecture(s: ModelShape, name: str = "measured") -> Architecture:
    """The :class:`costcurve.Architecture` of the GPT-2-style model that ``measure`` trains."""
    return Architecture(
        name=name, n_layers=s.n_layers, d_model=s.d_model, n_heads=s.n_heads, ffn_dim=4 * s.d_model, ffn_type="gelu",
        vocab_size=s.vocab_size, context_length=s.seq_len, tied_embeddings=True, position="learned",
        norm="layernorm", bias="true",
    )


def params(s: ModelShape) -> float:
    """Parameter count of the model from costcurve's formula. [count]"""
    return count_params(architecture(s))


def training_flop_per_step(s: ModelShape, *, causal: bool = True) -> float:
    """Model FLOP of one training step: ``3 × forward FLOP per token × tokens per step``. [FLOP]

    ``causal=False`` counts full ``S×S`` attention scores, as PyTorch's FlopCounterMode does.
    """
    fwd = flop.forward_flop_per_token(architecture(s), s.seq_len, causal=causal)
    return 3.0 * fwd * s.tokens_per_step


def forward_flop_per_step_breakdown(s: ModelShape, *, causal: bool = True) -> dict:
    """Forward FLOP of one step by part (sums to the total). [FLOP]"""
    b = flop.forward_flop_per_token_breakdown(architecture(s), s.seq_len, causal=causal)
    return {k: v * s.tokens_per_step for k, v in b.items()}
