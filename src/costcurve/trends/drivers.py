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
``saturating``  the least value at the level so far (FLOP needed, active parameters) approaches a
                floor ``F`` (:data:`FLOOR_FACTOR` below the last record). It moves only when a new
                record arrives: records arrive as a Poisson process (rate: the posterior Gamma(jumps,
                span) of the observed ones) and each removes a share of the remaining log distance to
                the floor, d = ln(x / F): ln d drops by an exponential size whose mean is drawn from
                its posterior given the observed drops (few records: a wide spread of sizes). So x never
                goes below F, its fall slows as it nears it (a saturating form, not an unbounded drift),
                it never rises, and at short horizons "no new record yet" keeps its probability.

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

    def until(self, year) -> DriverHistory:
        """Only the points dated before ``year`` (None: all)."""
        if year is None:
            return self
        keep = self.years < year
        return replace(self, years=self.years[keep], values=self.values[keep],
                       labels=tuple(np.asarray(self.labels, dtype=object)[keep]) if self.labels else ())

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
                       labels=tuple(np.asarray(self.labels, dtype=object)[k]) if self.labels else ())


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
    slope: float  #: trend: b; saturating: drift of ln d [1/year]
    se_slope: float  #: [1/year]
    sigma: float  #: trend: residual sd of ln value; saturating: sd of ln d per √year
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
    jumps: tuple = ()  #: saturating: drops of ln d at each record after the first [1]

    def value_at(self, year: float) -> float:
        """The driver's central value at a date [unit]: the trend line, or the record in force then."""
        if self.kind == "trend":
            return float(math.exp(self.intercept + self.slope * (year - self.t_max)))
        i = int(np.searchsorted(np.asarray(self.record_years), year, side="right")) - 1
        return float(self.record_values[max(i, 0)])

    def sample_log_ratio(self, anchor_year: float, years, z_slope, z_noise, rng=None) -> np.ndarray:
        """Draws of ln(x(t) / x(anchor_year)), shape (samples, years); z: standard-normal draws (samples,).

        trend: z_slope draws the slope, z_noise the scatter. saturating: z_slope draws the rate of new
        records, z_noise how many arrive (a Poisson quantile, so a draw's count only grows with the horizon);
        ``rng`` draws their sizes from the observed ones."""
        from scipy import stats

        years = np.atleast_1d(np.asarray(years, dtype=float))
        tq = lambda z: stats.t.ppf(stats.norm.cdf(z), self.dof)[:, None]  # noqa: E731  Gaussian copula -> t(dof)
        zs, zn = tq(np.asarray(z_slope)), tq(np.asarray(z_noise))
        if self.kind == "trend":
            tau = np.maximum(years - anchor_year, 0.0)[None, :]
            ou = np.sqrt(1.0 - np.exp(-2.0 * tau / SCATTER_YEARS))  # OU deviation around the line, from the anchor
            out = (self.slope + self.se_slope * zs) * tau + self.sigma * ou * zn
            anchor = self.value_at(anchor_year)
            return np.maximum(out, math.log(self.lower_bound / anchor)) if self.lower_bound > 0 else out
        # saturating records: a compound Poisson process in ln d from the last observation, read at anchor and years
        if rng is None:
            rng = np.random.default_rng(0)
        jumps = np.asarray(self.jumps, dtype=float)
        span = max(self.t_max - self.t_min, 1e-9)
        n = zs.shape[0]
        u_rate, u_count = stats.norm.cdf(np.asarray(z_slope)), stats.norm.cdf(np.asarray(z_noise))
        rate = stats.gamma.ppf(u_rate, jumps.size, scale=1.0 / span)  # records a year: posterior of n jumps in span
        tau = np.maximum(np.concatenate([[anchor_year], years]) - self.t_obs, 0.0)
        count = stats.poisson.ppf(u_count[:, None], rate[:, None] * tau[None, :])
        count = np.minimum(np.nan_to_num(count, nan=0.0), MAX_JUMPS).astype(int)
        # sizes: exponential, its mean drawn from the posterior of the observed drops (1/mean ~ Gamma(k, 1/sum))
        mean = 1.0 / rng.gamma(jumps.size, 1.0 / max(float(jumps.sum()), 1e-9), size=(n, 1))
        drops = np.concatenate([np.zeros((n, 1)), np.cumsum(rng.exponential(1.0, size=(n, MAX_JUMPS)) * mean, axis=1)],
                               axis=1)
        ln_d = math.log(math.log(self.last_value / self.floor_value)) - np.take_along_axis(drops, count, axis=1)
        d = np.exp(ln_d)
        d_t = np.minimum(d[:, 1:], d[:, :1])  # records never rise
        known = math.log(self.last_value / self.value_at(anchor_year)) if anchor_year < self.t_obs else 0.0
        return d_t - d[:, :1] + known

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "what": self.what, "kind": self.kind, "n_points": self.n,
                "start_year": self.t_min, "end_year": self.t_max, "slope_per_year": self.slope,
                "se_slope_per_year": self.se_slope, "sigma": self.sigma, "last_value": self.last_value,
                "floor_value": self.floor_value or None, "source": self.source}


def _check_history(h: DriverHistory, min_points: int = MIN_DRIVER_POINTS):
    dates = np.unique(h.years)
    if dates.size < min_points or np.ptp(dates) < MIN_DRIVER_SPAN_YEARS:
        span = f", {h.years.min():.1f}-{h.years.max():.1f}" if h.years.size else ""
        raise InsufficientDataError(
            f"the driver '{h.name}' has {dates.size} dated point(s){span}; a forecast from the drivers needs at least "
            f"{min_points} on different dates spanning {MIN_DRIVER_SPAN_YEARS:g} years, so the data cannot support it",
            field="method")


def fit_driver(h: DriverHistory, *, floor_factor: float = FLOOR_FACTOR) -> DriverFit:
    """Fit one driver: OLS on ln value (``trend``) or records as jumps in ln(ln(x / floor)) (``saturating``)."""
    if h.kind == "trend":
        _check_history(h)
        from .fit import fit_exponential

        f = fit_exponential(h.years, h.values)
        res = np.log(h.values) - (f.intercept + f.slope_per_year * (h.years - f.t_mean))
        std = res / f.sigma if f.sigma > 0 else res
        a = f.intercept + f.slope_per_year * (f.t_max - f.t_mean)
        return DriverFit(h.name, h.unit, h.what, "trend", f.n, f.t_min, f.t_max, f.slope_per_year, f.se_slope, f.sigma,
                         f.dof, math.exp(a), 0.0, h.lower_bound, tuple(zip(h.years.tolist(), std.tolist())), a,
                         h.source, t_obs=f.t_max)
    r = h.records()
    _check_history(r)
    floor = float(r.values[-1]) / floor_factor
    d = np.log(r.values / floor)
    ln_d, t = np.log(d), r.years
    dt_, dy = np.diff(t), np.diff(ln_d)
    mu = float((ln_d[-1] - ln_d[0]) / (t[-1] - t[0]))
    m = dt_.size
    steps = (dy - mu * dt_) / np.sqrt(dt_)
    sigma = math.sqrt(float(steps @ steps) / (m - 1))
    span = float(t[-1] - t[0])
    return DriverFit(h.name, h.unit, h.what + f"; floor = last record / {floor_factor:g}", "saturating", int(t.size),
                     float(t[0]), float(t[-1]), mu, sigma / math.sqrt(span), sigma, m - 1, float(r.values[-1]), floor,
                     floor, tuple(zip(t[1:].tolist(), (steps / sigma if sigma > 0 else steps).tolist())), 0.0, h.source,
                     tuple(t.tolist()), tuple(r.values.tolist()), float(h.years.max()), tuple((-dy).tolist()))


# ---- the histories -----------------------------------------------------------------------------------
def _history(name, unit, what, kind, pts, source="", lower_bound=0.0) -> DriverHistory:
    pts = sorted((float(t), float(v), str(lab)) for t, v, lab in pts if v is not None and v > 0 and math.isfinite(v))
    years = np.array([p[0] for p in pts], dtype=float)
    values = np.array([p[1] for p in pts], dtype=float)
    return DriverHistory(name, unit, what, kind, years, values, tuple(p[2] for p in pts), source, lower_bound)


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


def active_params_history(series) -> DriverHistory:
    """Active parameters of each model at the level whose size is published (inference-price points). [count]"""
    pts = [(t, p.extra.get("active_params"), p.label) for p, t in zip(series.points, series.years)]
    return _history("smaller models", "active parameters", "active parameters of the smallest model at the level so "
                    "far whose size is published (FLOP per token = 2 x active parameters + attention)", "saturating",
                    pts, series.source)


#: serving settings of the margin's cost side: an interactive service decodes at >= 20 tokens/s per user
SERVING_TPOT_S = 0.05  #: time per output token target [s] (20 tokens/s per user)


def serving_cost(architecture: str, date, *, catalog=None) -> dict:
    """costcurve's cost of serving an open model at ``date`` [USD per 1M tokens, Epoch's 3:1 blend] and its
    realised FLOP utilisation: :func:`costcurve.serving.estimate.estimate_inference` on the common accelerator of the
    date (:func:`~costcurve.trends.bundled.era_default_gpu`) at on-demand prices, the chat query of
    :mod:`costcurve.serving.estimate`, and the largest batch that keeps 20 tokens/s per user."""
    from ..errors import CostcurveError
    from costcurve.serving.estimate import CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS, estimate_inference
    from .bundled import _catalog, era_default_gpu

    cat = _catalog(catalog)
    gpu = era_default_gpu(date)
    try:
        e = estimate_inference(model=architecture, gpu=gpu, date=date, catalog=cat, input_tokens=CHAT_INPUT_TOKENS,
                               output_tokens=CHAT_OUTPUT_TOKENS, max_time_per_output_token_s=SERVING_TPOT_S)
    except CostcurveError:
        return {}
    cin, cout = float(np.asarray(e.usd_per_million_input_tokens)), float(np.asarray(e.usd_per_million_output_tokens))
    if not (math.isfinite(cin) and math.isfinite(cout) and cin > 0 and cout > 0):
        return {}
    peak = cat.accelerator(e.gpu).peak_flop_per_s("16-bit") * float(np.asarray(e.gpus))
    flop_s = 2.0 * e.params_active * (float(np.asarray(e.tokens_per_second)) + float(np.asarray(e.input_tokens_per_second)))
    return {"usd_per_m_blended": 0.75 * cin + 0.25 * cout, "gpu": e.gpu, "gpus": float(np.asarray(e.gpus)),
            "batch": float(np.asarray(e.batch)), "flop_utilisation": flop_s / peak}


def margin_history(rows=None, *, catalog=None) -> DriverHistory:
    """API list price ÷ costcurve's serving cost of the same open model on the same date, one point per model
    and date (the median across providers, as the series uses). [1]"""
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
            pts.append((decimal_year(r.date), r.usd_per_m_blended / c["usd_per_m_blended"], r.model))
    h = _history("margin", "price / cost", "API list price over costcurve's serving cost of the same open model "
                 f"(on the common accelerator of the date, on-demand, {1 / SERVING_TPOT_S:g} tokens/s per user)",
                 "trend", pts, "costcurve api_prices table and serving model")
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
