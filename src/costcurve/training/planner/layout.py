"""Parallel layouts: validation of one, and vectorized enumeration of every legal one.

A layout splits ``gpus = tp · cp · pp · dp`` accelerators (Megatron-LM order: tensor parallel
innermost, then context, data, pipeline); expert parallelism ``ep`` is carved out of ``cp · dp``
(Megatron-Core). Legal means (Narayanan et al. 2021 §2–3; Megatron-Core's checks):

* ``tp`` divides the attention heads, and the KV heads divide by ``tp`` or ``tp`` by them;
* ``cp`` splits the sequence into ``2·cp`` equal chunks (load-balanced causal attention);
* ``pp ≤ layers``; ``vpp > 1`` needs ``pp > 1``, at least one layer per model chunk
  (``layers ≥ pp · vpp``; uneven splits put ``ceil`` layers on the fullest stage, which sets the
  pace) and the microbatches per step a multiple of ``pp``;
* ``global_batch`` (sequences) divisible by ``dp · microbatch``;
* ``ep`` divides the routed experts and ``cp · dp``; dense models have ``ep = 1``;
* sequence parallelism needs ``tp > 1``;
* ``dp_shard`` (the ZeRO shard group, ranks of ``cp · dp``) divides ``cp · dp``; all of them is
  plain FSDP / ZeRO, fewer is hybrid sharding (HSDP: shard inside a node, replicate across). The
  search offers HSDP with one node's worth of ranks (``node // tp``) when ZeRO ≥ 1.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import asdict, dataclass

import numpy as np

from costcurve.architecture import Architecture
from costcurve.errors import InputError
from costcurve.training.planner.rank_memory import RECOMPUTE

ZERO_STAGES = (0, 1, 2, 3)
LAYOUT_KEYS = ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "global_batch", "zero", "recompute",
               "sequence_parallel", "dp_shard", "overlap")
MAX_MICROBATCH = 16


@dataclass(frozen=True)
class Layout:
    """One parallel layout; degrees are counts, ``global_batch`` in sequences."""

    tp: int
    pp: int
    vpp: int
    cp: int
    ep: int
    dp: int
    microbatch: int
    global_batch: int
    zero: int
    recompute: str
    sequence_parallel: bool
    dp_shard: int | None = None  #: ZeRO shard group [ranks of cp·dp]; None: all of them (plain FSDP/ZeRO)
    overlap: bool = True  #: data-parallel communication overlapped with compute (FSDP prefetch; Megatron flags)

    def __post_init__(self):
        if self.dp_shard is None:
            object.__setattr__(self, "dp_shard", int(self.cp) * int(self.dp))
        for name in ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "global_batch", "dp_shard"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise InputError(f"got {v!r}; allowed: an integer >= 1", field=name)
        if self.zero not in ZERO_STAGES:
            raise InputError(f"got {self.zero!r}; allowed: 0, 1, 2, 3", field="zero")
        if self.recompute not in RECOMPUTE:
            raise InputError(f"got {self.recompute!r}; allowed: {', '.join(RECOMPUTE)}", field="recompute")
        if not isinstance(self.overlap, (bool, np.bool_)):
            raise InputError(f"got {self.overlap!r}; allowed: True, False", field="overlap")

    @property
    def gpus(self) -> int:
        return self.tp * self.cp * self.pp * self.dp

    @property
    def num_microbatches(self) -> int:
        return self.global_batch // (self.dp * self.microbatch)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for k, v in d.items()}


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n``, ascending."""
    return list(_divisors(int(n)))


@functools.lru_cache(maxsize=4096)
def _divisors(n: int) -> tuple[int, ...]:
    small = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]
    return tuple(sorted(set(small + [n // d for d in small])))


def check_layout(arch: Architecture, layout: Layout, gpus: int, seq_len: int) -> None:
    """Raise :class:`InputError` (field = the offending option) unless ``layout`` is legal."""
    a, L = arch, layout
    if L.gpus != gpus:
        raise InputError(f"tp·cp·pp·dp = {L.tp}·{L.cp}·{L.pp}·{L.dp} = {L.gpus}; must equal gpus = {gpus}", field="dp")
    if a.n_heads % L.tp or (a.kv_heads % L.tp and L.tp % a.kv_heads):
        raise InputError(f"got {L.tp}; must divide the {a.n_heads} attention heads (and {a.kv_heads} KV heads, "
                         f"or be a multiple of them)", field="tp")
    if seq_len % (2 * L.cp) and L.cp > 1:
        raise InputError(f"got {L.cp}; 2·cp must divide seq_len = {seq_len}", field="cp")
    if L.pp > a.n_layers:
        raise InputError(f"got {L.pp}; allowed: at most the {a.n_layers} layers", field="pp")
    if L.vpp > 1 and (L.pp == 1 or a.n_layers < L.pp * L.vpp):
        raise InputError(f"got {L.vpp}; needs pp > 1 and pp·vpp <= the {a.n_layers} layers", field="vpp")
    if L.global_batch % (L.dp * L.microbatch):
        raise InputError(f"got {L.global_batch}; must be a multiple of dp·microbatch = {L.dp * L.microbatch}",
                         field="global_batch")
    if L.vpp > 1 and L.num_microbatches % L.pp:
        raise InputError(f"the interleaved schedule needs microbatches per step ({L.num_microbatches}) "
                         f"to be a multiple of pp = {L.pp}", field="vpp")
    experts = a.n_experts if a.is_moe else 1
    if experts % L.ep or (L.cp * L.dp) % L.ep:
        raise InputError(f"got {L.ep}; must divide the {experts} routed experts and cp·dp = {L.cp * L.dp}", field="ep")
    if L.sequence_parallel and L.tp == 1:
        raise InputError("needs tp > 1", field="sequence_parallel")
    if (L.cp * L.dp) % L.dp_shard:
        raise InputError(f"got {L.dp_shard}; must divide cp·dp = {L.cp * L.dp}", field="dp_shard")


def enumerate_layouts(arch: Architecture, gpus: int, global_batch: int, seq_len: int, fixed: dict | None = None,
                      max_microbatch: int = MAX_MICROBATCH, node: int | None = None) -> dict:
    """Every legal layout for ``gpus`` accelerators as numpy arrays (one entry per layout).

    ``fixed`` pins any of the layout keys. Sequence parallelism is on whenever tp > 1 unless
    pinned (same communication bytes as all-reduce, less memory: Korthikanti §4.2.2). Recompute is
    returned as codes 0/1/2 (none/selective/full). ``dp_shard`` is all of cp·dp, plus (with ZeRO
    ≥ 1 and ``node`` accelerators per node) the hybrid group ``node // tp`` where it is a proper
    divisor; ``overlap`` is on unless pinned.
    """
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    base = _layout_rows(arch, int(gpus), int(global_batch), int(seq_len), int(max_microbatch))
    if not len(base):
        return {k: np.zeros(0, dtype=int) for k in LAYOUT_KEYS}
    zeros = np.asarray([fixed["zero"]] if "zero" in fixed else ZERO_STAGES)
    rcs = np.asarray([RECOMPUTE.index(fixed["recompute"])] if "recompute" in fixed else range(3))
    # every base row x ZeRO stage x recomputation, then the HSDP copies (ZeRO >= 1, shard group below cp·dp)
    blocks = [_expand(base, zeros, rcs, base[:, 3] * base[:, 5])]
    hsdp = _hybrid_groups(base, node, fixed.get("dp_shard"))
    if hsdp is not None and (zeros >= 1).any():
        ok, g = hsdp
        blocks.append(_expand(base[ok], zeros[zeros >= 1], rcs, g[ok]))
    out = {k: np.concatenate([b[k] for b in blocks]) if len(blocks) > 1 else blocks[0][k] for k in blocks[0]}
    size = len(out["tp"])
    out["global_batch"] = np.full(size, global_batch)
    sp = fixed.get("sequence_parallel")
    out["sequence_parallel"] = (out["tp"] > 1) if sp is None else np.full(size, bool(sp)) & (out["tp"] > 1)
    out["dp_shard"] = out.pop("dp_shard")  # the keys in LAYOUT_KEYS' order
    out["overlap"] = np.full(size, bool(fixed.get("overlap", True)))
    pinned = [k for k in ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "dp_shard") if k in fixed]
    if not pinned:
        return out
    keep = np.ones(size, dtype=bool)
    for k in pinned:
        keep &= out[k] == int(fixed[k])
    return {k: v[keep] for k, v in out.items()}


@functools.lru_cache(maxsize=16)
def _layout_rows(a: Architecture, gpus: int, global_batch: int, seq_len: int, max_microbatch: int) -> np.ndarray:
    """Legal (tp, pp, vpp, cp, ep, dp, microbatch) rows, cached by value (read-only). [count]"""
    experts = a.n_experts if a.is_moe else 1
    divs = divisors(gpus)
    tps = [t for t in divs if a.n_heads % t == 0 and (a.kv_heads % t == 0 or t % a.kv_heads == 0) and t <= 64]
    cps = [c for c in divs if c <= 32 and (c == 1 or seq_len % (2 * c) == 0)]
    rows = []
    for t, c in itertools.product(tps, cps):
        if gpus % (t * c):
            continue
        for p in divisors(gpus // (t * c)):
            if p > a.n_layers:
                continue
            d = gpus // (t * c * p)
            if global_batch % d:
                continue
            per_dp = global_batch // d
            eps = [e for e in divisors(experts) if (c * d) % e == 0]
            for b in divisors(per_dp):
                if b > max_microbatch:
                    break
                m = per_dp // b
                vs = [1] + ([v for v in (2, 3, 4, 6, 8, 12, 16) if a.n_layers >= p * v and m % p == 0]
                            if p > 1 else [])
                rows.extend((t, p, v, c, e, d, b) for v, e in itertools.product(vs, eps))
    out = np.asarray(rows, dtype=np.int64).reshape(-1, 7)
    out.setflags(write=False)
    return out


def _expand(base: np.ndarray, zeros: np.ndarray, rcs: np.ndarray, shard: np.ndarray) -> dict:
    """The layouts of ``base`` rows (tp, pp, vpp, cp, ep, dp, microbatch) × ``zeros`` × ``rcs``, in that nesting
    order, each row's ZeRO shard group ``shard``."""
    n, nz, nr = len(base), len(zeros), len(rcs)
    out = {k: np.repeat(base[:, i], nz * nr) for i, k in enumerate(("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch"))}
    out["zero"] = np.tile(np.repeat(zeros, nr), n)
    out["recompute"] = np.tile(rcs, n * nz)
    out["dp_shard"] = np.repeat(shard, nz * nr)
    return out


def _hybrid_groups(base: np.ndarray, node, pinned):
    """(rows that take an HSDP copy, their shard group) of the base rows: the group ``node // tp`` (or the pinned
    size) where it is a proper divisor of cp·dp above 1; None when no row takes one."""
    full = base[:, 3] * base[:, 5]
    g = np.full_like(full, int(pinned)) if pinned is not None else (
        np.maximum(int(node) // base[:, 0], 1) if node else np.ones_like(full))
    ok = (g > 1) & (g < full) & (full % np.maximum(g, 1) == 0)
    return (ok, g) if ok.any() else None
