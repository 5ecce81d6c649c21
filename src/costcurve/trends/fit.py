"""Fitted rates of change: exponential trends in time, random walks with drift, Wright's law.

Exponential trend (a generalised Moore's law), least squares on the logarithm:

    ln y(t) = a + b·(t − t̄)        factor per year = e^b,  annual decline = 1 − e^b,
                                    halving time = ln 2 / (−b),  doubling time = ln 2 / b

Confidence intervals come from Student's t with n − 2 degrees of freedom (default) or from a
pairs bootstrap (``ci="bootstrap"``, percentile intervals).

Random walk with drift on the logarithm (Farmer & Lafond 2016, Research Policy 45:647, eq. 8
without the autocorrelation term), for irregular spacing: each step Δy_i = μ·Δt_i + σ·√Δt_i·ε_i,
so μ = (y_last − y_first) / (t_last − t_first) and σ² = Σ(Δy_i − μΔt_i)²/Δt_i / (m − 1).

Wright's law (Wright 1936): cost ∝ Q^(−w) in cumulative production Q; the cost falls by
``1 − 2^(−w)`` per doubling of Q. With Q growing at rate g a year, the rate in time is
m = w·g (Sahal 1979; Nagy et al. 2013, PLoS ONE 8:e52669, eq. 3).

Results are objects with ``conf_int(level)``, ``summary()`` and ``to_dict()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import InputError
from ..results import NotebookMixin
from ..units import show

LN2 = math.log(2.0)
DEFAULT_LEVEL = 0.90
MIN_POINTS = 2


def _t_quantile(level: float, dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, dof)) if dof > 0 else math.inf


def _check_level(level: float) -> float:
    if not (isinstance(level, (int, float)) and 0.0 < level < 1.0):
        raise InputError(f"got {level!r}; allowed: a fraction between 0 and 1 (e.g. 0.9)", field="level")
    return float(level)


def _number(value, field: str, *, above: float = -math.inf, below: float = math.inf) -> float:
    """``value`` as a float, finite and strictly between ``above`` and ``below``; InputError naming ``field``."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if math.isfinite(v) and above < v < below:
            return v
    lo = "" if above == -math.inf else f" > {above:g}"
    hi = "" if below == math.inf else f"{' and' if lo else ''} < {below:g}"
    raise InputError(f"got {show(value)}; allowed: a finite number{lo}{hi}", field=field)


def _prepare(t, y, what="value"):
    try:
        t = np.asarray(t, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"got {show(t)} and {show(y)}; allowed: sequences of numbers (dates as decimal years)",
                         field="series") from None
    if t.shape != y.shape:
        raise InputError(f"times ({t.size}) and values ({y.size}) differ in length", field="series")
    if not np.all(np.isfinite(t)):
        raise InputError("has a date that is not a finite number", field="series")
    if not np.all(np.isfinite(y) & (y > 0)):
        raise InputError(f"every {what} must be a finite number > 0 to fit on a log scale", field="series")
    if t.size < MIN_POINTS:
        raise InputError(f"too few points to fit a trend: {t.size}; need at least {MIN_POINTS} with different dates",
                         field="series")
    if np.ptp(t) == 0:
        raise InputError("all points have the same date; a trend needs at least two different dates", field="series")
    return t, y


class _Rate(NotebookMixin):
    """Rate properties shared by every fit with a slope ``b`` in ln units per year."""

    _report_kind = "trend"  #: notebook display: the report sections of a trend

    slope_per_year: float

    @property
    def factor_per_year(self) -> float:
        """Multiplicative change per year, e^b. [1/year]"""
        return math.exp(self.slope_per_year)

    @property
    def annual_decline(self) -> float:
        """1 − e^b: the fraction by which the value falls each year (negative when it rises). [fraction]"""
        return 1.0 - math.exp(self.slope_per_year)

    @property
    def halving_time_years(self) -> float | None:
        """ln 2 / (−b) when falling, else None. [year]"""
        return LN2 / -self.slope_per_year if self.slope_per_year < 0 else None

    @property
    def doubling_time_years(self) -> float | None:
        """ln 2 / b when rising, else None. [year]"""
        return LN2 / self.slope_per_year if self.slope_per_year > 0 else None

    @property
    def oom_per_year(self) -> float:
        """Orders of magnitude per year, b / ln 10. [OOM/year]"""
        return self.slope_per_year / math.log(10.0)

    def _rate_intervals(self, lo: float, hi: float) -> dict:
        """Intervals of every derived rate from an interval [lo, hi] of the slope."""
        f = (math.exp(lo), math.exp(hi))

        def _time(a, b, sign):  # ln2/(sign*slope) over the slope interval; None when it spans zero
            if sign * a > 0 and sign * b > 0:
                return sorted((LN2 / (sign * a), LN2 / (sign * b)))
            return None

        return {"slope_per_year": [lo, hi], "factor_per_year": list(f), "annual_decline": [1 - f[1], 1 - f[0]],
                "halving_time_years": _time(lo, hi, -1), "doubling_time_years": _time(lo, hi, 1),
                "oom_per_year": [lo / math.log(10), hi / math.log(10)]}

    def _rate_dict(self) -> dict:
        return {"annual_decline": self.annual_decline, "factor_per_year": self.factor_per_year,
                "halving_time_years": self.halving_time_years, "doubling_time_years": self.doubling_time_years,
                "slope_per_year": self.slope_per_year, "oom_per_year": self.oom_per_year}


@dataclass(frozen=True)
class ExponentialTrend(_Rate):
    """Least-squares fit of ln(value) on time [decimal years]; see the module docstring."""

    slope_per_year: float  #: b [ln units / year]
    intercept: float  #: ln(value) at ``t_mean``
    t_mean: float  #: mean date of the points [year]
    sxx: float  #: Σ(t − t̄)² [year²]
    sigma: float  #: residual standard deviation of ln(value); NaN with 2 points
    n: int
    t_min: float
    t_max: float
    level: float = DEFAULT_LEVEL
    ci: str = "t"  #: "t" | "bootstrap"
    boot_slopes: np.ndarray | None = field(default=None, repr=False, compare=False)
    unit: str = ""
    name: str = ""
    points: str = "all"  #: which points were fitted: "all" | "records"

    @property
    def dof(self) -> int:
        return self.n - 2

    @property
    def se_slope(self) -> float:
        return self.sigma / math.sqrt(self.sxx) if self.dof > 0 else math.nan

    def predict(self, year):
        """Median (fitted) value at ``year`` [value units]; arrays broadcast."""
        with np.errstate(over="ignore", under="ignore"):  # 0 or inf far out; callers check finiteness
            return np.exp(self.intercept + self.slope_per_year * (np.asarray(year, dtype=float) - self.t_mean))

    def slope_interval(self, level: float | None = None) -> tuple[float, float]:
        level = _check_level(self.level if level is None else level)
        if self.ci == "bootstrap" and self.boot_slopes is not None and self.boot_slopes.size:
            lo, hi = np.quantile(self.boot_slopes, [0.5 - level / 2, 0.5 + level / 2])
            return float(lo), float(hi)
        if self.dof <= 0:
            return (-math.inf, math.inf)
        h = _t_quantile(level, self.dof) * self.se_slope
        return self.slope_per_year - h, self.slope_per_year + h

    def conf_int(self, level: float | None = None) -> dict:
        """Confidence intervals at ``level`` of slope, factor per year, annual decline, halving/doubling time."""
        return self._rate_intervals(*self.slope_interval(level))

    def interval(self, year, level: float | None = None, kind: str = "obs"):
        """(low, high) at ``year``: ``obs`` for a new observation, ``mean`` for the trend line itself.

        OLS: se² = σ²·(1[obs] + 1/n + (t − t̄)²/Sxx); quantile of Student's t, n − 2 dof.
        """
        level = _check_level(self.level if level is None else level)
        t = np.asarray(year, dtype=float)
        if self.dof <= 0:
            inf = np.full_like(t, math.inf)
            return np.zeros_like(t), inf
        se = self.sigma * np.sqrt((1.0 if kind == "obs" else 0.0) + 1.0 / self.n + (t - self.t_mean) ** 2 / self.sxx)
        q = _t_quantile(level, self.dof)
        mid = self.intercept + self.slope_per_year * (t - self.t_mean)
        with np.errstate(over="ignore", under="ignore"):  # far bounds may be 0 or inf; callers check
            return np.exp(mid - q * se), np.exp(mid + q * se)

    def to_dict(self, level: float | None = None) -> dict:
        level = self.level if level is None else level
        ci = self.conf_int(level)
        return {"model": "exponential", "series": self.name, "unit": self.unit, "points": self.points,
                **self._rate_dict(), "annual_decline_ci": ci["annual_decline"], "factor_per_year_ci": ci["factor_per_year"],
                "halving_time_years_ci": ci["halving_time_years"], "doubling_time_years_ci": ci["doubling_time_years"],
                "slope_per_year_ci": ci["slope_per_year"], "level": level, "ci_method": self.ci,
                "n_points": self.n, "start_year": self.t_min, "end_year": self.t_max,
                "residual_sd_ln": None if not math.isfinite(self.sigma) else self.sigma,
                "value_at_start": float(self.predict(self.t_min)), "value_at_end": float(self.predict(self.t_max))}

    def summary(self, level: float | None = None) -> str:
        return _summary(self, "Exponential trend (OLS on ln value)", level)


@dataclass(frozen=True)
class RandomWalkTrend(_Rate):
    """Random walk with drift on ln(value), fitted to irregularly spaced points (Farmer & Lafond 2016)."""

    slope_per_year: float  #: drift μ [ln units / year]
    sigma: float  #: noise per √year [ln units / √year]
    t_first: float
    t_last: float
    y_last: float  #: ln(value) of the last point
    m: int  #: number of steps (points − 1)
    level: float = DEFAULT_LEVEL
    unit: str = ""
    name: str = ""
    points: str = "records"

    @property
    def n(self) -> int:
        return self.m + 1

    @property
    def t_min(self) -> float:
        return self.t_first

    @property
    def t_max(self) -> float:
        return self.t_last

    @property
    def span(self) -> float:
        return self.t_last - self.t_first

    def slope_interval(self, level: float | None = None) -> tuple[float, float]:
        level = _check_level(self.level if level is None else level)
        if self.m < 2:
            return (-math.inf, math.inf)
        h = _t_quantile(level, self.m - 1) * self.sigma / math.sqrt(self.span)
        return self.slope_per_year - h, self.slope_per_year + h

    def conf_int(self, level: float | None = None) -> dict:
        return self._rate_intervals(*self.slope_interval(level))

    def predict(self, year):
        """Median forecast from the last point: exp(y_last + μ·(t − t_last))."""
        with np.errstate(over="ignore", under="ignore"):  # 0 or inf far out; callers check finiteness
            return np.exp(self.y_last + self.slope_per_year * (np.asarray(year, dtype=float) - self.t_last))

    def interval(self, year, level: float | None = None, kind: str = "obs"):
        """(low, high) at ``year``: variance σ²·(τ + τ²/T) for horizon τ and fit span T (``obs``), σ²τ²/T (``mean``)."""
        level = _check_level(self.level if level is None else level)
        tau = np.maximum(np.asarray(year, dtype=float) - self.t_last, 0.0)
        if self.m < 2:
            return np.zeros_like(tau), np.full_like(tau, math.inf)
        var = self.sigma ** 2 * ((tau if kind == "obs" else 0.0) + tau ** 2 / self.span)
        q = _t_quantile(level, self.m - 1)
        mid = self.y_last + self.slope_per_year * tau
        with np.errstate(over="ignore", under="ignore"):  # far bounds may be 0 or inf; callers check
            return np.exp(mid - q * np.sqrt(var)), np.exp(mid + q * np.sqrt(var))

    def to_dict(self, level: float | None = None) -> dict:
        level = self.level if level is None else level
        ci = self.conf_int(level)
        return {"model": "random-walk-drift", "series": self.name, "unit": self.unit, "points": self.points,
                **self._rate_dict(), "annual_decline_ci": ci["annual_decline"], "factor_per_year_ci": ci["factor_per_year"],
                "halving_time_years_ci": ci["halving_time_years"], "doubling_time_years_ci": ci["doubling_time_years"],
                "slope_per_year_ci": ci["slope_per_year"], "level": level, "ci_method": "t",
                "n_points": self.n, "start_year": self.t_first, "end_year": self.t_last,
                "sigma_per_sqrt_year": self.sigma, "value_at_end": math.exp(self.y_last)}

    def summary(self, level: float | None = None) -> str:
        return _summary(self, "Random walk with drift on ln value (Farmer & Lafond 2016)", level)


def _fmt_range(v, fmt):
    return "n/a" if v is None else f"[{fmt(v[0])}, {fmt(v[1])}]"


def _summary(fit, title, level):
    level = fit.level if level is None else level
    ci = fit.conf_int(level)
    pct = lambda v: f"{100 * v:.1f}%"
    x = lambda v: f"{v:.3g}x"
    yr = lambda v: f"{v:.3g} y"
    lines = [f"{title}: {fit.name or 'series'} ({fit.n} points, {fit.t_min:.1f}-{fit.t_max:.1f}, {fit.points})",
             f"  annual decline   {pct(fit.annual_decline):>9}   {int(level * 100)}% CI {_fmt_range(ci['annual_decline'], pct)}",
             f"  factor per year  {x(fit.factor_per_year):>9}   {int(level * 100)}% CI {_fmt_range(ci['factor_per_year'], x)}"]
    if fit.halving_time_years:
        lines.append(f"  halving time     {yr(fit.halving_time_years):>9}   {int(level * 100)}% CI {_fmt_range(ci['halving_time_years'], yr)}")
    if fit.doubling_time_years:
        lines.append(f"  doubling time    {yr(fit.doubling_time_years):>9}   {int(level * 100)}% CI {_fmt_range(ci['doubling_time_years'], yr)}")
    return "\n".join(lines)


# ---- fitting ------------------------------------------------------------------------------------
def fit_exponential(years, values, *, level: float = DEFAULT_LEVEL, ci: str = "t", n_boot: int = 2000,
                    seed: int | None = 0, unit: str = "", name: str = "", points: str = "all") -> ExponentialTrend:
    """Fit ln(value) = a + b·(t − t̄) by least squares.

    years: dates [decimal year]; values: > 0 [any unit]; ci: ``t`` (Student's t) or ``bootstrap``
    (pairs bootstrap with ``n_boot`` resamples, percentile interval).
    """
    _check_level(level)
    if ci not in ("t", "bootstrap"):
        raise InputError(f"got {ci!r}; allowed: t, bootstrap", field="ci")
    t, y = _prepare(years, values)
    ly = np.log(y)
    t_mean = float(t.mean())
    dt_ = t - t_mean
    sxx = float(dt_ @ dt_)
    b = float(dt_ @ (ly - ly.mean()) / sxx)
    a = float(ly.mean())
    resid = ly - a - b * dt_
    sigma = math.sqrt(float(resid @ resid) / (t.size - 2)) if t.size > 2 else math.nan
    boot = bootstrap_slopes(t, ly, n_boot, seed) if ci == "bootstrap" else None
    return ExponentialTrend(b, a, t_mean, sxx, sigma, int(t.size), float(t.min()), float(t.max()), level, ci, boot,
                            unit, name, points)


def bootstrap_slopes(t, ly, n_boot: int = 2000, seed: int | None = 0) -> np.ndarray:
    """OLS slopes of ``n_boot`` pairs-bootstrap resamples (vectorised; degenerate resamples dropped)."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise InputError(f"got {show(n_boot)}; allowed: a whole number >= 2 of resamples", field="n_boot")
    t, ly = np.asarray(t, dtype=float), np.asarray(ly, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, t.size, size=(int(n_boot), t.size))
    tb, yb = t[idx], ly[idx]
    tc = tb - tb.mean(axis=1, keepdims=True)
    sxx = np.einsum("ij,ij->i", tc, tc)
    ok = sxx > 1e-12
    return np.einsum("ij,ij->i", tc[ok], yb[ok]) / sxx[ok]


def fit_random_walk(years, values, *, level: float = DEFAULT_LEVEL, unit: str = "", name: str = "",
                    points: str = "records") -> RandomWalkTrend:
    """Random walk with drift on ln(value) over irregularly spaced points (same-date points averaged in logs)."""
    _check_level(level)
    t, y = _prepare(years, values)
    t, inv = np.unique(t, return_inverse=True)  # one point per date: the mean of ln(value)
    ly = np.bincount(inv, weights=np.log(y)) / np.bincount(inv)
    if t.size < 2:
        raise InputError("too few points with different dates for a random walk: need at least 2", field="series")
    dt_, dy = np.diff(t), np.diff(ly)
    mu = float((ly[-1] - ly[0]) / (t[-1] - t[0]))
    m = int(dt_.size)
    sigma = math.sqrt(float(np.sum((dy - mu * dt_) ** 2 / dt_)) / (m - 1)) if m > 1 else math.nan
    return RandomWalkTrend(mu, sigma, float(t[0]), float(t[-1]), float(ly[-1]), m, level, unit, name, points)


def fit_series(series, *, method: str = "ols", points: str = "default", level: float = DEFAULT_LEVEL,
               ci: str = "t", since=None, until=None):
    """Fit a :class:`costcurve.trends.series.Series`: ``method`` ``ols`` (exponential trend), ``rwd`` (random walk
    with drift) or ``auto`` (``rwd`` on records, ``ols`` on all points; the choice the backtests support)."""
    s = series.between(since, until).select(points)
    which = s.default_points if points == "default" else points
    if method == "auto":  # backtested choice, see costcurve.trends.forecast
        method = "rwd" if which == "records" else "ols"
    if method == "ols":
        return fit_exponential(s.years, s.values, level=level, ci=ci, unit=s.unit, name=s.name, points=which)
    if method == "rwd":
        return fit_random_walk(s.years, s.values, level=level, unit=s.unit, name=s.name, points=which)
    raise InputError(f"got {method!r}; allowed: ols, rwd, auto", field="method")


# ---- Wright's law -------------------------------------------------------------------------------
@dataclass(frozen=True)
class WrightTrend:
    """cost = A·Q^(−w): least squares of ln cost on ln cumulative production Q."""

    exponent: float  #: w [1]
    se_exponent: float
    intercept: float  #: ln A
    n: int
    sigma: float
    level: float = DEFAULT_LEVEL
    name: str = ""
    production_growth_per_year: float | None = None  #: g, when given: turns the rate into one in time [fraction]

    @property
    def progress_ratio(self) -> float:
        """Cost after a doubling of cumulative production / before, 2^(−w). [fraction]"""
        return 2.0 ** -self.exponent

    @property
    def learning_rate(self) -> float:
        """Fractional cost decline per doubling of cumulative production, 1 − 2^(−w). [fraction]"""
        return 1.0 - 2.0 ** -self.exponent

    def conf_int(self, level: float | None = None) -> dict:
        level = _check_level(self.level if level is None else level)
        h = _t_quantile(level, self.n - 2) * self.se_exponent if self.n > 2 else math.inf
        lo, hi = self.exponent - h, self.exponent + h
        return {"exponent": [lo, hi], "learning_rate": [1 - 2.0 ** -lo, 1 - 2.0 ** -hi],
                "progress_ratio": [2.0 ** -hi, 2.0 ** -lo]}

    def annual_decline(self, cumulative_growth_per_year: float) -> float:
        """Decline a year when Q grows by ``cumulative_growth_per_year`` (fraction): 1 − (1 + g)^(−w)."""
        return wright_to_time(self.exponent, cumulative_growth_per_year)

    def predict(self, cumulative):
        return np.exp(self.intercept - self.exponent * np.log(np.asarray(cumulative, dtype=float)))

    def to_dict(self, level: float | None = None) -> dict:
        level = self.level if level is None else level
        ci = self.conf_int(level)
        return {"model": "wright", "series": self.name, "exponent": self.exponent, "exponent_ci": ci["exponent"],
                "learning_rate": self.learning_rate, "learning_rate_ci": ci["learning_rate"],
                "progress_ratio": self.progress_ratio, "level": level, "n_points": self.n,
                **({} if self.production_growth_per_year is None else {
                    "production_growth_per_year": self.production_growth_per_year,
                    "annual_decline": self.annual_decline(self.production_growth_per_year)})}

    def summary(self, level: float | None = None) -> str:
        level = self.level if level is None else level
        ci = self.conf_int(level)
        return (f"Wright's law: {self.name or 'series'} ({self.n} points)\n"
                f"  cost per doubling of cumulative production: -{100 * self.learning_rate:.1f}% "
                f"({int(level * 100)}% CI {100 * ci['learning_rate'][0]:.1f}% to {100 * ci['learning_rate'][1]:.1f}%)\n"
                f"  exponent w = {self.exponent:.3g}" + ("" if self.production_growth_per_year is None else
                f"\n  with cumulative production growing {100 * self.production_growth_per_year:.0f}% a year: "
                f"{100 * self.annual_decline(self.production_growth_per_year):.1f}% decline a year "
                "(Nagy et al. 2013, m = w*g)"))


def fit_wright(cumulative, values, *, level: float = DEFAULT_LEVEL, name: str = "") -> WrightTrend:
    """Fit Wright's law cost = A·Q^(−w) on cumulative production Q [units] and cost [any unit]."""
    _check_level(level)
    q, y = _prepare(cumulative, values, "value and cumulative production")
    if np.any(q <= 0):
        raise InputError("cumulative production must be > 0", field="cumulative")
    lq, ly = np.log(q), np.log(y)
    lc = lq - lq.mean()
    sxx = float(lc @ lc)
    w = -float(lc @ (ly - ly.mean()) / sxx)
    a = float(ly.mean() + w * lq.mean())
    resid = ly - (a - w * lq)
    sigma = math.sqrt(float(resid @ resid) / (q.size - 2)) if q.size > 2 else math.nan
    return WrightTrend(w, sigma / math.sqrt(sxx) if q.size > 2 else math.nan, a, int(q.size), sigma, level, name)


def fit_series_wright(series, *, level: float = DEFAULT_LEVEL, production_growth: float | None = None) -> WrightTrend:
    """Wright's law on a series whose every point carries ``cumulative`` production (a CSV column).

    production_growth: yearly growth g of cumulative production [fraction], e.g. 0.5; when given the
    fit also states the implied annual decline 1 − (1 + g)^(−w).
    """
    pts = [p for p in series.points if p.extra.get("cumulative")]
    if not pts or len(pts) != len(series.points):
        raise InputError("Wright's law needs a 'cumulative' column (cumulative production) on every row",
                         field="csv")
    if production_growth is not None and not (isinstance(production_growth, (int, float))
                                              and math.isfinite(production_growth) and production_growth > -1):
        raise InputError(f"got {production_growth!r}; allowed: a growth rate > -1 (e.g. 0.5 for +50% a year)",
                         field="production_growth")
    fit = fit_wright([p.extra["cumulative"] for p in pts], [p.value for p in pts], level=level, name=series.name)
    if production_growth is None:
        return fit
    return replace(fit, production_growth_per_year=float(production_growth))


def wright_to_time(exponent: float, cumulative_growth_per_year: float) -> float:
    """Annual decline implied by Wright's law, 1 − (1 + g)^(−w) (Nagy et al. 2013: m = w·g in logs).

    exponent: w [1]; cumulative_growth_per_year: growth of cumulative production g [fraction/year].
    """
    w = _number(exponent, "exponent")
    g = _number(cumulative_growth_per_year, "cumulative_growth_per_year", above=-1.0)
    return 1.0 - (1.0 + g) ** -w


def exponent_from_learning_rate(learning_rate: float) -> float:
    """w from the decline per doubling: w = −log2(1 − learning_rate)."""
    return -math.log2(1.0 - _number(learning_rate, "learning_rate", below=1.0))


def compose_declines(*declines: float) -> float:
    """Total annual decline of a product of independent factors: 1 − Π(1 − d_i) (as ARK composes them)."""
    prod = 1.0
    for d in declines:
        prod *= 1.0 - _number(d, "declines", below=1.0)  # a decline of 1 (100%) or more leaves nothing
    return 1.0 - prod


def decline_from_halving_time(years: float) -> float:
    """Annual decline of a quantity that halves every ``years``: 1 − 2^(−1/years)."""
    return 1.0 - 2.0 ** (-1.0 / _number(years, "years", above=0.0))


def decline_between(value_start: float, value_end: float, years: float) -> float:
    """Constant annual decline that takes ``value_start`` to ``value_end`` in ``years``: 1 − (end/start)^(1/years)."""
    start, end = _number(value_start, "value_start", above=0.0), _number(value_end, "value_end", above=0.0)
    return 1.0 - (end / start) ** (1.0 / _number(years, "years", above=0.0))
