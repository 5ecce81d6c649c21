"""Decision benchmarks: point answers (interactive: target < 50 ms each) and 10,000-sample Monte Carlo
of each decision (target < 1 s; the data-constrained budget, a grid + golden section per sample, is the
slowest).

Run: python benchmarks/bench_decisions.py  (prints medians of 5 runs, seconds)
"""

from __future__ import annotations

import json

from _timing import median_time


def main():
    from costcurve.catalog import load_catalog
    from costcurve.decisions.budget import plan_budget
    from costcurve.decisions.finetune import estimate_finetune
    from costcurve.decisions.rent_vs_buy import rent_vs_buy
    from costcurve.decisions.wait import decide_wait

    cat = load_catalog()
    common = dict(price_usd_per_gpu_hour=2.0, date="2026-01-01", catalog=cat)
    cases = {
        "budget_point_s": lambda: plan_budget(usd=2e6, gpus=256, **common),
        "budget_inference_point_s": lambda: plan_budget(usd=2e6, gpus=256, inference_tokens=2e13, **common),
        "budget_unique_tokens_point_s": lambda: plan_budget(usd=2e8, gpus=16384, unique_tokens=5e12, **common),
        "budget_mc_10k_s": lambda: plan_budget(usd="1M..4M", gpus=256, mfu="0.3..0.5", samples=10_000, seed=1,
                                               **common).to_dict(),
        "budget_unique_tokens_mc_10k_s": lambda: plan_budget(usd="100M..300M", gpus=16384, unique_tokens=5e12,
                                                             samples=10_000, seed=1, **common).to_dict(),
        "finetune_point_s": lambda: estimate_finetune(model="llama2-70b", method="qlora", tokens=1e8, gpu="h100",
                                                      **common),
        "finetune_mc_10k_s": lambda: estimate_finetune(model="llama2-70b", method="lora", tokens="50M..200M",
                                                       mfu="0.3..0.5", gpu="h100", gpus=8, samples=10_000, seed=1,
                                                       **common).to_dict(),
        "rent_vs_buy_point_s": lambda: rent_vs_buy(gpus=512, utilization=0.7, **common),
        "rent_vs_buy_mc_10k_s": lambda: rent_vs_buy(gpus=512, utilization="0.5..0.9", samples=10_000, seed=1,
                                                    **common).to_dict(),
        "wait_point_s": lambda: decide_wait(training_flop=3e25, gpus=2048, deadline="2028-06-01", **common),
        "wait_mc_10k_s": lambda: decide_wait(training_flop="1e25..1e26", gpus=2048, deadline="2029-06-01",
                                             samples=10_000, seed=1, **common).to_dict(),
    }
    for fn in cases.values():
        fn()  # warm caches (catalog, price choice, MFU model, trend fit)
    res = {k: median_time(fn, repeat=5) for k, fn in cases.items()}
    print(json.dumps({k: round(v, 4) for k, v in res.items()}, indent=2))


if __name__ == "__main__":
    main()
