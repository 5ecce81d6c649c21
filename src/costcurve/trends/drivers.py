"""The drivers of a cost at fixed capability, each a dated series with its own fitted trend.

    training cost  = training FLOP needed × USD per peak FLOP × 1 / realised utilisation (MFU)
    API price      = active parameters × USD per peak FLOP (serving) × price-to-cost margin

Each driver is a :class:`DriverHistory` (dated values, in the unit that multiplies the cost) and is
fitted by :func:`fit_driver` into a :class:`DriverFit` that draws the driver's change after an anchor
date (``sample_log_ratio``). Two kinds of fit:

``trend``       OLS on ln value (a scattered series: price-performance, MFU, margins); the change
                after the anchor is (b + se_b·z₁)·τ + σ·√(1 − e^(−2τ/τc))·z₂, z Student-t with n − 2
                dof: the slope's uncertainty and the scatter of a new observation around the line,
                reached over the correlation time τc (:data:`SCATTER_YEARS`).
``saturating``  the least value at the level so far (FLOP needed, active parameters): a record process
                (:mod:`costcurve.trends.records`): new records arrive as a Poisson process, each cuts
                ln x by a step drawn from the record steps of the family's levels, and x stops at the
                floor ``F`` (:data:`FLOOR_FACTOR` below the last record); the rate is partially pooled
                over the levels. So x never goes below F, never rises, and at short horizons "no new
                record yet" keeps its probability.

The driver histories are built from the bundled catalogs only (:func:`training_drivers`,
:func:`inference_drivers`); a history cut at a date (``until``) uses only points before it, which is
how the backtest refits them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import InputError
from ..units import decimal_year

#: a capability's floor: the least FLOP (parameters) at the level is taken never to fall below the last
#: record ÷ this. An assumption, not a measurement: the records show no approach to a limit yet. One order
#: of magnitude is about the shrink of the last 4 years at GPT-3 level (training FLOP 3.1e23 → 3.1e22,
#: 2020–2024) and keeps a 4-bit 8B model's ~4 GB of weights above the ~2 bits of knowledge per parameter
#: that Allen-Zhu & Li (2024, Physics of Language Models 3.3, arXiv:2404.05405) measure as the capacity
#: of a language model at 0.8B parameters.
FLOOR_FACTOR = 10.0
#: correlation time of a trend driver's scatter around its line [year]: the deviation is an Ornstein-Uhlenbeck
#: process started at the anchor, reaching the full scatter σ of a new observation over a few years (about one
#: product generation a year); without it a draw a week after the anchor would jump by the full scatter
SCATTER_YEARS = 1.0
MAX_JUMPS = 60  #: new records a saturating driver may set in one draw (far more than any horizon needs)
MIN_DRIVER_POINTS = 3  #: points (distinct dates) a driver needs for a fit with an interval
MIN_DRIVER_SPAN_YEARS = 0.5  #: and the span of their dates [year]
SIZE_DRIVER = "smaller models"  #: the inference size driver's name (the margin's covariate follows it)


class InsufficientDataError(InputError):
    """The data cannot support the forecast asked for (too few points, too short a span)."""


@dataclass(frozen=True)
class DriverHistory:
    """A driver's dated values [``unit``, the unit that multiplies the cost] and how to fit them."""

    name: str
    unit: str
    what: str
    kind: str  #: "trend" | "saturating"
    years: np.ndarray = field(repr=False)  #: [decimal year]
    values: np.ndarray = field(repr=False)  #: [unit]
    labels: tuple = ()
    source: str = ""
    lower_bound: float = 0.0  #: the value can never be below this (e.g. 1 / MFU >= 1) [unit]
    #: trend: ln of another driver's quantity at each point (the margin: ln active parameters of the model priced),
    #: a second regressor; the forecast moves this driver by ``elasticity`` × that driver's drawn ln change
    covariate: np.ndarray | None = field(default=None, repr=False)
    covariate_of: str = ""  #: the name of the driver whose quantity ``covariate`` is

    def until(self, year) -> DriverHistory:
        """Only the points dated before ``year`` (None: all)."""
        if year is None:
            return self
        keep = self.years < year
        return replace(self, years=self.years[keep], values=self.values[keep],
                       labels=tuple(np.asarray(self.labels, dtype=object)[keep]) if self.labels else (),
                       covariate=None if self.covariate is None else self.covariate[keep])

    def records(self) -> DriverHistory:
        """Points lower than every earlier one (the least-so-far curve); one per date."""
        order = np.lexsort((self.values, self.years))
        keep, best, last = [], math.inf, None
        for i in order:
            if self.years[i] == last:
                continue
            last = self.years[i]
            if self.values[i] < best:
                keep.append(i)
                best = self.values[i]
        k = np.array(keep, dtype=int)
        return replace(self, years=self.years[k], values=self.values[k],
                       labels=tuple(np.asarray(self.labels, dtype=object)[k]) if self.labels else (),
                       covariate=None if self.covariate is None else self.covariate[k])


@dataclass(frozen=True)
class DriverFit:
    """A fitted driver: draws of ln(x(t) / x(anchor)) for years after the anchor."""

    name: str
    unit: str
    what: str
    kind: str
    n: int
    t_min: float
    t_max: float
    slope: float  #: trend: b; saturating: expected drift of ln x before the floor (rate × mean step) [1/year]
    se_slope: float  #: [1/year]
    sigma: float  #: trend: residual sd of ln value; saturating: sd of the level's own steps in ln x
    dof: int
    last_value: float  #: trend: the fitted line at t_max; saturating: the last record [unit]
    floor_value: float = 0.0  #: saturating: the floor F [unit]
    lower_bound: float = 0.0  #: [unit]
    residuals: tuple = ()  #: (year, standardised residual) pairs, for the correlations between drivers
    intercept: float = 0.0  #: trend: ln value at t_max on the line
    source: str = ""
    record_years: tuple = ()  #: saturating: dates of the records [year]
    record_values: tuple = ()  #: saturating: the records [unit]
    t_obs: float = 0.0  #: date of the last observation (a record or not) [year]
    jumps: tuple = ()  #: saturating: drops of ln x at the level's own records after the first [1]
    drops: tuple = ()  #: saturating: the step sizes a new record draws from (the family's, pooled) [1]
    own_years: float = 0.0  #: saturating: years from the level's first record to its last observation [year]
    pool: object = None  #: saturating: the family's :class:`~costcurve.trends.records.RecordPool`, or None
    elasticity: float = 0.0  #: trend with a covariate: d ln x / d ln (the covariate's quantity) [1]
    se_elasticity: float = 0.0  #: [1]
    cov_slope_elasticity: float = 0.0  #: covariance of the slope and elasticity estimates [1/year]
    covariate_of: str = ""  #: the driver whose drawn ln change this one follows by ``elasticity``
    drift_weight: float = 1.0  #: trend: posterior weight of the model with a date term (BIC, vs the flat one) [1]
    flat: tuple = ()  #: trend: the flat model's (ln value at the mean covariate, elasticity, its se, sigma, dof)

    def value_at(self, year: float) -> float:
        """The driver's central value at a date [unit]: the trend line, or the record in force then."""
        if self.kind == "trend":
            return float(math.exp(self.intercept + self.slope * (year - self.t_max)))
        i = int(np.searchsorted(np.asarray(self.record_years), year, side="right")) - 1
        return float(self.record_values[max(i, 0)])

    def sample_log_ratio(self, anchor_year: float, years, z_slope, z_noise, rng=None, covariate_ratio=None) -> np.ndarray:
        """Draws of ln(x(t) / x(anchor_year)), shape (samples, years); z: standard-normal draws (samples,);
        ``years`` (years,), or (samples, years): a date per draw.

        trend: z_slope draws the slope, z_noise the scatter. saturating: z_slope draws the rate of new
        records, z_noise how many arrive (a Poisson quantile, so a draw's count only grows with the horizon);
        ``rng`` draws their sizes from the observed ones (:mod:`costcurve.trends.records`). A trend with a
        covariate adds elasticity × ``covariate_ratio`` (the drawn ln change of the driver it follows, shape as
        the result), the elasticity drawn from its estimate and the slope from its conditional given it."""
        from scipy import stats

        years = np.atleast_1d(np.asarray(years, dtype=float))
        if self.kind == "trend":  # years may also be (samples, years): a date per draw
            tau = np.maximum(years - anchor_year, 0.0)
            out = self._sample_trend(tau[None, :] if tau.ndim == 1 else tau, np.asarray(z_slope), np.asarray(z_noise),
                                     rng if rng is not None else np.random.default_rng(0), covariate_ratio)
            anchor = self.value_at(anchor_year)
            return np.maximum(out, math.log(self.lower_bound / anchor)) if self.lower_bound > 0 else out
        # saturating records: a compound Poisson process in ln x from the last observation, read at anchor and years
        from .records import sample_record_drops

        if years.ndim == 1:
            tau = np.maximum(np.concatenate([[anchor_year], years]) - self.t_obs, 0.0)
        else:  # a date per draw (the series' last new record by each year)
            tau = np.maximum(np.concatenate([np.full((years.shape[0], 1), anchor_year), years], axis=1) - self.t_obs, 0.0)
        fall = sample_record_drops(own_jumps=len(self.jumps), own_years=self.own_years, drops=self.drops,
                                   pool=self.pool, tau=tau, u_rate=stats.norm.cdf(np.asarray(z_slope)),
                                   u_count=stats.norm.cdf(np.asarray(z_noise)),
                                   rng=rng if rng is not None else np.random.default_rng(0),
                                   distance=math.log(self.last_value / self.floor_value), max_jumps=MAX_JUMPS)
        known = math.log(self.last_value / self.value_at(anchor_year)) if anchor_year < self.t_obs else 0.0
        return fall[:, :1] - fall[:, 1:] + known

    def _sample_trend(self, tau, z_slope, z_noise, rng, covariate_ratio) -> np.ndarray:
        """A trend driver's draws (see :meth:`sample_log_ratio`): each draw takes the drifting model with
        probability ``drift_weight`` and the flat one (no date term) otherwise."""
        from scipy import stats

        tq = lambda z, dof: stats.t.ppf(stats.norm.cdf(z), dof)[:, None]  # noqa: E731  Gaussian copula -> t(dof)
        ou = np.sqrt(1.0 - np.exp(-2.0 * tau / SCATTER_YEARS))  # OU deviation around the line, from the anchor
        follow = bool(self.covariate_of) and covariate_ratio is not None
        zc = rng.standard_normal(z_slope.shape[0]) if follow else None
        zs, zn = tq(z_slope, self.dof), tq(z_noise, self.dof)
        if follow:
            c = self.elasticity + self.se_elasticity * tq(zc, self.dof)
            k = self.cov_slope_elasticity / self.se_elasticity ** 2 if self.se_elasticity > 0 else 0.0
            cond = math.sqrt(max(self.se_slope ** 2 - k * self.cov_slope_elasticity, 0.0))
            out = (self.slope + k * (c - self.elasticity) + cond * zs) * tau + c * np.asarray(covariate_ratio)
        else:
            out = (self.slope + self.se_slope * zs) * tau
        out = out + self.sigma * ou * zn
        if self.drift_weight >= 1.0 or not self.flat:
            return out
        _, c0, se_c0, sigma0, dof0 = self.flat
        flat = sigma0 * ou * tq(z_noise, dof0)
        if follow:
            flat = flat + (c0 + se_c0 * tq(zc, dof0)) * np.asarray(covariate_ratio)
        pick = rng.uniform(size=z_slope.shape[0])[:, None] < self.drift_weight
        return np.where(pick, out, flat)

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "what": self.what, "kind": self.kind, "n_points": self.n,
                "start_year": self.t_min, "end_year": self.t_max, "slope_per_year": self.slope,
                "se_slope_per_year": self.se_slope, "sigma": self.sigma, "last_value": self.last_value,
                "floor_value": self.floor_value or None, "source": self.source,
                **({"drift_weight": self.drift_weight} if self.kind == "trend" else {}),
                **({"elasticity": self.elasticity, "se_elasticity": self.se_elasticity, "covariate_of": self.covariate_of}
                   if self.covariate_of else {})}


def _check_history(h: DriverHistory, min_points: int = MIN_DRIVER_POINTS):
    dates = np.unique(h.years)
    if dates.size < min_points or np.ptp(dates) < MIN_DRIVER_SPAN_YEARS:
        span = f", {h.years.min():.1f}-{h.years.max():.1f}" if h.years.size else ""
        raise InsufficientDataError(
            f"the driver '{h.name}' has {dates.size} dated point(s){span}; a forecast from the drivers needs at least "
            f"{min_points} on different dates spanning {MIN_DRIVER_SPAN_YEARS:g} years, so the data cannot support it",
            field="method")


def fit_driver(h: DriverHistory, *, floor_factor: float = FLOOR_FACTOR, pool=None) -> DriverFit:
    """Fit one driver: OLS on ln value (``trend``) or its records as a compound Poisson process in ln x above
    a floor (``saturating``; ``pool``: the family's :class:`~costcurve.trends.records.RecordPool`)."""
    if h.kind == "trend":
        # the covariate's term needs a date more than the date term alone; with fewer, the date alone
        follow = (h.covariate is not None and bool(h.covariate_of) and np.ptp(h.covariate) > 0
                  and np.unique(h.years).size > MIN_DRIVER_POINTS)
        _check_history(h)
        return _fit_trend(h, follow)
    return _fit_records(h, floor_factor, pool)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple:
    """Least squares: (coefficients, their covariance, residuals, residual sd, dof, BIC)."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    res = y - x @ beta
    n, k = x.shape
    rss = float(res @ res)
    dof = n - k
    sigma = math.sqrt(rss / dof) if dof > 0 else 0.0
    cov = sigma ** 2 * np.linalg.inv(x.T @ x)
    return beta, cov, res, sigma, dof, n * math.log(max(rss, 1e-300) / n) + k * math.log(n)


def _fit_trend(h: DriverHistory, follow: bool) -> DriverFit:
    """OLS of ln value on the date (and, when ``follow``, the covariate z): ln x = a + b·(t − t_max) [+ c·(z − z̄)],
    and the same model without the date term. Whether a driver drifts at all is uncertain where its slope is
    small against its scatter, so the forecast averages the two models with BIC weights, the large-sample
    posterior probability of each (Raftery 1995, "Bayesian model selection in social research", Sociological
    Methodology 25): hardware price-performance keeps its drift (weight ≈ 1); a ratio held in by competition
    or physics (the margin, 1 / MFU) whose slope is within its noise is mostly drawn flat."""
    t, ly = h.years, np.log(h.values)
    cols = [np.ones_like(t), t - t.max()] + ([h.covariate - h.covariate.mean()] if follow else [])
    x = np.column_stack(cols)
    if follow and np.linalg.matrix_rank(x) < x.shape[1]:  # the covariate moves with the date: not separable
        return _fit_trend(h, False)
    beta, cov, res, sigma, dof, bic = _ols(x, ly)
    beta0, cov0, _, sigma0, dof0, bic0 = _ols(np.delete(x, 1, axis=1), ly)
    weight = 1.0 / (1.0 + math.exp(min((bic - bic0) / 2.0, 700.0)))
    std = res / sigma if sigma > 0 else res
    a, b = float(beta[0]), float(beta[1])
    c, se_c, cov_bc = ((float(beta[2]), math.sqrt(cov[2, 2]), float(cov[1, 2])) if follow else (0.0, 0.0, 0.0))
    flat = (float(beta0[0]), float(beta0[1]) if follow else 0.0, math.sqrt(cov0[1, 1]) if follow else 0.0, sigma0,
            dof0) if dof0 > 0 else ()
    return DriverFit(h.name, h.unit, h.what, "trend", int(t.size), float(t.min()), float(t.max()), b,
                     math.sqrt(cov[1, 1]), sigma, dof, math.exp(a), 0.0, h.lower_bound,
                     tuple(zip(t.tolist(), std.tolist())), a, h.source, t_obs=float(t.max()), elasticity=c,
                     se_elasticity=se_c, cov_slope_elasticity=cov_bc, covariate_of=h.covariate_of if follow else "",
                     drift_weight=weight if flat else 1.0, flat=flat)


def _fit_records(h: DriverHistory, floor_factor: float, pool) -> DriverFit:
    """A saturating driver: its records as a compound Poisson process in ln x above the floor
    (:mod:`costcurve.trends.records`); the rate and step sizes pooled with ``pool`` (the family's levels)."""
    from .records import rate_summary, record_steps

    r = h.records()
    pooled = pool is not None and pool.levels >= 2 and len(pool.drops) >= MIN_DRIVER_POINTS
    if not pooled:
        _check_history(r)
    elif r.years.size == 0:
        raise InsufficientDataError(f"the driver '{h.name}' has no point at the level ({h.what.split(' (')[0]}), so "
                                    "there is no value to start from and the data cannot support a forecast from the "
                                    "drivers", field="method")
    floor = float(r.values[-1]) / floor_factor
    own = record_steps(h)
    jumps = np.array([x[2] for x in own], dtype=float)
    drops = pool.with_steps(own) if pooled else tuple(jumps.tolist())
    t = r.years
    own_years = float(h.years.max() - t[0])
    rate = rate_summary(jumps.size, own_years, pool if pooled else None)
    slope = -rate * float(np.mean(drops)) if drops else 0.0
    sd = float(np.std(jumps, ddof=1)) if jumps.size >= 2 else 0.0
    res = tuple(zip(t[1:].tolist(), ((jumps - jumps.mean()) / sd).tolist())) if sd > 0 else ()
    what = h.what + f"; floor = last record / {floor_factor:g}"
    if pooled:
        what += (f"; rate and step sizes pooled with {pool.levels} levels ({len(pool.drops)} distinct record steps, "
                 f"{pool.jumps / max(pool.exposure_years, 1e-9):.2g} a year a level)")
    return DriverFit(h.name, h.unit, what, "saturating", int(t.size), float(t[0]), float(h.years.max()), slope, 0.0, sd,
                     max(jumps.size - 1, 0), float(r.values[-1]), floor, floor, res, 0.0, h.source, tuple(t.tolist()),
                     tuple(r.values.tolist()), float(h.years.max()), tuple(jumps.tolist()), drops, own_years,
                     pool if pooled else None)


# ---- the histories -----------------------------------------------------------------------------------
def _history(name, unit, what, kind, pts, source="", lower_bound=0.0, covariate_of="") -> DriverHistory:
    """``pts``: (date, value, label), or with ``covariate_of`` (date, value, label, covariate); points without a
    positive finite value are left out, the rest in date order."""
    pts = sorted((float(p[0]), float(p[1]), str(p[2]), *p[3:]) for p in pts
                 if p[1] is not None and p[1] > 0 and math.isfinite(p[1]))
    years = np.array([p[0] for p in pts], dtype=float)
    values = np.array([p[1] for p in pts], dtype=float)
    cov = np.array([p[3] for p in pts], dtype=float) if covariate_of else None
    return DriverHistory(name, unit, what, kind, years, values, tuple(p[2] for p in pts), source, lower_bound, cov,
                         covariate_of)


def best_price_performance(catalog=None) -> DriverHistory:
    """USD per peak 16-bit FLOP of the best on-demand rental offer of each year (the inverse of the year's
    highest point of ``gpu-cloud-price-performance``). [USD/FLOP]"""
    from .bundled import get_series

    s = get_series("gpu-cloud-price-performance", catalog=catalog)
    best: dict = {}
    for p, t in zip(s.points, s.years):
        y = p.date.year
        if y not in best or p.value > best[y][1]:
            best[y] = (float(t), p.value, p.label)
    return _history("hardware price-performance", "USD per peak FLOP",
                    "best on-demand rental price-performance of each year (16-bit peak FLOP per USD, inverted)",
                    "trend", [(t, 1.0 / v, lab) for t, v, lab in best.values()], s.source)


def utilisation_history(catalog=None) -> DriverHistory:
    """1 / MFU of the published training runs in the runs table (model FLOP utilisation). [1]"""
    from .bundled import _catalog

    cat = _catalog(catalog)
    pts = [(decimal_year(r["publication_date"]), 1.0 / r["mfu"], r["run"]) for r in cat.mfu_runs if r.get("mfu")]
    return _history("realised utilisation", "1 / MFU", "published training runs' model FLOP utilisation, inverted "
                    "(runs table); MFU cannot exceed 1", "trend", pts, "costcurve mfu_runs table (sources per run)", 1.0)


def training_flop_history(series) -> DriverHistory:
    """Training FLOP of each model at the level (points of a training-cost series). [FLOP]"""
    pts = [(t, p.extra.get("training_flop"), p.label) for p, t in zip(series.points, series.years)]
    return _history("training FLOP needed", "FLOP", "least training FLOP of a model at the level so far "
                    "(algorithmic progress; compare Ho et al. 2024: halving every ~8 months)", "saturating", pts,
                    series.source)


def series_history(series) -> DriverHistory:
    """The series' own points as a history (its records are the record process the forecast is of). [series unit]"""
    pts = [(t, p.value, p.label) for p, t in zip(series.points, series.years)]
    return _history(series.name or "series", series.unit, "the series' own points", "saturating", pts, series.source)


def active_params_history(series) -> DriverHistory:
    """Active parameters of each model at the level whose size is published (inference-price points). [count]"""
    pts = [(t, p.extra.get("active_params"), p.label) for p, t in zip(series.points, series.years)]
    return _history(SIZE_DRIVER, "active parameters", "active parameters of the smallest model at the level so "
                    "far whose size is published (FLOP per token = 2 x active parameters + attention)", "saturating",
                    pts, series.source)


#: serving settings of the margin's cost side: an interactive service decodes at >= 20 tokens/s per user
SERVING_TPOT_S = 0.05  #: time per output token target [s] (20 tokens/s per user)


def serving_cost(architecture: str, date, *, catalog=None) -> dict:
    """costcurve's cost of serving an open model at ``date`` [USD per 1M tokens, Epoch's 3:1 blend] and its
    realised FLOP utilisation: :func:`costcurve.serving.estimate.estimate_inference` on the common accelerator of the
    date (:func:`~costcurve.trends.bundled.era_default_gpu`) at on-demand prices, the chat query of
    :mod:`costcurve.serving.estimate`, and the largest batch that keeps 20 tokens/s per user.

    A provider serves a model the cheapest way that meets its latency target, so the cost is the least over the
    weight formats the accelerator runs natively (its 16-bit format, and fp8 where the catalog gives it an fp8
    peak): Meta serves Llama 3.1 405B in fp8 on one 8-GPU H100 node (Llama Team 2024, "The Llama 3 Herd of Models",
    arXiv:2407.21783, sec. 6.2), where in 16 bits it needs two nodes and cannot keep 20 tokens/s per user beyond
    a batch of one on costcurve's step model."""
    from .bundled import _catalog, era_default_gpu

    cat = _catalog(catalog)
    gpu = era_default_gpu(date)
    formats = [None] + (["fp8"] if cat.accelerator(gpu).peak_flop_per_s_fp8 else [])
    costs = [c for c in (_serving_cost_at(architecture, gpu, date, dtype, cat) for dtype in formats) if c]
    return min(costs, key=lambda c: c["usd_per_m_blended"]) if costs else {}


def _serving_cost_at(architecture: str, gpu: str, date, dtype, cat) -> dict:
    """One weight format's serving cost (see :func:`serving_cost`); {} where the estimate refuses or is not finite."""
    from ..errors import CostcurveError
    from costcurve.serving.estimate import CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS, estimate_inference

    try:
        e = estimate_inference(model=architecture, gpu=gpu, date=date, catalog=cat, dtype=dtype,
                               input_tokens=CHAT_INPUT_TOKENS, output_tokens=CHAT_OUTPUT_TOKENS,
                               max_time_per_output_token_s=SERVING_TPOT_S)
    except CostcurveError:
        return {}
    cin, cout = float(np.asarray(e.usd_per_million_input_tokens)), float(np.asarray(e.usd_per_million_output_tokens))
    if not (math.isfinite(cin) and math.isfinite(cout) and cin > 0 and cout > 0):
        return {}
    peak = cat.accelerator(e.gpu).peak_flop_per_s(dtype or "16-bit") * float(np.asarray(e.gpus))
    flop_s = 2.0 * e.params_active * (float(np.asarray(e.tokens_per_second)) + float(np.asarray(e.input_tokens_per_second)))
    return {"usd_per_m_blended": 0.75 * cin + 0.25 * cout, "gpu": e.gpu, "gpus": float(np.asarray(e.gpus)),
            "batch": float(np.asarray(e.batch)), "flop_utilisation": flop_s / peak, "dtype": dtype or "16-bit",
            "params_active": float(e.params_active)}


def margin_history(rows=None, *, catalog=None) -> DriverHistory:
    """API list price ÷ costcurve's serving cost of the same open model on the same date, one point per model
    and date (the median across providers, as the series uses), with ln of the model's active parameters as a
    covariate: across the models priced on one date the margin falls with size (7–8B models at 4–13×,
    70B and larger at 0.9–2×; elasticity about −0.4), so a smaller model at the level brings a larger margin. [1]"""
    from .api_prices import price_points

    pts, cache = [], {}
    for r in price_points(rows):
        if not (r.open_weights and r.architecture):
            continue
        key = (r.architecture, r.date)
        if key not in cache:
            cache[key] = serving_cost(r.architecture, r.date, catalog=catalog)
        c = cache[key]
        if c:
            pts.append((decimal_year(r.date), r.usd_per_m_blended / c["usd_per_m_blended"], r.model,
                        math.log(c["params_active"])))
    h = _history("margin", "price / cost", "API list price over costcurve's serving cost of the same open model "
                 f"(on the common accelerator of the date, on-demand, {1 / SERVING_TPOT_S:g} tokens/s per user), "
                 "regressed on date and ln active parameters", "trend", pts, "costcurve api_prices table and serving "
                 "model", covariate_of=SIZE_DRIVER)
    utils = [c["flop_utilisation"] for c in cache.values() if c]
    return replace(h, what=h.what + (f"; realised serving FLOP utilisation median {np.median(utils):.2f}" if utils else ""))


def attention_share(architecture: str, input_tokens: float, output_tokens: float, *, catalog=None) -> float | None:
    """Share of a token's forward FLOP spent on attention scores at the query's length. [1]"""
    from ..errors import CostcurveError
    from ..flop import forward_flop_per_token_breakdown
    from .bundled import _catalog

    try:
        arch = _catalog(catalog).architecture(architecture)
    except CostcurveError:
        return None
    b = forward_flop_per_token_breakdown(arch, seq_len=input_tokens + output_tokens)
    return float(b["attention/scores"] / sum(b.values()))
