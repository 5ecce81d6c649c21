"""Evaluate a vectorized function once per run of equal consecutive rows, then spread it back.

The layout search's arrays come in runs: :func:`~costcurve.training.planner.layout.enumerate_layouts`
repeats each set of parallel degrees for every ZeRO stage and recomputation mode, so a term that
depends on the degrees only (the matrix multiplies of a microbatch, the links of the groups) is the
same along a run. Computing it on the first row of each run and indexing back gives the same
numbers, element for element, at a fraction of the work. Finding runs is one comparison per column
(no sort); rows that are equal but not adjacent are simply computed twice.
"""

from __future__ import annotations

import numpy as np

#: below this many rows the bookkeeping costs more than it saves
MIN_ROWS = 256


def runs(*cols) -> tuple[np.ndarray, np.ndarray] | None:
    """(first row of each run, length of each run) of the columns' rows (scalars are constant columns).

    None when the columns are not 1-D of one length, are short, or hardly repeat.
    """
    arrs = [a for a in map(np.asarray, cols) if a.ndim]  # a scalar column is one run
    n = arrs[0].shape[0] if arrs and arrs[0].ndim == 1 else -1
    if n < MIN_ROWS or any(a.ndim != 1 or a.shape[0] != n for a in arrs):
        return None
    start = np.zeros(n, dtype=bool)
    start[0] = True
    for a in arrs:
        start[1:] |= a[1:] != a[:-1]
    first = np.flatnonzero(start)
    if len(first) * 2 > n:  # hardly any repeats: not worth it
        return None
    return first, np.diff(np.append(first, n))


def on_runs(fn, keys: tuple, *args):
    """``fn(*args)`` computed once per run of equal rows of ``keys`` (1-D arrays); results spread back.

    ``args`` are the arrays ``fn`` takes, aligned with ``keys`` (scalars pass through); ``fn``
    returns one array or a tuple of them (scalars or arrays of the rows it was given).
    """
    got = runs(*keys)
    if got is None:
        return fn(*args)
    first, lengths = got
    n = int(lengths.sum())
    sub = [a[first] if np.ndim(a) == 1 and np.shape(a)[0] == n else a for a in args]
    out = fn(*sub)
    spread = lambda x: np.repeat(np.broadcast_to(x, (len(first),)), lengths) if np.ndim(x) <= 1 else x  # noqa: E731
    return tuple(spread(x) for x in out) if isinstance(out, tuple) else spread(out)
