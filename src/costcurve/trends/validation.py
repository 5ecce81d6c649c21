"""Backtests pooled over capability levels: enough hindcasts to score the methods of a capability series.

One capability level leaves few hindcasts (gpt3-level: 10 for the univariate methods, 1 where the drivers
can be fitted too), too few to tell the methods apart. The levels of one family (training cost at MMLU
levels; API price at Epoch AI's 21 levels) share how costs at a level fall, so their hindcasts are pooled:
each level is backtested with every method on the same hindcasts, and the rows are put together.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import InputError
from .fit import DEFAULT_LEVEL

#: Epoch AI's levels in Cottier et al. 2025 (benchmark >= score), the API-price family
EPOCH_LEVELS = ("mmlu>=43.9", "mmlu>=64.8", "mmlu>=68", "mmlu>=86", "mmlu>=87", "gpqa>=33", "gpqa>=50", "gpqa>=53",
                "gpqa>=56", "math>=44", "math>=74", "math>=79", "math5>=23", "math5>=36", "math5>=48",
                "humaneval>=67", "humaneval>=71", "arena>=1106", "arena>=1186", "arena>=1256", "arena>=1285")
#: MMLU 5-shot levels of the training-cost family (the models catalog knows MMLU only)
TRAINING_LEVELS = ("mmlu>=30", "mmlu>=35", "mmlu>=40", "mmlu>=43.9", "mmlu>=50", "mmlu>=55", "mmlu>=60",
                   "mmlu>=65", "mmlu>=70")
FAMILIES = {"inference-price": EPOCH_LEVELS, "training-cost": TRAINING_LEVELS, "gpt3-level": TRAINING_LEVELS}


def family_of(series) -> str | None:
    """The capability family a series belongs to (``inference-price`` or ``training-cost``), else None."""
    if series.name not in FAMILIES:
        return None
    return "inference-price" if series.name == "inference-price" else "training-cost"


def family_histories(family: str, *, catalog=None) -> tuple[tuple, tuple]:
    """(the size driver's history, the series' own points) at every level of ``family``: what a level's
    record processes pool their rates and step sizes with (:mod:`costcurve.trends.records`)."""
    from .bundled import get_series
    from .drivers import active_params_history, series_history, training_flop_history

    size = active_params_history if family == "inference-price" else training_flop_history
    ss = [get_series(family, capability=cap, catalog=catalog) for cap in FAMILIES[family]]
    return tuple(size(s) for s in ss), tuple(series_history(s) for s in ss)


def pooled_backtest(family: str, methods=("ols", "rwd", "structural"), *, capabilities=None,
                    level: float = DEFAULT_LEVEL, catalog=None) -> list:
    """One :class:`~costcurve.trends.forecast.BacktestResult` per method, pooled over the family's levels; at
    each level every method is scored on the same hindcasts (rows carry their ``capability``)."""
    from .bundled import get_series
    from .drivers import active_params_history, best_price_performance, margin_history, training_flop_history
    from .drivers import utilisation_history
    from .forecast import BacktestResult, backtest_methods
    from .structural import DriverData

    if family not in ("inference-price", "training-cost"):
        raise InputError(f"got {family!r}; allowed: inference-price, training-cost", field="family")
    caps = tuple(capabilities or FAMILIES[family])
    hw = best_price_performance(catalog)
    third = margin_history(catalog=catalog) if family == "inference-price" else utilisation_history(catalog)
    pool = family_histories(family, catalog=catalog)
    pooled = {m: ([], [], []) for m in methods}
    used_levels = []
    for cap in caps:
        s = get_series(family, capability=cap, catalog=catalog)
        size = active_params_history(s) if family == "inference-price" else training_flop_history(s)
        data = DriverData("inference" if family == "inference-price" else "training", (size, hw, third), catalog,
                          *pool)
        try:
            res = backtest_methods(s, methods, level=level, catalog=catalog, data=data)
        except InputError:
            continue
        if not res or not res[0].rows:
            continue
        used_levels.append(cap)
        for r in res:
            rows, cuts, widths = pooled[r.method]
            rows += [{**x, "capability": cap} for x in r.rows]
            cuts += list(r.cutoffs)
            widths += list(r.widths)
    name = f"{family} ({len(used_levels)} levels pooled)"
    return [BacktestResult(name, m, level, "records", tuple(pooled[m][1]), tuple(pooled[m][0]), tuple(pooled[m][2]),
                           {"levels": used_levels}) for m in methods]


def choose_by_score(results, min_forecasts: int) -> tuple[str | None, dict]:
    """The method with the lowest mean interval score among ``results`` (same hindcasts), or None if too few."""
    scores = {r.method: r.interval_score for r in results}
    n = results[0].n_forecasts if results else 0
    ok = n >= min_forecasts and all(math.isfinite(x) for x in scores.values())
    best = min(scores, key=scores.get) if ok else None
    return best, {"interval_score": {m: (x if math.isfinite(x) else None) for m, x in scores.items()}, "n_forecasts": n}


def without_rows(results):
    """The results without their per-forecast rows (for a compact JSON)."""
    return [replace(r, rows=()) for r in results]
