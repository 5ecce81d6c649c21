"""Timing shared by the benchmark scripts: wall-clock medians over repeats (noisy machines: quote medians)."""

from __future__ import annotations

import os
import statistics
import subprocess
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


def installed_env() -> dict:
    """The environment a command runs in as installed: Python's bytecode cache on. ``pip install`` compiles
    the package's modules to bytecode; with ``PYTHONDONTWRITEBYTECODE`` set (as on these development machines)
    every run would compile every module it imports again, which times the compiler, not costcurve."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command_time(argv: list, repeat: int = 7) -> float:
    """Median wall time of a command [s], after one run that writes the bytecode cache (:func:`installed_env`)."""
    env = installed_env()
    run = lambda: subprocess.run(argv, capture_output=True, check=True, env=env)  # noqa: E731
    run()
    return median_time(run, repeat)
