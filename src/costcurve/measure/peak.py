"""Microbenchmarks of this device: the matmul (GEMM) peak and the memory copy bandwidth.

The measured peak is what a large square matrix multiply reaches in the training dtype,
``2·n³`` FLOP per ``n×n`` product, timed after a warm-up with the device synchronised; MFU
against it separates the model's inefficiency from the gap between datasheet and silicon
(datasheet peaks are rarely reached even by GEMM; e.g. Chowdhery et al. 2022, Appendix B).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import torch

from .device import sync, torch_dtype

#: GEMM sizes tried per device type; the best rate counts.
GEMM_SIZES = {"cpu": (512, 1024, 2048), "cuda": (2048, 4096, 8192)}


@dataclass(frozen=True)
class PeakResult:
    """Best rate of a square matmul: ``2·n³ / time``. [FLOP/s]"""

    flop_per_s: float
    n: int  #: matrix size of the best rate [count]
    dtype: str
    rates: dict  #: rate by matrix size [FLOP/s]


def _time_op(fn, device, min_time_s: float) -> float:
    """Seconds per call of ``fn``: best of repeated batches after one warm-up call. [s]"""
    fn()
    sync(device)
    best = float("inf")
    t_end = time.perf_counter() + min_time_s
    while True:
        n = 0
        t0 = time.perf_counter()
        while n < 3:
            fn()
            n += 1
        sync(device)
        best = min(best, (time.perf_counter() - t0) / n)
        if time.perf_counter() > t_end:
            return best


def matmul_peak(device, dtype: str = "fp32", *, sizes=None, min_time_s: float = 0.3) -> PeakResult:
    """Measured peak of ``n×n @ n×n`` matmuls in ``dtype`` on ``device``. [FLOP/s]

    FLOP of one product: ``2·n³``. The best of ``sizes`` (default :data:`GEMM_SIZES`) is kept.
    """
    device = torch.device(device)
    sizes = sizes or GEMM_SIZES.get(device.type, GEMM_SIZES["cpu"])
    tdt = torch_dtype(dtype)
    rates = {}
    for n in sizes:
        a = torch.randn(n, n, device=device, dtype=tdt)
        b = torch.randn(n, n, device=device, dtype=tdt)
        rates[n] = 2.0 * n**3 / _time_op(functools.partial(torch.mm, a, b), device, min_time_s)
    n_best = max(rates, key=rates.get)
    return PeakResult(rates[n_best], n_best, dtype, rates)


def memory_bandwidth(device, *, nbytes: float = 256e6, min_time_s: float = 0.3) -> float:
    """Measured copy bandwidth: ``2 · nbytes / time`` (read + write). [bytes/s]"""
    device = torch.device(device)
    n = int(nbytes) // 4
    src = torch.empty(n, device=device, dtype=torch.float32).uniform_()
    dst = torch.empty_like(src)
    return 2.0 * n * 4 / _time_op(lambda: dst.copy_(src), device, min_time_s)


def gemm_probe(device, dtype: str = "fp32", n: int = 1024, *, min_time_s: float = 0.1) -> float:
    """A short ``n×n`` matmul rate, taken next to a timed run to track the machine's current speed. [FLOP/s]"""
    device = torch.device(device)
    tdt = torch_dtype(dtype)
    a = torch.randn(n, n, device=device, dtype=tdt)
    b = torch.randn(n, n, device=device, dtype=tdt)
    return 2.0 * n**3 / _time_op(functools.partial(torch.mm, a, b), device, min_time_s)
