"""Training data for ``costcurve measure``: synthetic tokens, or a text file read byte by byte.

Synthetic tokens come from a sparse random Markov chain (each token has ``k`` equally likely
successors), so a model can learn them: the loss falls from about ``ln V`` towards the chain's
entropy ``ln k`` [nats/token], which makes loss curves and time-to-target meaningful without data.
Text uses the simplest tokenizer there is: one token per byte of its UTF-8 encoding (vocabulary
256). The file is read by :func:`costcurve.files.read_text`: a regular file of at most
:data:`MAX_TEXT_BYTES`, UTF-8 text; anything else is refused with a one-line error naming ``--data``.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from ..errors import InputError
from ..files import DEFAULT_MAX_BYTES, printable, read_text

BYTE_VOCAB = 256
MAX_TEXT_BYTES = DEFAULT_MAX_BYTES  #: largest --data file [bytes]


class TokenData:
    """Train and validation token streams on a device; :meth:`batch` draws ``(x, y)`` pairs."""

    def __init__(self, train, val, *, kind: str, entropy_nats: float | None = None):
        self.train, self.val, self.kind, self.entropy_nats = train, val, kind, entropy_nats

    def batch(self, split: str, batch_size: int, seq_len: int, generator=None):
        """Random windows of ``seq_len + 1`` tokens → inputs and next-token targets ``[B, T]``."""
        data = self.train if split == "train" else self.val
        if data.dim() == 2:  # a pool of sequences
            ix = torch.randint(data.shape[0], (batch_size,), generator=generator).to(data.device)
            w = data[ix]
        else:
            ix = torch.randint(data.numel() - seq_len - 1, (batch_size,), generator=generator).to(data.device)
            w = data.unfold(0, seq_len + 1, 1)[ix].long()  # text is stored as bytes
        return w[:, :-1].contiguous(), w[:, 1:].contiguous()


def markov_chain(vocab_size: int, successors: int, seed: int):
    """Successor table ``[V, k]`` of a sparse random Markov chain."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(vocab_size, (vocab_size, successors), generator=g)


def sample_chain(table, n_seqs: int, length: int, seed: int):
    """``n_seqs`` sequences of ``length`` tokens from the chain ``table`` ``[n_seqs, length]``."""
    g = torch.Generator().manual_seed(seed)
    V, k = table.shape
    out = torch.empty(n_seqs, length, dtype=torch.long)
    out[:, 0] = torch.randint(V, (n_seqs,), generator=g)
    choice = torch.randint(k, (n_seqs, length), generator=g)
    for t in range(1, length):
        out[:, t] = table[out[:, t - 1], choice[:, t]]
    return out


def synthetic(vocab_size: int, seq_len: int, batch_size: int, device, *, successors: int = 4, seed: int = 0) -> TokenData:
    """A pool of Markov-chain sequences (``max(64, 8·B)`` for training, 32 held out)."""
    table = markov_chain(vocab_size, min(successors, vocab_size), seed)
    train = sample_chain(table, max(64, 8 * batch_size), seq_len + 1, seed + 1)
    val = sample_chain(table, 32, seq_len + 1, seed + 2)
    return TokenData(train.to(device), val.to(device), kind="synthetic",
                     entropy_nats=math.log(min(successors, vocab_size)))


def text_file(path, seq_len: int, device, *, val_fraction: float = 0.1) -> TokenData:
    """Bytes of a UTF-8 text file as tokens (vocabulary 256); the last ``val_fraction`` is held out."""
    p = Path(path)
    raw = read_text(p, field="data_path", max_bytes=MAX_TEXT_BYTES).encode("utf-8")
    n_val = int(len(raw) * val_fraction)
    need = 2 * (seq_len + 2)
    if n_val < seq_len + 2 or len(raw) - n_val < seq_len + 2:
        raise InputError(f"{printable(str(p))!r} has {len(raw)} bytes; needs at least {int(need / val_fraction)} for "
                         f"sequence length {seq_len} with a {val_fraction:.0%} validation split", field="data_path")
    t = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    return TokenData(t[:-n_val].to(device), t[-n_val:].to(device), kind=f"bytes of {printable(p.name)}")
