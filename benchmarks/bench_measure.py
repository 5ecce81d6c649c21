"""Benchmark: MFU of ``costcurve measure``'s default configuration against this device's measured GEMM peak.

    python benchmarks/bench_measure.py [--steps 10] [--json]

CPU line: the default CPU configuration (preset ``small``: 4 layers × 512 wide, 8 × 256 tokens,
fp32); aim: at least 50% of the measured fp32 GEMM peak. GPU line: filled only when a CUDA device
is present (preset ``gpt2-124m``, bf16 autocast, also against the catalog peak when the GPU is known).
Memory line: wall time of tracing one mixed-precision training step of GPT-2 124M (batch 1 × 1024)
under FakeTensorMode + MemTracker (``costcurve measure --memory --preset gpt2-124m``), median of 3.
"""

from __future__ import annotations

import argparse
import json
import sys

from _timing import run_times

AIM_CPU = 0.50  #: target MFU vs the measured GEMM peak on CPU [fraction]


def bench(device_type: str, steps: int, warmup: int) -> dict:
    from costcurve.measure import config, run

    shape = config.resolve_shape(None, device_type)
    r = run.measure(shape, device=device_type, dtype="auto", steps=steps, warmup=warmup)
    return {"device": r.device, "accelerator": r.accelerator, "dtype": r.dtype, "model": shape.label(),
            "step_time_s": r.step_time_s, "tokens_per_second": r.tokens_per_second,
            "achieved_flop_per_s": r.achieved_flop_per_s, "measured_peak_flop_per_s": r.measured_peak_flop_per_s,
            "mfu_vs_measured_peak": r.mfu_vs_measured_peak, "mfu_vs_catalog_peak": r.mfu_vs_catalog_peak,
            "flop_counter_ratio": r.flop_counter_ratio}


def bench_memory_trace(repeat: int = 3) -> dict:
    """Median wall time of a fake-tensor memory trace of GPT-2 124M. [s]"""
    from costcurve.measure import config
    from costcurve.measure import traced_memory as memory

    shape = config.resolve_shape("gpt2-124m", "cpu")
    arch = config.architecture(shape, name="gpt2-124m")
    times = run_times(lambda: memory.memory_check(arch, seq_len=shape.seq_len, batch_size=shape.batch_size), repeat)
    times.sort()
    return {"model": shape.label(), "median_s": times[len(times) // 2], "times_s": times}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import torch

    rows = {"cpu": bench("cpu", args.steps, args.warmup), "gpu": None}
    if torch.cuda.is_available():
        rows["gpu"] = bench("cuda", args.steps, args.warmup)
    rows["memory_trace"] = bench_memory_trace()
    rows["cpu"]["aim_mfu_vs_measured_peak"] = AIM_CPU
    rows["cpu"]["meets_aim"] = rows["cpu"]["mfu_vs_measured_peak"] >= AIM_CPU
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for kind, r in rows.items():
            if kind == "memory_trace":
                print(f"memory trace (FakeTensorMode + MemTracker), {r['model']}: median {r['median_s']:.2f} s")
                continue
            if r is None:
                print(f"{kind}: (no CUDA device present)")
                continue
            cat = "n/a" if r["mfu_vs_catalog_peak"] is None else f"{r['mfu_vs_catalog_peak']:.1%}"
            print(f"{kind}: {r['device']} {r['dtype']} {r['model']}: {r['tokens_per_second']:,.0f} tokens/s, "
                  f"{r['achieved_flop_per_s'] / 1e9:,.1f} GFLOP/s = {r['mfu_vs_measured_peak']:.1%} of the measured "
                  f"GEMM peak ({r['measured_peak_flop_per_s'] / 1e9:,.1f} GFLOP/s); vs catalog peak {cat}")
        print(f"aim (CPU): >= {AIM_CPU:.0%} of the measured peak: {'met' if rows['cpu']['meets_aim'] else 'NOT met'}")
    return 0 if rows["cpu"]["meets_aim"] else 1


if __name__ == "__main__":
    sys.exit(main())
