"""Benchmark of costcurve.estimate_inference: latency of one estimate, throughput of a vectorized sweep.

Run: python benchmarks/bench_inference.py   (prints medians; no third-party benchmark harness needed)
"""

from __future__ import annotations

import numpy as np

from _timing import median_time

from costcurve import estimate_inference, load_catalog


def main() -> None:
    load_catalog()  # the first load parses the CSVs; time the model, not the file reading

    def one_throughput():  # default batch (largest that fits), catalog price
        estimate_inference(model="llama3-70b", gpu="h100", gpus=4, dtype="fp8", input_tokens=1000, output_tokens=500)

    def one_latency_target():  # batch solved by bisection against a 50 ms/token target
        estimate_inference(model="llama3-70b", gpu="h100", gpus=4, dtype="fp8", max_time_per_output_token_s=0.05)

    one_throughput(), one_latency_target()
    t1 = median_time(one_throughput, 300)
    t2 = median_time(one_latency_target, 100)
    print(f"one estimate (default batch):        median {t1 * 1e3:8.3f} ms")
    print(f"one estimate (latency-target batch): median {t2 * 1e3:8.3f} ms")

    isl = np.repeat(np.geomspace(16, 8000, 100).round(), 1000)
    batch = np.tile(np.arange(1, 1001, dtype=float), 100)
    n = isl.size

    def sweep():
        estimate_inference(model="llama3-70b", gpu="h100", gpus=4, dtype="fp8", input_tokens=isl, output_tokens=500,
                           batch=batch, price_usd_per_gpu_hour=2.0)

    sweep()
    t3 = median_time(sweep, 7)
    print(f"vectorized sweep of {n:,} estimates:  median {t3 * 1e3:8.1f} ms  ({n / t3:,.0f} estimates/s)")


if __name__ == "__main__":
    main()
