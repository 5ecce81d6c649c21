"""Timing shared by the benchmark scripts: wall-clock medians over repeats (noisy machines: quote medians)."""

from __future__ import annotations

import statistics
import time


def run_times(fn, repeat: int = 7, number: int = 1) -> list[float]:
    """Seconds per call of ``fn``, averaged over ``number`` calls, for each of ``repeat`` repeats."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t0) / number)
    return out


def median_time(fn, repeat: int = 7, number: int = 1) -> float:
    """Median of :func:`run_times`. [s]"""
    return statistics.median(run_times(fn, repeat, number))
