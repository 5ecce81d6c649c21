"""Benchmark of the serving planner: one deploy search, and load-model evaluations per second.

Run: python benchmarks/bench_serving.py   (prints medians)
"""

from __future__ import annotations

from _timing import median_time

from costcurve import load_catalog
from costcurve.serving.deploy import plan_deployment
from costcurve.serving.engines import engine_profile
from costcurve.serving.load import LengthDistribution
from costcurve.serving.replica import ReplicaLoadModel
from costcurve.serving.step import Replica


def main() -> None:
    cat = load_catalog()  # parse the CSVs once; time the model, not the file reading

    def search():  # every catalog accelerator with a price, bf16 and fp8, p95 targets 2 s / 100 ms
        return plan_deployment(model="llama3.1-70b", queries_per_day=1e9, ttft_p95_s=2.0, tpot_p95_s=0.1, catalog=cat)

    res = search()
    t = median_time(search, 5)
    b = res.best
    print(f"deploy search, llama3.1-70b at 1e9 queries/day over all catalog accelerators: median {t:6.2f} s "
          f"({res.candidates} candidates, {res.evaluated} simulated)")
    print(f"  cheapest: {b.replicas:,} x {b.gpus_per_replica} {b.gpu} {b.dtype}, ${b.usd_per_day:,.0f}/day, "
          f"${b.usd_per_million_output_tokens:.3f}/M output tokens, p95 TTFT {b.ttft_p95_s * 1e3:.0f} ms, "
          f"p95 TPOT {b.tpot_p95_s * 1e3:.1f} ms")

    r = Replica(cat.architecture("llama3.1-70b"), cat.accelerator("h100"), engine_profile("vllm"), tp=4)
    model = ReplicaLoadModel.build(r, LengthDistribution())
    rate = 0.7 * model.saturated_rate_per_s

    def one():  # 1,000 requests, ShareGPT-like lengths, 70% of the saturated rate
        return model.evaluate(rate, requests=1000)

    one()
    t1 = median_time(one, 21)
    print(f"load model, 1,000 requests at {rate:.1f} req/s (70% load, mean batch {one().mean_batch:.0f}): "
          f"median {t1 * 1e3:6.1f} ms  ({1 / t1:,.0f} evaluations/s)")


if __name__ == "__main__":
    main()
