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

``structural`` (:mod:`costcurve.trends.structural`) forecasts a cost at fixed capability from its drivers
(FLOP needed, price-performance, utilisation, model size, margin), each fitted on its own data, bounded by
physical floors. ``auto`` backtests every method that applies on the same hindcasts and picks the one with
the lowest interval score (Gneiting & Raftery 2007) on log10 value; with fewer than
:data:`MIN_SCORED_FORECASTS` common hindcasts it keeps the rule above and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..units import parse_quantity, show
from .fit import DEFAULT_LEVEL, _check_level, fit_series

METHODS = ("ols", "rwd")  #: univariate methods: every series
ALL_METHODS = METHODS + ("structural",)  #: structural: series whose drivers costcurve knows
METHOD_CHOICES = ALL_METHODS + ("auto",)
HORIZONS = (1, 3, 5)  #: years ahead at which a backtest states the interval's width (sharpness)
MIN_SCORED_FORECASTS = 3  #: common hindcasts ``auto`` needs to choose by score
OWN_FORECASTS = 20  #: below this many of its own, a capability series is scored on its family's levels pooled
#: a forecast reaches at most this many years past the last point, or the data's span if longer [year]:
#: the backtests check intervals only at horizons the data can test, and a log-linear trend carried
#: a century out gives intervals such as 4e-165 to 1e15 dollars, which say nothing
MIN_REACH_YEARS = 10.0
MIN_SUPPORTED_POINTS = 4  #: fitted points a univariate forecast needs for an interval (3 to fit, 1 to test)


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
    drivers: tuple = ()  #: structural: {name, factor_per_year, interval, share_of_variance, ...} per driver
    floor: dict | None = None  #: structural: the physical floor at ``year`` ({value, unit, what, ...})
    choice: dict | None = None  #: auto: which method was picked and why (scores on the same hindcasts)
    notes: tuple = ()

    def to_dict(self) -> dict:
        d = {"series": self.series, "year": self.year, "median": self.median, "interval": list(self.interval),
             "mean_interval": list(self.mean_interval), "level": self.level, "method": self.method,
             "horizon_years": self.horizon_years, "unit": self.unit, "drivers": [dict(x) for x in self.drivers],
             "floor": self.floor, "choice": self.choice, "notes": list(self.notes)}
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
    method = _method_of(fit)
    median = float(fit.predict(year))
    drivers, floor, notes = (), None, ()
    if method == "structural":
        drivers = tuple(fit.driver_summary(year, level)) if year > fit.t_max else ()
        floor = fit.floor_summary(year)
        notes = fit.notes
        if min(median, lo) < floor["value"] * (1 - 1e-9):
            raise InputError(f"internal check failed: a structural forecast below its floor at {year:g}", field="year")
    return Forecast(year, median, (float(lo), float(hi)), (float(mlo), float(mhi)), level, method,
                    year - fit.t_max, fit.unit, fit.name, drivers, floor, None, notes)


def _method_of(fit) -> str:
    return {"ExponentialTrend": "ols", "RandomWalkTrend": "rwd", "StructuralModel": "structural"}.get(
        fit.__class__.__name__, "ols")


def fit_method(series, method: str, *, points: str = "default", level: float = DEFAULT_LEVEL, since=None, until=None,
               catalog=None):
    """The fitted model of ``series``: ``ols``/``rwd`` (:func:`fit_series`) or ``structural``
    (:func:`~costcurve.trends.structural.build_structural`, on the series' records)."""
    if _method(method, ALL_METHODS) == "structural":
        from .structural import build_structural

        if points not in ("default", "records"):
            raise InputError(f"got {points!r}; structural forecasts the records (cheapest so far): use default or "
                             "records", field="points")
        from .drivers import InsufficientDataError

        # the drivers are data too: cut at ``until`` like the series (no driver point from after it)
        try:
            return build_structural(series.between(since, until), until=until, level=level, catalog=catalog)
        except InsufficientDataError as e:
            if until is None:
                raise
            raise InsufficientDataError(e.message, field="until") from None  # the cut left too little
    return fit_series(series, method=method, points=points, level=level, since=since, until=until)


def forecast_series(series, year, *, method: str = "auto", points: str = "default", level: float = DEFAULT_LEVEL,
                    since=None, until=None, catalog=None):
    """Fit ``series`` and forecast it at ``year``; returns (fit, Forecast).

    ``auto`` picks the method by backtest interval score (:func:`choose_method`); the Forecast's ``choice``
    says which and why."""
    from dataclasses import replace

    _method(method)
    choice = None
    if method == "auto":
        s = series.between(since, until)
        method, choice = choose_method(s, points=points, level=level, catalog=catalog)
    from .drivers import InsufficientDataError

    try:
        fit = fit_method(series, method, points=points, level=level, since=since, until=until, catalog=catalog)
    except InsufficientDataError as e:
        if choice is None:
            raise
        raise InsufficientDataError(f"auto picks structural ({choice['why']}), but here {e.message}; "
                                    f"{_univariate_widths(series, year, points, level, since, until)}",
                                    field="method") from None
    if method in METHODS:
        _check_supported(fit, _year(year), choice)
    fc = forecast(fit, year, level)
    return fit, (replace(fc, choice=choice) if choice else fc)


def _check_supported(fit, year: float, choice=None) -> None:
    """InsufficientDataError where the data cannot support a univariate forecast at ``year``: fewer than
    :data:`MIN_SUPPORTED_POINTS` fitted points (3 to fit and 1 to check the fit on, the least a backtest can test),
    or a horizon past the last point longer than the fitted points' span (no hindcast on these data can test an
    interval that far ahead: a cut-off inside the data leaves at most the span ahead of it)."""
    from .drivers import InsufficientDataError

    what = f"{fit.name or 'the series'} has {fit.n} fitted point(s), {fit.t_min:.1f}-{fit.t_max:.1f}"
    picked = f"auto picks {choice['picked']}; " if choice else ""
    if fit.n < MIN_SUPPORTED_POINTS:
        raise InsufficientDataError(
            f"{picked}the data cannot support a forecast: {what}; an interval needs at least {MIN_SUPPORTED_POINTS} "
            "(3 to fit and 1 to test it on), so costcurve prints none", field="year")
    span, ahead = fit.t_max - fit.t_min, year - fit.t_max
    if ahead > span:
        raise InsufficientDataError(
            f"{picked}the data cannot support a {year:g} answer: {what}; {year:g} is {ahead:.1f} years past the last "
            f"point, longer than the {span:.1f} years the points span, so no backtest on these data tests an interval "
            f"that far ahead; ask for {math.floor(fit.t_max + span)} or earlier", field="year")


def _univariate_widths(series, year, points, level, since, until) -> str:
    """What --method ols / rwd would say instead: their interval widths at ``year``, in orders of magnitude."""
    out = []
    for m in METHODS:
        try:
            fc = forecast(fit_series(series, method=m, points=points, level=level, since=since, until=until), year, level)
            out.append(f"{m} {math.log10(fc.interval[1] / fc.interval[0]):.0f}")
        except InputError:
            continue
    return ("`method` ols or rwd extrapolate the series alone, with 90% intervals of " + " and ".join(out)
            + " orders of magnitude") if out else "neither ols nor rwd can forecast it either"


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
    structural = _method_of(fit) == "structural"
    if structural:  # drawn by Monte Carlo: the years it may be forecast to, monthly
        horizon_years = min(horizon_years, forecast_range(fit)[1] - fit.t_max)
        grid = np.linspace(fit.t_max, fit.t_max + horizon_years, int(horizon_years * 12) + 2)
    else:
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
    if structural:
        notes.append(f"structural forecast: crossings are looked for up to {fit.t_max + horizon_years:.0f}, the years "
                     "its drivers can be forecast to")
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
    return Crossing(float(value), direction, year, (early, late), level, _method_of(fit), fit.unit, fit.name,
                    tuple(notes))


# ---- backtest -----------------------------------------------------------------------------------
def interval_score(actual, low, high, level: float) -> np.ndarray:
    """Interval score of central ``level`` intervals on log10 values (Gneiting & Raftery 2007, eq. 43):
    (u − l) + (2/α)(l − y)·[y < l] + (2/α)(y − u)·[y > u], α = 1 − level; lower is better. [log10 units]"""
    y, lo, hi = (np.log10(np.asarray(x, dtype=float)) for x in (actual, low, high))
    a = 1.0 - level
    return (hi - lo) + (2.0 / a) * np.maximum(lo - y, 0.0) + (2.0 / a) * np.maximum(y - hi, 0.0)


@dataclass(frozen=True)
class BacktestResult:
    """Hindcast of one series: every (cut-off, later point) forecast, its log error, coverage and score."""

    series: str
    method: str
    level: float
    points: str
    cutoffs: tuple[float, ...]
    rows: tuple[dict, ...] = field(repr=False)  #: cutoff, year, horizon_years, actual, median, low, high, log10_error, inside
    widths: tuple[dict, ...] = field(default=(), repr=False)  #: per cut-off: {"1": log10 width 1 year ahead, "3", "5"}
    choice: dict | None = None  #: auto: the method picked and why

    @property
    def n_forecasts(self) -> int:
        return len(self.rows)

    @property
    def coverage(self) -> float:
        """Fraction of realised values inside the stated interval (NaN without forecasts)."""
        return float(np.mean([r["inside"] for r in self.rows])) if self.rows else math.nan

    @property
    def interval_score(self) -> float:
        """Mean interval score of the forecasts on log10 value (NaN without forecasts); lower is better."""
        return float(np.mean([r["interval_score"] for r in self.rows])) if self.rows else math.nan

    @property
    def median_log10_width(self) -> dict:
        """Median over the cut-offs of the interval's width in orders of magnitude, 1, 3 and 5 years ahead."""
        out = {}
        for h in HORIZONS:
            w = [x[str(h)] for x in self.widths if x.get(str(h)) is not None]
            out[str(h)] = float(np.median(w)) if w else None
        return out

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

    def restricted(self, keys) -> BacktestResult:
        """The same backtest on the (cutoff, year) pairs in ``keys`` only (to compare methods on the same hindcasts)."""
        from dataclasses import replace

        rows = tuple(r for r in self.rows if (r["cutoff"], r["year"]) in keys)
        cut = {r["cutoff"] for r in rows}
        return replace(self, rows=rows, cutoffs=tuple(c for c in self.cutoffs if c in cut),
                       widths=tuple(w for c, w in zip(self.cutoffs, self.widths) if c in cut))

    def to_dict(self, rows: bool = False) -> dict:
        nan = lambda v: None if isinstance(v, float) and math.isnan(v) else v  # noqa: E731
        d = {"series": self.series, "method": self.method, "level": self.level, "points": self.points,
             "n_cutoffs": len(self.cutoffs), "n_forecasts": self.n_forecasts, "coverage": nan(self.coverage),
             "interval_score": nan(self.interval_score), "median_log10_width": self.median_log10_width,
             "mean_abs_log10_error": nan(self.mean_abs_log10_error), "bias_log10": nan(self.bias_log10),
             "coverage_by_horizon": self.coverage_by_horizon(), "choice": self.choice}
        if rows:
            d["forecasts"] = list(self.rows)
        return d


def _cutoffs(t, cutoffs):
    if cutoffs is None:  # calendar dates, not the dates of new points: a cut-off chosen at an arrival would test
        return np.arange(math.floor(t.min()) + 1, math.ceil(t.max()) + 1, 1.0) if t.size else []  # only arrivals
    return [_year(c) for c in (cutoffs if isinstance(cutoffs, (list, tuple, np.ndarray)) else [cutoffs])]


def _not_testable(series, s, method, min_fit_points):
    from .drivers import InsufficientDataError

    t = s.years
    years = ", ".join(sorted({f"{y:.0f}" for y in np.floor(t)})) or "none"
    return InsufficientDataError(
        f"nothing to backtest: {series.name or 'the series'} has {t.size} point(s) (years: {years}); a backtest needs at least {min_fit_points} points on at least "
        f"{3 if method == 'rwd' else 2} different dates before a cut-off and at least one point after it (the cut-offs "
        "are the points' dates)",
        field="series")


def backtest(series, *, method: str = "auto", points: str = "default", level: float = DEFAULT_LEVEL, cutoffs=None,
             min_fit_points: int = 3, strict: bool = False, catalog=None, data=None) -> BacktestResult:
    """Fit on points dated before each cut-off year, forecast every later point, score the forecasts.

    cutoffs: decimal years; default every whole year after the first point up to the last (a cut-off that
    adds no data is skipped). On records the forecast is of the record in force (the cheapest so far), so it
    is checked at the date of every later point of the series, new record or not.
    The point selection (``records`` or ``all``) is made on the whole series first; whether a
    point is a record depends only on earlier points, so no later information leaks into a fit.
    ``structural`` refits every driver on its data before the cut-off. ``auto`` backtests the method
    :func:`choose_method` picks. ``strict``: raise :class:`InsufficientDataError` when nothing can be tested.
    """
    _method(method)
    level = _check_level(level)
    s = series.select(points) if method != "structural" else series.select("records")
    which = s.default_points if points == "default" else points
    choice = None
    if method == "auto":
        method, choice = choose_method(series, points=points, level=level, catalog=catalog)
    if method == "structural":
        from .structural import driver_data

        data = data or driver_data(series, catalog=catalog)
        which = "records"
    t, v = s.years, s.values
    et, ev = _in_force(series) if which == "records" else (t, v)
    rows, used, widths, last_n = [], [], [], None
    for c in _cutoffs(t, cutoffs):
        train = t < c
        test = et >= c
        if train.sum() < min_fit_points or np.unique(t[train]).size < (3 if method == "rwd" else 2) or not test.any():
            continue
        if int(train.sum()) == last_n:  # the cut-off adds no data: the same fit and forecasts, counted once
            continue
        last_n = int(train.sum())
        try:
            fit = _hindcast_fit(series, s, method, c, level, data)
        except InputError:
            continue
        used.append(float(c))
        lo, hi = (np.atleast_1d(x) for x in fit.interval(et[test], level, "obs"))
        med = np.atleast_1d(fit.predict(et[test]))
        score = interval_score(ev[test], lo, hi, level)
        for ti, vi, m_, l_, h_, sc in zip(et[test], ev[test], med, lo, hi, score):
            rows.append({"cutoff": float(c), "year": float(ti), "horizon_years": float(ti - fit.t_max), "actual": float(vi),
                         "median": float(m_), "low": float(l_), "high": float(h_),
                         "log10_error": float(math.log10(vi / m_)), "inside": bool(l_ * (1 - 1e-9) <= vi <= h_ * (1 + 1e-9)),
                         "interval_score": float(sc)})
        wl, wh = (np.atleast_1d(x) for x in fit.interval(fit.t_max + np.array(HORIZONS, dtype=float), level, "obs"))
        widths.append({str(h): (float(np.log10(b) - np.log10(a)) if 0 < a and math.isfinite(b) else None)
                       for h, a, b in zip(HORIZONS, wl, wh)})
    if strict and not rows:
        raise _not_testable(series, s, method, min_fit_points)
    return BacktestResult(series.name, method, level, which, tuple(used), tuple(rows), tuple(widths), choice)


def _in_force(series):
    """(dates, record in force): at each date of a point, the best value of the points up to it."""
    if not len(series):
        return np.array([]), np.array([])
    t, v = series.years, series.values
    sign = 1.0 if series.better == "lower" else -1.0
    dates = np.unique(t)
    best = np.array([sign * np.min(sign * v[t <= d]) for d in dates])
    return dates, best


def _hindcast_fit(series, selected, method, cutoff, level, data):
    if method == "structural":
        from .structural import build_structural

        return build_structural(series, data=data, until=cutoff, level=level)
    return fit_series(selected.between(None, cutoff), method=method, points="all", level=level)


def backtest_methods(series, methods=None, *, points: str = "default", level: float = DEFAULT_LEVEL, cutoffs=None,
                     strict: bool = False, catalog=None, data=None) -> list[BacktestResult]:
    """Backtest several methods on the same hindcasts: each result keeps only the (cut-off, point) pairs that
    every method forecast. ``methods`` None: ols, rwd and, where it applies, structural."""
    methods = tuple(methods) if methods else applicable_methods(series)
    for m in methods:
        _method(m)
    res = [backtest(series, method=m, points=points, level=level, cutoffs=cutoffs, strict=strict, catalog=catalog,
                    data=data) for m in methods]
    if len(res) > 1:
        common = set.intersection(*({(r["cutoff"], r["year"]) for r in x.rows} for x in res))
        res = [x.restricted(common) for x in res]
        if strict and not common:
            raise _not_testable(series, series.select(points), "rwd", 3)
    return res


def applicable_methods(series) -> tuple[str, ...]:
    """ols, rwd, and structural when costcurve knows the series' drivers."""
    from .structural import structural_kind

    try:
        structural_kind(series)
    except InputError:
        return METHODS
    return ALL_METHODS


def choose_method(series, *, points: str = "default", level: float = DEFAULT_LEVEL, catalog=None) -> tuple[str, dict]:
    """The method with the lowest mean interval score on the same hindcasts, and why (a dict for the JSON).

    The series' own hindcasts when there are at least :data:`OWN_FORECASTS`; else, for a capability series, its
    family's levels pooled (:func:`~costcurve.trends.validation.pooled_backtest`); else its own if at least
    :data:`MIN_SCORED_FORECASTS`; else ``rwd`` on records and ``ols`` on all points."""
    from .validation import choose_by_score, family_of, pooled_backtest

    which = series.default_points if points == "default" else points
    methods = applicable_methods(series) if which == "records" else METHODS
    try:
        own = backtest_methods(series, methods, points=points, level=level, catalog=catalog)
    except InputError:
        own = []
    best, info = choose_by_score(own, OWN_FORECASTS)
    where = f"the series' own {info['n_forecasts']} hindcasts"
    family = family_of(series)
    if best is None and family and which == "records":
        pooled = pooled_backtest(family, methods, level=level, catalog=catalog)
        best, info = choose_by_score(pooled, MIN_SCORED_FORECASTS)
        where = f"{info['n_forecasts']} hindcasts pooled over {len(pooled[0].choice['levels'])} levels of {family} " \
                "(the series alone has too few; every method on the same hindcasts)"
    if best is None:
        best, info = choose_by_score(own, MIN_SCORED_FORECASTS)
        where = f"the series' own {info['n_forecasts']} hindcasts"
    if best is not None:
        ranked = sorted(info["interval_score"].items(), key=lambda kv: kv[1])
        why = f"lowest mean interval score on log10 value over {where}: " + ", ".join(f"{m} {x:.2f}" for m, x in ranked)
    else:
        best = "rwd" if which == "records" else "ols"
        why = (f"too few hindcasts to score ({info['n_forecasts']}): {best} on {which} points, the rule the "
               "pooled backtests of the bundled series support")
    return best, {"picked": best, "why": why, **info}


def backtest_all(names=None, *, methods=None, points: str = "default", level: float = DEFAULT_LEVEL,
                 catalog=None, since=None, until=None) -> list[BacktestResult]:
    """Backtest every bundled series (or ``names``: names or :class:`Series`) with each method, on [since, until),
    each series' methods on the same hindcasts. ``methods`` None: ols, rwd and structural where it applies.

    "Every series" leaves out :data:`~costcurve.trends.bundled.SAME_AS` (a series equal to another at its defaults);
    a series named explicitly that leaves nothing to test raises :class:`InsufficientDataError`."""
    from .bundled import SAME_AS, SERIES, get_series
    from .series import Series

    for m in methods or ():
        _method(m)
    out = []
    for name in names or [n for n in SERIES if n not in SAME_AS]:
        s = name if isinstance(name, Series) else get_series(name, catalog=catalog)
        s = s.between(since, until)
        ms = methods or applicable_methods(s)
        if names is None:  # every bundled series: structural only where it applies
            ms = tuple(m for m in ms if m != "structural" or "structural" in applicable_methods(s))
        out += backtest_methods(s, ms, points=points, level=level, strict=names is not None, catalog=catalog)
    return out
