"""Print the validation tables of docs/trends.md: backtests of every method and the 2030 answers.

Run from the repository root (a development step; every figure comes from the bundled catalogs):

    .venv/bin/python tools/trend_validation.py

Tables (markdown):

1. backtests, each series' methods on the same hindcasts: coverage of the 90 % interval, mean interval
   score on log10 value, median log10 width 1, 3 and 5 years ahead; the capability series alone and
   with their family's levels pooled (what ``--method auto`` scores);
2. the live forecasts: 2030 median, 90 % interval, its width, the width 5 years after the last point,
   the floor, by method;
3. the structural forecast's factor a year (median over the 5 years after the last point) at Epoch
   AI's levels, next to Epoch's published rates.
"""

from __future__ import annotations

import math

from costcurve.errors import CostcurveError
from costcurve.trends.bundled import get_series
from costcurve.trends.forecast import backtest_methods, fit_method, forecast
from costcurve.trends.validation import EPOCH_LEVELS, pooled_backtest

CASES = (("gpt3-level", None), ("inference-price", "gpt-3"), ("inference-price", "gpt-3.5"),
         ("inference-price", "gpt-4"))


def _f(v, fmt="{:.2f}"):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def _row(label, r):
    w = r.median_log10_width
    return (f"| {label} | {r.method} | {r.n_forecasts} | {_f(r.coverage, '{:.0%}')} | {_f(r.interval_score)} | "
            f"{_f(w['1'], '{:.1f}')} | {_f(w['3'], '{:.1f}')} | {_f(w['5'], '{:.1f}')} |")


def backtests():
    print("| series | method | hindcasts | 90% coverage | interval score | width 1 y | 3 y | 5 y |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, cap in CASES:
        s = get_series(name, **({"capability": cap} if cap else {}))
        label = name + (f" {cap}" if cap else "")
        try:
            for r in backtest_methods(s):
                print(_row(label, r))
        except CostcurveError as e:
            print(f"| {label} | all | 0 | {e.message[:60]} | | | | |")
    for fam in ("training-cost", "inference-price"):
        for r in pooled_backtest(fam):
            print(_row(r.series, r))


def live():
    print("| series | method | 2030 median | 90% interval | width 2030 (OOM) | width at last point + 5 y | floor 2030 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, cap in CASES:
        s = get_series(name, **({"capability": cap} if cap else {}))
        label = name + (f" {cap}" if cap else "")
        for m in ("ols", "rwd", "structural"):
            try:
                fit = fit_method(s, m)
                fc = forecast(fit, 2030.0)
                lo, hi = fit.interval(fit.t_max + 5.0)
            except CostcurveError as e:
                print(f"| {label} | {m} | cannot say: {e.message[:90]} | | | | |")
                continue
            floor = f"{fc.floor['value']:.3g}" if fc.floor else ""
            print(f"| {label} | {m} | {fc.median:.3g} | {fc.interval[0]:.3g} to {fc.interval[1]:.3g} | "
                  f"{math.log10(fc.interval[1] / fc.interval[0]):.1f} | {math.log10(hi / lo):.1f} | {floor} |")


def epoch_levels():
    print("| level | records | Epoch / OLS on records (x/yr fall) | structural, next 5 years (x/yr fall) |")
    print("| --- | --- | --- | --- |")
    for cap in EPOCH_LEVELS:
        s = get_series("inference-price", capability=cap)
        ols = fit_method(s, "ols")
        try:
            st = fit_method(s, "structural")
            txt = f"{1 / st.factor_per_year:.2g}"
        except CostcurveError:
            txt = "cannot say (too few sized models)"
        print(f"| {cap} | {ols.n} | {1 / ols.factor_per_year:.3g} | {txt} |")


if __name__ == "__main__":
    backtests()
    print()
    live()
    print()
    epoch_levels()
