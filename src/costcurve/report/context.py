"""Trend context: what the same work cost in earlier years and what it is forecast to cost in 2030.

The same work is the same FLOP at the same utilisation, so its rental cost moves inversely with the
peak FLOP per rental dollar of accelerators (the bundled ``gpu-cloud-price-performance`` series):

    cost(year) = cost(date) × pp(date) / pp(year)

with ``pp`` the fitted exponential trend (OLS on ln FLOP per USD, :func:`costcurve.trends.fit.fit_series`)
and its intervals: the interval of the trend line for past years, and for the 2030 forecast both the
interval of the trend line and the prediction interval of a single new observation
(:func:`costcurve.trends.forecast.forecast`). It is a trend adjustment, not a repricing of the run.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

SERIES = "gpu-cloud-price-performance"
FORECAST_YEAR = 2030
LEVEL = 0.9


@lru_cache(maxsize=4)
def _fit(series: str, level: float):  # keyed on its inputs; the bundled series does not change at run time
    from costcurve.trends.bundled import get_series
    from costcurve.trends.fit import fit_series

    return fit_series(get_series(series), method="auto", level=level)


def same_work_cost(cost_usd: float, date: str, *, years=(2018, 2021), forecast_year: int = FORECAST_YEAR,
                   series: str = SERIES, level: float = LEVEL) -> dict | None:
    """Cost [USD] of the same work in ``years`` and in ``forecast_year``, scaled by the price-performance trend.

    Returns ``{"series", "fit", "rows": [{"year", "usd", "usd_interval", "interval_kind"}], ...}``,
    or None when ``cost_usd`` is not a positive number.
    """
    from costcurve.trends.forecast import forecast
    from costcurve.units import decimal_year

    if cost_usd is None or not cost_usd > 0:
        return None
    t0 = decimal_year(dt.date.fromisoformat(str(date)))
    fit = _fit(series, level)
    pp0 = float(fit.predict(t0))
    rows = []
    for y in years:
        if y >= t0:
            continue
        lo, hi = fit.interval(float(y), level, "mean")
        rows.append({"year": float(y), "usd": cost_usd * pp0 / float(fit.predict(y)),
                     "usd_interval": [cost_usd * pp0 / float(hi), cost_usd * pp0 / float(lo)],
                     "interval_kind": "trend line"})
    rows.append({"year": t0, "usd": cost_usd, "usd_interval": None, "interval_kind": "this estimate"})
    if forecast_year > t0:
        fc = forecast(fit, forecast_year, level)
        rows.append({"year": float(forecast_year), "usd": cost_usd * pp0 / fc.median,
                     "usd_interval": [cost_usd * pp0 / fc.mean_interval[1], cost_usd * pp0 / fc.mean_interval[0]],
                     "usd_interval_new_observation": [cost_usd * pp0 / fc.interval[1], cost_usd * pp0 / fc.interval[0]],
                     "interval_kind": "trend line"})
    return {"series": series, "level": level, "method": fit.__class__.__name__,
            "factor_per_year": fit.factor_per_year, "n_points": fit.n, "start_year": fit.t_min, "end_year": fit.t_max,
            "rows": rows}
