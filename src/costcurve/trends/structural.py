"""Structural forecast: a cost at fixed capability as the product of its drivers, bounded by physics.

    training:   cost(t)  = cost_a × F(t)/F(a) × H(t)/H(a) × U(t)/U(a)
                F: training FLOP needed at the level, H: USD per peak FLOP, U: 1 / MFU
    inference:  price(t) = price_a × N(t)/N(a) × H(t)/H(a) × M(t)/M(a)
                N: active parameters of the smallest model at the level, H: USD per peak FLOP (serving),
                M: API price over costcurve's serving cost of open models, which also follows N:
                   ln M moves by elasticity × ln(N(t)/N(a)) (smaller models are listed at larger
                   multiples of their cost, :func:`~costcurve.trends.drivers.margin_history`)

``a`` is the anchor: the last record (cheapest so far) of the series. Each driver is fitted on its own
data (:mod:`costcurve.trends.drivers`); a seeded Monte Carlo draws every driver's slope and noise, the
noise correlated between drivers as their standardised residuals are where they overlap in time (by
calendar year, at least 3 common years; otherwise 0). The series is the record in force, each record priced
at its own date, so the trend drivers reach it only at new records of the series: those arrive as a Poisson
process (rate partially pooled over the family's levels, :mod:`costcurve.trends.records`) and the trend
drivers are read at the date of the last one before each year. Two bounds hold in every draw:

* **floor**: cost >= capability floor × energy floor (:mod:`costcurve.trends.floors`): the least FLOP
  (training) or FLOP per 1M tokens (2 × the parameter floor, inference) at the electricity cost of a FLOP on
  the most efficient accelerator; USD per FLOP >= that electricity cost;
* **records never rise**: the cheapest way to reach a level today stays available, so cost <= cost_a.

The size driver (a record process of its own) reaches the record in force on its own clock for training cost:
a model that needs less training FLOP at a level is, priced at its later date, the cheapest at the level too
(11 of the 12 distinct training-FLOP records in the models catalog were also cost records,
:func:`~costcurve.trends.records.shared_records`). For API prices it reaches it only at a new price record:
7 of the 13 distinct records of the smallest sized model at a level were also price records (a smaller open
model is often not the cheapest offer, and closed models set most price records), so a smaller model lowers the
price record only when a cheaper price appears.

The result quacks like a fit (``predict``, ``interval``, ``t_min``, ``t_max``), so forecasts, ``when`` and
the backtests treat it like the ``ols`` and ``rwd`` trends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .drivers import (
    FLOOR_FACTOR,
    InsufficientDataError,
    active_params_history,
    attention_share,
    best_price_performance,
    fit_driver,
    margin_history,
    series_history,
    training_flop_history,
    utilisation_history,
)
from .fit import DEFAULT_LEVEL, _check_level
from .floors import energy_floor
from .records import record_pool, record_steps

SAMPLES = 4000  #: Monte Carlo draws of a structural forecast
MIN_OWN_RECORDS = 3  #: below this, a forecast notes that its size driver leans on the family's levels
STRUCTURAL_SERIES = ("gpt3-level", "training-cost", "inference-price")
TOKENS_PER_PRICE_UNIT = 1e6  #: the inference-price series is per 1M tokens


def structural_kind(series) -> str:
    """"training" or "inference" for a series the drivers describe; InputError naming the method otherwise."""
    if series.name == "inference-price":
        return "inference"
    if series.name in ("gpt3-level", "training-cost"):  # a cost at a fixed capability, points with training FLOP
        return "training"
    raise InputError(f"structural applies to series whose drivers costcurve knows ({', '.join(STRUCTURAL_SERIES)}); "
                     f"{series.name or 'this series'} has none: use ols, rwd or auto", field="method")


@dataclass(frozen=True)
class DriverData:
    """The full histories of a series' drivers (cut per backtest with ``until``)."""

    kind: str
    histories: tuple
    catalog: object = None
    pool: tuple = ()  #: the size driver's history at every level of the series' family (partial pooling)
    events: tuple = ()  #: the series' own points at every level of the family, for the rate of its records


def driver_data(series, *, catalog=None, pool=None) -> DriverData:
    """Build every driver history of ``series`` once (the margin needs the serving model on ~25 prices);
    ``pool``: the family's (size histories, series histories), :func:`~costcurve.trends.validation.family_histories`."""
    from .validation import family_histories, family_of

    kind = structural_kind(series)
    if kind == "training":
        hs = (training_flop_history(series), best_price_performance(catalog), utilisation_history(catalog))
    else:
        hs = (active_params_history(series), best_price_performance(catalog), margin_history(catalog=catalog))
    if pool is None:
        fam = family_of(series)
        pool = family_histories(fam, catalog=catalog) if fam else ((), ())
    return DriverData(kind, hs, catalog, *pool)


def _corr(fits) -> np.ndarray:
    """Correlations of the drivers' standardised residuals, by calendar year where >= 3 years overlap."""
    k = len(fits)
    c = np.eye(k)
    binned = []
    for f in fits:
        by: dict = {}
        for y, r in f.residuals:
            by.setdefault(int(math.floor(y)), []).append(r)
        binned.append({y: float(np.mean(v)) for y, v in by.items()})
    for i in range(k):
        for j in range(i + 1, k):
            common = sorted(set(binned[i]) & set(binned[j]))
            if len(common) >= 3:
                a = np.array([binned[i][y] for y in common])
                b = np.array([binned[j][y] for y in common])
                if a.std() > 0 and b.std() > 0:
                    c[i, j] = c[j, i] = float(np.clip(np.corrcoef(a, b)[0, 1], -0.95, 0.95))
    w, v = np.linalg.eigh(c)  # nearest positive semi-definite matrix, unit diagonal
    c = (v * np.maximum(w, 1e-6)) @ v.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


@dataclass(frozen=True)
class StructuralModel:
    """Fitted drivers of one series, anchored at its last record; see the module docstring."""

    name: str
    unit: str
    kind: str
    anchor_year: float  #: [year]
    anchor_value: float  #: [series unit]
    anchor_label: str
    drivers: tuple  #: DriverFit
    corr: np.ndarray = field(repr=False)
    energy: object = field(repr=False)  #: EnergyFloor
    floor_quantity: float = 0.0  #: training: FLOP; inference: FLOP per 1M tokens (at the capability floor)
    floor_what: str = ""
    t_min: float = 0.0
    n: int = 0
    level: float = DEFAULT_LEVEL
    samples: int = SAMPLES
    seed: int = 0
    attention: float | None = None  #: attention share of a token's FLOP (inference) [1]
    points: str = "records"
    notes: tuple = ()
    events: tuple | None = None  #: (own record steps, own years, RecordPool) of the series' records, or None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def t_max(self) -> float:
        return self.anchor_year

    def floor(self, years) -> np.ndarray:
        """The physical floor of the series at ``years``. [series unit]"""
        return self.floor_quantity * self.energy.usd_per_flop(years)

    def _draws(self, years, noise: bool = True):
        """(ln total (samples, years) with the bounds, ln ratio per driver before them)."""
        key = (tuple(np.round(np.atleast_1d(years), 9)), noise)
        if key in self._cache:
            return self._cache[key]
        years = np.atleast_1d(np.asarray(years, dtype=float))
        rng = np.random.default_rng(self.seed)
        k = len(self.drivers)
        zs = rng.standard_normal((k, self.samples))
        zn = np.linalg.cholesky(self.corr + 1e-12 * np.eye(k)) @ rng.standard_normal((k, self.samples))
        if not noise:
            zn = np.zeros_like(zn)
        at = (self._event_years(years, rng) if self.events is not None and noise
              else np.broadcast_to(years, (self.samples, years.size)))
        own = np.broadcast_to(years, at.shape) if self.kind == "training" else at  # when the size driver reaches it
        parts = []
        for i, d in enumerate(self.drivers):  # a driver with a covariate follows one drawn before it
            cov = next((p for p, e in zip(parts, self.drivers) if e.name == d.covariate_of), None) \
                if d.covariate_of else None
            parts.append(d.sample_log_ratio(self.anchor_year, own if d.kind == "saturating" else at, zs[i], zn[i], rng,
                                            covariate_ratio=cov))
        hw = next((i for i, d in enumerate(self.drivers) if d.name == "hardware price-performance"), None)
        if hw is not None:  # USD per FLOP never below the electricity cost of a FLOP
            h = self.drivers[hw]
            e = self.energy.usd_per_flop(at.ravel()).reshape(at.shape)
            parts[hw] = np.maximum(parts[hw], np.log(e / h.value_at(self.anchor_year)))
        ln_total = math.log(self.anchor_value) + np.sum(parts, axis=0)
        bounded = np.clip(ln_total, np.log(self.floor(years))[None, :], math.log(self.anchor_value))
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = (bounded, parts)
        return bounded, parts

    def _event_years(self, years, rng) -> np.ndarray:
        """(samples, years): the date of the last new record of the series at or before each year (the anchor
        if none yet). The record in force moves only when a cheaper model or price appears, so the trend
        drivers (hardware, utilisation, margin) reach it at those dates; records arrive as a Poisson process,
        the rate partially pooled over the family's levels (:mod:`costcurve.trends.records`).

        Drawn exactly, year after year in date order: a Poisson process has independent increments and, looking
        back from a date y, the time since its last event is Exp(λ); so the last event in (y', y] is at y − E,
        E ~ Exp(1)/λ, and there is none in it when E > y − y' (the last date then stays that of y')."""
        from scipy import stats

        k, span, pool = self.events
        a0, b0 = (pool.alpha0, pool.beta0) if pool is not None else (0.0, 0.0)
        rate = stats.gamma.ppf(rng.uniform(size=self.samples), max(a0 + k, 1e-9), scale=1.0 / max(b0 + span, 1e-9))
        order = np.argsort(years, kind="stable")
        back = rng.exponential(1.0, size=(self.samples, years.size)) / np.maximum(rate, 1e-12)[:, None]
        out = np.empty((self.samples, years.size))
        last, prev = np.full(self.samples, self.anchor_year), self.anchor_year
        for c, i in enumerate(order):
            y = max(float(years[i]), prev)
            hit = back[:, c] < y - prev  # an event in (prev, y]: the latest one is at y - back
            last = np.where(hit, y - back[:, c], last)
            out[:, i], prev = np.minimum(last, years[i]), y
        return out

    def predict(self, year):
        """Median of the draws at ``year`` [series unit]; arrays broadcast."""
        y = np.asarray(year, dtype=float)
        out = np.exp(np.median(self._draws(y.ravel())[0], axis=0))
        return out.reshape(y.shape) if y.ndim else float(out[0])

    def interval(self, year, level: float | None = None, kind: str = "obs"):
        """(low, high) quantiles of the draws at ``year``: ``obs`` with every noise term, ``mean`` with the
        drivers' slope uncertainty only."""
        level = _check_level(self.level if level is None else level)
        y = np.asarray(year, dtype=float)
        b = self._draws(y.ravel(), noise=(kind == "obs"))[0]
        lo, hi = np.exp(np.quantile(b, [0.5 - level / 2, 0.5 + level / 2], axis=0))
        return (lo.reshape(y.shape), hi.reshape(y.shape)) if y.ndim else (float(lo[0]), float(hi[0]))

    @property
    def slope_per_year(self) -> float:
        """Median ln change a year over the 5 years after the anchor. [1/year]"""
        return math.log(self.predict(self.anchor_year + 5.0) / self.anchor_value) / 5.0

    @property
    def factor_per_year(self) -> float:
        return math.exp(self.slope_per_year)

    @property
    def annual_decline(self) -> float:
        return 1.0 - self.factor_per_year

    def driver_summary(self, year: float, level: float | None = None) -> list[dict]:
        """Each driver's factor a year to ``year`` (median and interval) and its share of the variance of ln cost."""
        level = _check_level(self.level if level is None else level)
        tau = max(year - self.anchor_year, 1e-9)
        _, parts = self._draws(np.array([year]))
        ln = [p[:, 0] for p in parts]
        total = np.sum(ln, axis=0)
        var = float(np.var(total))
        out = []
        for d, x in zip(self.drivers, ln):
            q = np.quantile(x, [0.5 - level / 2, 0.5, 0.5 + level / 2]) / tau
            share = float(np.mean((x - x.mean()) * (total - total.mean())) / var) if var > 0 else 0.0
            out.append({"name": d.name, "unit": d.unit, "factor_per_year": float(math.exp(q[1])),
                        "interval": [float(math.exp(q[0])), float(math.exp(q[2]))], "share_of_variance": share,
                        "kind": d.kind, "n_points": d.n, "start_year": d.t_min, "end_year": d.t_max,
                        "floor": d.floor_value or None, "what": d.what, "source": d.source})
        return out

    def floor_summary(self, year: float) -> dict:
        e = self.energy
        return {"value": float(self.floor(np.array([year]))[0]), "unit": self.unit, "what": self.floor_what,
                "usd_per_flop": float(e.usd_per_flop(np.array([year]))[0]),
                "flop_per_joule": float(e.flop_per_joule(np.array([year]))[0]), **e.to_dict()}

    def to_dict(self, level: float | None = None) -> dict:
        level = self.level if level is None else level
        return {"model": "structural", "series": self.name, "unit": self.unit, "points": self.points,
                "annual_decline": self.annual_decline, "factor_per_year": self.factor_per_year,
                "slope_per_year": self.slope_per_year, "halving_time_years": None, "doubling_time_years": None,
                "n_points": self.n, "start_year": self.t_min, "end_year": self.t_max, "level": level,
                "anchor": {"year": self.anchor_year, "value": self.anchor_value, "label": self.anchor_label},
                "drivers": [d.to_dict() for d in self.drivers], "correlation": self.corr.tolist(),
                "attention_share": self.attention, "value_at_end": self.anchor_value, "notes": list(self.notes)}

    def summary(self, level: float | None = None) -> str:
        lines = [f"Structural model of {self.name}: anchored at {self.anchor_label} ({self.anchor_year:.1f}, "
                 f"{self.anchor_value:.3g} {self.unit})"]
        lines += [f"  {d.name:28s} {d.kind:10s} {d.n} points {d.t_min:.1f}-{d.t_max:.1f}" for d in self.drivers]
        return "\n".join(lines)


def build_structural(series, *, data: DriverData | None = None, until=None, level: float = DEFAULT_LEVEL,
                     floor_factor: float = FLOOR_FACTOR, samples: int = SAMPLES, seed: int = 0,
                     catalog=None) -> StructuralModel:
    """Fit the drivers of ``series`` on data dated before ``until`` (None: all) and anchor at its last record."""
    level = _check_level(level)
    if isinstance(floor_factor, bool) or not (isinstance(floor_factor, (int, float)) and 1 < floor_factor <= 1e6):
        raise InputError(f"got {floor_factor!r}; allowed: a number > 1 and <= 1e6", field="floor_factor")
    data = data or driver_data(series, catalog=catalog)
    s = series.between(None, until)
    rec = s.records()
    if len(rec) < 2:
        raise InsufficientDataError(f"{series.name} has {len(rec)} record(s)" + (f" before {until:g}" if until else "")
                                    + "; a forecast needs at least 2", field="method")
    pool = record_pool(data.pool, until) if data.pool else None
    own = series_history(series).until(until)
    steps = record_steps(own)
    ev_pool = record_pool(data.events, until) if data.events else None
    events = (len(steps), float(own.years.max() - own.records().years.min()),
              ev_pool if ev_pool is not None and ev_pool.levels >= 2 else None)
    fits = tuple(fit_driver(h.until(until), floor_factor=floor_factor, pool=pool if i == 0 else None)
                 for i, h in enumerate(data.histories))
    energy = energy_floor(catalog=data.catalog, until=until, level=level)
    last = rec.points[-1]
    # the record in force at the last date with data; a hindcast made at ``until`` knows nothing cheaper came before
    # (an ``until`` past every date with data is that last date: nothing is known of the time after it)
    latest = max([float(series.years.max())] + [float(h.years.max()) for h in data.histories if h.years.size])
    anchor_year = float(s.years.max()) if until is None else min(float(until), latest)
    notes, attn = [], None
    size = fits[0]
    if size.pool is not None and size.n < MIN_OWN_RECORDS:
        notes.append(f"{size.name}: the level has {size.n} record(s) of its own, so the rate and sizes of new records "
                     f"come mostly from the family's {size.pool.levels} levels pooled")
    if data.kind == "training":
        floor_q = size.floor_value
        what = (f"training FLOP floor {floor_q:.3g} (least FLOP at the level / {floor_factor:g}) x the electricity "
                "cost of a FLOP on the most efficient accelerator")
    else:
        from costcurve.serving.estimate import CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS

        arch = next((p.extra.get("architecture") for p in reversed(s.points)
                     if p.extra.get("architecture") and p.extra.get("active_params") == size.last_value), None)
        attn = attention_share(arch, CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS, catalog=data.catalog) if arch else None
        floor_q = 2.0 * size.floor_value * TOKENS_PER_PRICE_UNIT
        what = (f"2 x {size.floor_value:.3g} parameters (the smallest model at the level / {floor_factor:g}) FLOP per "
                "token x 1M tokens x the electricity cost of a FLOP on the most efficient accelerator")
        if attn is not None:
            notes.append(f"attention scores are {100 * attn:.1f}% of a token's FLOP for {arch} at "
                         f"{CHAT_INPUT_TOKENS}+{CHAT_OUTPUT_TOKENS} tokens; a level, not a trend: the ratio of FLOP per "
                         "token follows the active parameters")
    return StructuralModel(series.name, series.unit, data.kind, anchor_year, float(last.value), last.label, fits,
                           _corr(fits), energy, float(floor_q), what, float(s.years.min()), len(rec), level,
                           int(samples), int(seed), attn, "records", tuple(notes), events)
