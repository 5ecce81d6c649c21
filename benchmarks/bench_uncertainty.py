"""Uncertainty benchmark: 100,000 Monte Carlo samples of a full training estimate (target < 50 ms).

Run: python benchmarks/bench_uncertainty.py  (prints medians of 7 runs)
"""

from __future__ import annotations

import json

from _timing import median_time


def main():
    from costcurve import estimate_training

    kw = dict(model="llama3-70b", tokens="12T..18T", gpu="h100", gpus="2000..4000", mfu="0.3..0.5",
              goodput="0.85..0.98", samples=100_000, seed=1, date="2024-06-01")
    estimate_training(**kw).to_dict()
    res = {
        "mc_100k_estimate_s": median_time(lambda: estimate_training(**kw)),
        "mc_100k_estimate_plus_cost_percentiles_s": median_time(lambda: estimate_training(**kw).summary("cost_cloud_usd")),
        "mc_100k_full_json_with_sensitivity_s": median_time(lambda: estimate_training(**kw).to_dict()),
        "mc_100k_uncertain_defaults_full_json_s": median_time(lambda: estimate_training(
            model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096, uncertainty=True, samples=100_000, seed=1,
            date="2024-06-01").to_dict()),
        "point_estimate_same_inputs_us": median_time(lambda: [estimate_training(
            model="llama3-70b", tokens=15e12, gpu="h100", gpus=3000, mfu=0.4, date="2024-06-01") for _ in range(1000)]) * 1e3,
    }
    print(json.dumps({k: round(v, 4) for k, v in res.items()}, indent=2))


if __name__ == "__main__":
    main()
