"""Forecasts with prediction intervals, the year a series crosses a value, and hindcast backtests.

Two forecast models, both on the logarithm of the value (see :mod:`costcurve.trends.fit`):

``ols``  exponential trend; the interval is OLS's interval for a new observation,
         se² = σ²(1 + 1/n + (t − t̄)²/Sxx). Right for scattered series (many entries at a
         capability level, of which any one is a draw around the trend); it widens with the
         horizon only through the uncertainty of the slope.
``rwd``  random walk with drift (Farmer & Lafond 2016): variance σ²(τ + τ²/T) at horizon τ
         after a fit span T, so it widens with √τ at first and ∝ τ later. Right for a
         frontier that moves in steps (records, a cheapest-so-far curve), where a shock persists.

Which to use is an empirical question; :func:`backtest` answers it per series: fit on data up to
a cut-off year, forecast every later point, and count how often the realised values fall inside
the stated interval (an interval that claims 90 % should cover about 90 %). On the bundled series
OLS on records covered 4 of 10 later records (its intervals are far too narrow for a step-wise
frontier) while the random walk covered 9 of 10; on scattered all-point series OLS covered 997
of 1,101 (91 %) and the random walk 100 % (its noise estimate is inflated by the scatter). ``auto``, the
default, therefore uses ``rwd`` on records and ``ols`` on all points (docs/trends.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..units import parse_quantity, show
from .fit import DEFAULT_LEVEL, _check_level, fit_series

METHODS = ("ols", "rwd")
METHOD_CHOICES = METHODS + ("auto",)
#: a forecast reaches at most this many years past the last point, or the data's span if longer [year]:
#: the backtests check intervals only at horizons the data can test, and a log-linear trend carried
#: a century out gives intervals such as 4e-165 to 1e15 dollars, which say nothing
MIN_REACH_YEARS = 10.0


@dataclass(frozen=True)
class Forecast:
    """A forecast at ``year``: median and the interval of a new observation (``interval``) and of the trend line."""

    year: float
    median: float  #: [series unit]
    interval: tuple[float, float]  #: prediction interval of a new observation [series unit]
    mean_interval: tuple[float, float]  #: interval of the fitted trend itself [series unit]
    level: float
    method: str
    horizon_years: float  #: years after the last fitted point
    unit: str = ""
    series: str = ""

    def to_dict(self) -> dict:
        d = {"series": self.series, "year": self.year, "median": self.median, "interval": list(self.interval),
             "mean_interval": list(self.mean_interval), "level": self.level, "method": self.method,
             "horizon_years": self.horizon_years, "unit": self.unit}
        if self.unit == "USD":
            d["median_usd"], d["interval_usd"] = self.median, list(self.interval)
        return d


def _method(method, choices=METHOD_CHOICES):
    if method not in choices:
        raise InputError(f"got {method!r}; allowed: {', '.join(choices)}", field="method")
    return method


def _year(year):
    if isinstance(year, bool) or not isinstance(year, (str, int, float, np.integer, np.floating)):
        raise InputError(f"got {show(year)}; allowed: a year such as 2030 or 2030.5", field="year")
    y = parse_quantity(year, "year", "plain")  # a plain number: "2030", 2030.5; no suffix, no decimal comma
    if not 1900 <= y <= 2200:
        raise InputError(f"got {year!r}; allowed: 1900..2200", field="year")
    return y


def forecast_range(fit) -> tuple[float, float]:
    """Years a fit may be forecast to: from its first point to max(10 years, its span) past its last. [year]"""
    return fit.t_min, fit.t_max + max(MIN_REACH_YEARS, fit.t_max - fit.t_min)


def forecast(fit, year, level: float | None = None) -> Forecast:
    """Forecast a fitted trend (:class:`ExponentialTrend` or :class:`RandomWalkTrend`) at ``year``.

    ``year`` must lie in :func:`forecast_range` (the data's years and up to max(10, span) years after).
    """
    year = _year(year)
    level = _check_level(fit.level if level is None else level)
    first, last = forecast_range(fit)
    if not first <= year <= last:
        raise InputError(f"got {year:g}; allowed for this series: {math.floor(first)}..{math.floor(last)} (its data "
                         f"run {fit.t_min:.1f}-{fit.t_max:.1f}; a forecast reaches at most max({MIN_REACH_YEARS:g} "
                         "years, the data's span) past the last point)", field="year")
    lo, hi = fit.interval(year, level, "obs")
    mlo, mhi = fit.interval(year, level, "mean")
    if not all(math.isfinite(float(x)) and x > 0 for x in (lo, hi, mlo, mhi, fit.predict(year))):
        raise InputError(f"got {year:g}: the forecast interval is not a finite positive number (too few points "
                         "for an interval?)", field="year")
    method = "ols" if fit.__class__.__name__ == "ExponentialTrend" else "rwd"
    return Forecast(year, float(fit.predict(year)), (float(lo), float(hi)), (float(mlo), float(mhi)), level, method,
                    year - fit.t_max, fit.unit, fit.name)


def forecast_series(series, year, *, method: str = "auto", points: str = "default", level: float = DEFAULT_LEVEL,
                    since=None, until=None):
    """Fit ``series`` and forecast it at ``year``; returns (fit, Forecast)."""
    fit = fit_series(series, method=_method(method), points=points, level=level, since=since, until=until)
    return fit, forecast(fit, year, level)


@dataclass(frozen=True)
class Crossing:
    """When a series crosses ``value``: the median year and the interval of years at ``level``."""

    value: float
    direction: str  #: "below" | "above"
    year: float | None  #: median crossing; None if the trend never gets there
    interval: tuple[float | None, float | None]  #: (earliest, latest); None = not within the horizon
    level: float
    method: str
    unit: str = ""
    series: str = ""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"series": self.series, "value": self.value, "direction": self.direction, "year": self.year,
                "interval": list(self.interval), "level": self.level, "method": self.method, "unit": self.unit,
                "notes": list(self.notes)}


def when(fit, value: float, *, direction: str | None = None, level: float | None = None,
         horizon_years: float = 200.0) -> Crossing:
    """The year the fitted series falls below (or rises above) ``value``, with its interval.

    The median crossing solves predict(t) = value. The interval runs from the first year the
    favourable bound of the prediction interval reaches ``value`` to the first year the other bound
    does; an end that is not reached within ``horizon_years`` of the last point is None.
    """
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(f"got {value!r}; allowed: a number > 0", field="value")
    if isinstance(horizon_years, bool) or not (isinstance(horizon_years, (int, float)) and 0 < horizon_years <= 1000):
        raise InputError(f"got {show(horizon_years)}; allowed: 0 < years <= 1000", field="horizon_years")
    level = _check_level(fit.level if level is None else level)
    if direction is None:
        direction = "below" if fit.slope_per_year < 0 else "above"
    if direction not in ("below", "above"):
        raise InputError(f"got {direction!r}; allowed: below, above", field="direction")
    sign = 1.0 if direction == "below" else -1.0
    grid = np.linspace(fit.t_min, fit.t_max + horizon_years, int((fit.t_max + horizon_years - fit.t_min) * 52) + 2)
    lo, hi = fit.interval(grid, level, "obs")
    med = fit.predict(grid)
    favourable, unfavourable = (lo, hi) if direction == "below" else (hi, lo)

    def first(arr):
        ok = sign * (arr - value) <= 0
        if not ok.any():
            return None
        i = int(np.argmax(ok))
        if i == 0:
            return float(grid[0])
        a, b = grid[i - 1], grid[i]  # linear interpolation in ln between the grid points
        fa, fb = math.log(arr[i - 1]) - math.log(value), math.log(max(float(arr[i]), 1e-300)) - math.log(value)
        return float(a + (b - a) * fa / (fa - fb)) if fa != fb else float(b)

    notes = []
    name = fit.__class__.__name__
    if sign * fit.slope_per_year >= 0:
        notes.append(f"the fitted trend does not move {direction} (slope {fit.slope_per_year:+.3g}/year)")
    year = first(med)
    if year is None and sign * fit.slope_per_year < 0:
        notes.append(f"median crossing beyond {horizon_years:g} years")
    early, late = first(favourable), first(unfavourable)
    if late is None:
        notes.append(f"the {int(level * 100)}% interval does not close within {horizon_years:g} years of the data")
    if year is not None and year <= fit.t_max:
        notes.append("the fitted trend is already past this value within the data")
    return Crossing(float(value), direction, year, (early, late), level,
                    "ols" if name == "ExponentialTrend" else "rwd", fit.unit, fit.name, tuple(notes))


# ---- backtest -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BacktestResult:
    """Hindcast of one series: every (cut-off, later point) forecast, its log error and coverage."""

    series: str
    method: str
    level: float
    points: str
    cutoffs: tuple[float, ...]
    rows: tuple[dict, ...] = field(repr=False)  #: cutoff, year, horizon_years, actual, median, low, high, log10_error, inside

    @property
    def n_forecasts(self) -> int:
        return len(self.rows)

    @property
    def coverage(self) -> float:
        """Fraction of realised values inside the stated interval (NaN without forecasts)."""
        return float(np.mean([r["inside"] for r in self.rows])) if self.rows else math.nan

    @property
    def mean_abs_log10_error(self) -> float:
        return float(np.mean([abs(r["log10_error"]) for r in self.rows])) if self.rows else math.nan

    @property
    def bias_log10(self) -> float:
        """Mean of log10(actual / median): > 0 means the forecasts were too low."""
        return float(np.mean([r["log10_error"] for r in self.rows])) if self.rows else math.nan

    def coverage_by_horizon(self, edges=(0, 1, 2, 4, 100)) -> list[dict]:
        out = []
        for a, b in zip(edges[:-1], edges[1:]):
            sel = [r for r in self.rows if a <= r["horizon_years"] < b]
            out.append({"horizon_years": [a, b], "n": len(sel),
                        "coverage": float(np.mean([r["inside"] for r in sel])) if sel else None})
        return out

    def to_dict(self, rows: bool = False) -> dict:
        d = {"series": self.series, "method": self.method, "level": self.level, "points": self.points,
             "n_cutoffs": len(self.cutoffs), "n_forecasts": self.n_forecasts, "coverage": self.coverage,
             "mean_abs_log10_error": self.mean_abs_log10_error, "bias_log10": self.bias_log10,
             "coverage_by_horizon": self.coverage_by_horizon()}
        if rows:
            d["forecasts"] = list(self.rows)
        return d


def backtest(series, *, method: str = "auto", points: str = "default", level: float = DEFAULT_LEVEL, cutoffs=None,
             min_fit_points: int = 3) -> BacktestResult:
    """Fit on points dated before each cut-off year, forecast every later point, score the forecasts.

    cutoffs: decimal years; default every whole year after the first point up to the last.
    The point selection (``records`` or ``all``) is made on the whole series first; whether a
    point is a record depends only on earlier points, so no later information leaks into a fit.
    """
    _method(method)
    level = _check_level(level)
    s = series.select(points)
    which = s.default_points if points == "default" else points
    if method == "auto":
        method = "rwd" if which == "records" else "ols"
    t, v = s.years, s.values
    if cutoffs is None:
        cutoffs = np.arange(math.floor(t.min()) + 1, math.ceil(t.max()) + 1, 1.0) if t.size else []
    else:
        cutoffs = [_year(c) for c in (cutoffs if isinstance(cutoffs, (list, tuple, np.ndarray)) else [cutoffs])]
    rows, used, last_n = [], [], None
    for c in cutoffs:
        train = t < c
        test = ~train
        if train.sum() < min_fit_points or np.unique(t[train]).size < (3 if method == "rwd" else 2) or not test.any():
            continue
        if int(train.sum()) == last_n:  # the cut-off adds no data: the same fit and forecasts, counted once
            continue
        last_n = int(train.sum())
        try:
            fit = fit_series(s.between(None, c), method=method, points="all", level=level)
        except InputError:
            continue
        used.append(float(c))
        lo, hi = fit.interval(t[test], level, "obs")
        med = fit.predict(t[test])
        for ti, vi, m_, l_, h_ in zip(t[test], v[test], np.atleast_1d(med), np.atleast_1d(lo), np.atleast_1d(hi)):
            rows.append({"cutoff": float(c), "year": float(ti), "horizon_years": float(ti - fit.t_max), "actual": float(vi),
                         "median": float(m_), "low": float(l_), "high": float(h_),
                         "log10_error": float(math.log10(vi / m_)), "inside": bool(l_ <= vi <= h_)})
    return BacktestResult(series.name, method, level, which, tuple(used), tuple(rows))


def backtest_all(names=None, *, methods=METHODS, points: str = "default", level: float = DEFAULT_LEVEL,
                 catalog=None, since=None, until=None) -> list[BacktestResult]:
    """Backtest every bundled series (or ``names``: names or :class:`Series`) with each method, on [since, until).

    "Every series" leaves out :data:`~costcurve.trends.bundled.SAME_AS` (a series equal to another at its defaults)."""
    from .bundled import SAME_AS, SERIES, get_series
    from .series import Series

    for m in methods:
        _method(m)
    out = []
    for name in names or [n for n in SERIES if n not in SAME_AS]:
        s = name if isinstance(name, Series) else get_series(name, catalog=catalog)
        s = s.between(since, until)
        for m in methods:
            out.append(backtest(s, method=m, points=points, level=level))
    return out
