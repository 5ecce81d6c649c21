"""Benchmark: one exponential fit with a 2,000-resample pairs bootstrap (target: under 0.5 s).

    .venv/bin/python benchmarks/bench_trends.py

Times fit_exponential(..., ci="bootstrap", n_boot=2000) on the gpt3-level series (all points), on
Epoch's frontier-cost series when ../shared is present, and on 1,000 synthetic points; prints the
median of 20 runs (after one warm-up that also imports scipy), plus building and fitting the
inference-price series at one capability level, a full backtest of every series, and
``forecast inference-price --method auto`` (median of 5 in-process, of 3 on the command line).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from _timing import command_time, run_times

from costcurve.trends.bundled import get_series
from costcurve.trends.fit import fit_exponential

TARGET_S = 0.5


def bench(label, t, y, repeats=20):
    fit_exponential(t, y, ci="bootstrap", n_boot=2000)  # warm-up
    times = run_times(lambda: fit_exponential(t, y, ci="bootstrap", n_boot=2000, seed=None), repeats)
    fit = fit_exponential(t, y, ci="bootstrap", n_boot=2000, seed=None)
    med = statistics.median(times)
    lo, hi = fit.conf_int()["annual_decline"]
    print(f"{label:45s} n={len(t):5d}  median {1000 * med:7.2f} ms  max {1000 * max(times):7.2f} ms  "
          f"decline {100 * fit.annual_decline:6.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]")
    return med


def main() -> int:
    worst = 0.0
    s = get_series("gpt3-level")
    worst = max(worst, bench("gpt3-level, all points, bootstrap 2000", s.years, s.values))
    roots = [os.environ.get("COSTCURVE_SHARED"), Path(__file__).resolve().parents[1].parent / "shared", "/work/shared"]
    shared = next((Path(r) / "reference-data" / "epoch-notable-models" / "notable_ai_models_2025-05.csv" for r in roots
                   if r and (Path(r) / "reference-data").is_dir()), Path("/nonexistent"))
    if shared.exists():
        from costcurve.trends.sources import epoch_series

        e = epoch_series(shared).between(2016)
        worst = max(worst, bench("Epoch frontier cost since 2016, bootstrap 2000", e.years, e.values))
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(2000, 2025, 1000))
    worst = max(worst, bench("synthetic 1,000 points, bootstrap 2000", t, 1e6 * 0.5 ** (t - 2000) * np.exp(rng.normal(0, 0.5, t.size))))
    from costcurve.trends.api_prices import load_api_prices
    from costcurve.trends.bundled import inference_price
    from costcurve.trends.fit import fit_series

    load_api_prices()  # parsed once per process (bundled table)
    times = run_times(lambda: fit_series(inference_price(capability="gpqa>=50")), 20)
    print(f"{'inference-price at gpqa>=50: select + fit':45s}          median {1000 * statistics.median(times):7.2f} ms")
    from costcurve.trends.forecast import backtest_all

    t0 = time.perf_counter()
    backtest_all()
    print(f"{'backtest of every bundled series (ols + rwd)':45s}          total  {1000 * (time.perf_counter() - t0):7.2f} ms")
    from costcurve.trends.forecast import forecast_series

    s = get_series("inference-price")
    times = run_times(lambda: forecast_series(s, 2030, method="auto"), 5)  # 22 structural hindcasts + the forecast
    print(f"{'forecast inference-price --method auto (in-process)':45s}          median {1000 * statistics.median(times):7.0f} ms")
    cli = [sys.executable, "-m", "costcurve", "forecast", "inference-price", "--method", "auto", "--year", "2030",
           "--json"]
    print(f"{'the same on the command line (with imports)':45s}          median {1000 * command_time(cli, 3):7.0f} ms")
    ok = worst < TARGET_S
    print(f"worst median {1000 * worst:.2f} ms; target < {1000 * TARGET_S:.0f} ms: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
