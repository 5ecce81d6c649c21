"""Start now or wait: the "slacking" result of Gottbrath, Bailin, Meakin, Thompson & Charfman 1999
(*The effects of Moore's law and slacking on large computations*, arXiv:astro-ph/9912202) applied to
the price of AI compute.

A run of ``C`` FLOP started today on ``n`` accelerators costs ``C₀`` dollars and takes ``T₀`` years
(both from the ``costcurve train`` chain). Keep the spending rate (dollars per hour) of that cluster
and start ``s`` years later: the FLOP a dollar buys has grown by ``e^(g·s)`` along the fitted
price-performance trend (:mod:`costcurve.decisions.price_trend`), so

    T(s) = T₀·e^(−g·s),   cost(s) = C₀·e^(−g·s),   finish(s) = s + T₀·e^(−g·s).

* No deadline: the earliest finish is at ``s* = ln(g·T₀)/g`` when ``g·T₀ > 1`` (a run longer than
  ``1/g`` years should wait until it would take exactly ``1/g``; Gottbrath et al. §2), else now.
* With a deadline ``D`` (years from now): cost falls with ``s``, so the best start is the latest
  ``s`` with ``finish(s) ≤ D`` (finish rises for ``s > s*``; solved by bisection). No answer when
  even ``finish(s*) > D``.
* With a fixed budget ``B`` (Gottbrath et al.'s fixed-budget case): the run is affordable from
  ``s_B = ln(C₀/B)/g`` on, so the earliest finish is at ``max(s*, s_B)``; with a deadline too, the
  latest start must also be affordable.

The interval comes from the trend's confidence interval of ``g`` (every output is monotone in ``g``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ..catalog import Catalog, load_catalog
from ..errors import InputError, NoAnswerError
from ..results import jsonable
from ..units import SECONDS_PER_YEAR, check_positive, number_input, parse_date, show
from ._chain import any_range, monte_carlo, plain, require_price, run_training
from .price_trend import price_trend

MAX_RUN_YEARS = 100  #: a run longer than this is an input mistake, not a plan [years]
NUMERIC = ("training_flop", "params", "tokens", "gpus", "mfu", "goodput", "price_usd_per_gpu_hour", "usd")
DAYS_PER_YEAR = SECONDS_PER_YEAR / 86400.0


@dataclass(frozen=True)
class WaitDecision:
    """Result of :func:`decide_wait`. Dates are ``datetime.date``; numbers may be arrays (Monte Carlo)."""

    gpu: str
    date: dt.date  #: "now": the date the run could start [date]
    deadline: dt.date | None
    training_flop: object  #: [FLOP]
    gpus: object
    mfu: object
    price_usd_per_gpu_hour: object
    price_source: str
    wait_years: object  #: best start minus now [year]
    wait_years_ci: tuple  #: at the ends of the trend's interval [year]
    cost_now_usd: object  #: [USD]
    cost_at_best_usd: object  #: [USD]
    cost_at_best_usd_ci: tuple  #: [USD]
    duration_now_days: object  #: [days]
    duration_at_best_days: object  #: [days]
    annual_price_decline: float  #: 1 − e^(−g) [fraction]
    annual_price_decline_ci: tuple
    trend: dict
    notes: tuple = ()

    def _date(self, years):
        y = np.asarray(years, dtype=float)
        med = float(np.nanmedian(y)) if y.size else math.nan
        return self.date + dt.timedelta(days=round(med * DAYS_PER_YEAR))

    @property
    def best_start_date(self) -> dt.date:
        return self._date(self.wait_years)

    @property
    def finish_now_date(self) -> dt.date:
        return self._date(np.asarray(self.duration_now_days) / DAYS_PER_YEAR)

    @property
    def finish_at_best_date(self) -> dt.date:
        return self._date(np.asarray(self.wait_years) + np.asarray(self.duration_at_best_days) / DAYS_PER_YEAR)

    def to_dict(self, convert=None) -> dict:
        c = convert or jsonable
        lo, hi = self.wait_years_ci
        return {
            "best_start_date": self.best_start_date.isoformat(),
            "best_start_date_ci": sorted([self._date(lo).isoformat(), self._date(hi).isoformat()]),
            "wait_years": c(self.wait_years), "cost_now_usd": c(self.cost_now_usd),
            "cost_at_best_usd": c(self.cost_at_best_usd),
            "cost_at_best_usd_ci": [c(self.cost_at_best_usd_ci[0]), c(self.cost_at_best_usd_ci[1])],
            "finish_now_date": self.finish_now_date.isoformat(),
            "finish_at_best_date": self.finish_at_best_date.isoformat(),
            "duration_now_days": c(self.duration_now_days), "duration_at_best_days": c(self.duration_at_best_days),
            "annual_price_decline": self.annual_price_decline, "annual_price_decline_ci": list(self.annual_price_decline_ci),
            "date": self.date.isoformat(), "deadline": self.deadline.isoformat() if self.deadline else None,
            "gpu": self.gpu, "gpus": c(self.gpus), "training_flop": c(self.training_flop), "mfu": c(self.mfu),
            "price_usd_per_gpu_hour": c(self.price_usd_per_gpu_hour), "price_source": self.price_source,
            "trend": self.trend, "notes": list(self.notes),
        }


def _growth(growth):
    """Growth of FLOP per dollar [1/year]: finite, of either sign (a rising price is a negative growth)."""
    try:
        g = np.asarray(growth, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"got {show(growth)}; allowed: a finite number [1/year]", field="growth") from None
    if g.size == 0 or not np.all(np.isfinite(g)):
        raise InputError(f"got {show(growth)}; allowed: a finite number [1/year]", field="growth")
    return g


def earliest_finish_wait(growth, duration_years):
    """Gottbrath et al. 1999: the wait that minimises the finish date, ``max(0, ln(g·T₀)/g)``. [year]"""
    g = _growth(growth)
    t0 = np.asarray(check_positive(duration_years, "duration_years"), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where((g > 0) & (g * t0 > 1.0), np.log(np.maximum(g * t0, 1.0)) / np.where(g > 0, g, 1.0), 0.0)
    return plain(s)


def finish_years(wait, growth, duration_years):
    """``s + T₀·e^(−g·s)``: when a run started after ``wait`` years ends. [year]"""
    return wait + duration_years * np.exp(-growth * wait)


def latest_start_for_deadline(growth, duration_years, deadline_years):
    """The latest wait ``s ≥ s*`` with ``finish(s) ≤ deadline`` (bisection); NaN when none. [year]"""
    deadline_years = check_positive(deadline_years, "deadline_years")
    s_min = np.asarray(earliest_finish_wait(growth, duration_years), dtype=float)
    ok = finish_years(s_min, growth, duration_years) <= deadline_years * (1 + 1e-12)
    lo, hi = s_min, np.maximum(np.asarray(deadline_years, dtype=float) + 0 * s_min, s_min)
    for _ in range(100):
        mid = (lo + hi) / 2.0
        fits = finish_years(mid, growth, duration_years) <= deadline_years
        lo, hi = np.where(fits, mid, lo), np.where(fits, hi, mid)
    return plain(np.where(ok, lo, np.nan))


def affordable_wait(growth, cost_now_usd, usd):
    """The first wait at which the run costs no more than ``usd``: ``max(0, ln(C₀/B)/g)``; inf if never. [year]"""
    g = _growth(growth)
    ratio = np.asarray(check_positive(cost_now_usd, "cost_now_usd"), dtype=float) / check_positive(usd, "usd")
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(ratio <= 1.0, 0.0, np.where(g > 0, np.log(np.maximum(ratio, 1.0)) / np.where(g > 0, g, 1.0), np.inf))
    return plain(s)


def decide_wait(*, training_flop=None, model=None, params=None, tokens=None, gpu="h100", gpus=None, deadline=None,
                usd=None, series="gpu-price-performance", level=0.9, mfu=None, dtype="bf16", goodput=1.0,
                price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand", date=None, assumptions=None,
                catalog=None, samples=None, seed=None, uncertainty=False) -> WaitDecision:
    """Best start date for a run of ``training_flop`` FLOP (or model/params with tokens) on ``gpus`` × ``gpu``.

    deadline: finish by this date (then minimise cost), else minimise the finish date.
    usd: a fixed budget [USD]: start no earlier than the run becomes affordable.
    series: price-performance trend, ``gpu-price-performance`` or ``gpu-cloud-price-performance``.
    Other arguments as :func:`costcurve.estimate_training`. Any number may be a range (Monte Carlo).
    Raises :class:`NoAnswerError` when no start date finishes by the deadline.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    kwargs = dict(training_flop=training_flop, model=model, params=params, tokens=tokens, gpu=gpu, gpus=gpus,
                  deadline=deadline, usd=usd, series=series, level=level, mfu=mfu, dtype=dtype, goodput=goodput,
                  price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider, price_kind=price_kind, date=date,
                  assumptions=assumptions, catalog=cat)
    if uncertainty or any_range(kwargs, NUMERIC):
        return monte_carlo(decide_wait, kwargs, NUMERIC, samples=samples, seed=seed, uncertainty=uncertainty,
                           target="cost_at_best_usd", constant="gpus")
    from ..inputs import check_monte_carlo_options

    check_monte_carlo_options(samples, seed, False)
    if gpus is None:
        raise InputError("needed: the number of accelerators of the run (e.g. `gpus` 1024)", field="gpus")
    gpus = number_input(gpus, "gpus", integer=True)
    usd = number_input(usd, "usd")
    start = parse_date(date)
    end = parse_date(deadline, "deadline") if deadline is not None else None
    if end is not None and end <= start:
        raise InputError(f"got {end}; allowed: a date after the start date {start}", field="deadline")
    trend = price_trend(series, catalog=cat, level=level)
    chain = dict(kwargs, gpus=gpus, date=start)
    est = run_training(chain, training_flop=training_flop, model=model, params=params, tokens=tokens)
    require_price(est)
    t0 = est.wall_clock_s / SECONDS_PER_YEAR
    if not np.all(np.asarray(t0) <= MAX_RUN_YEARS):  # also NaN; dates past year 9999 cannot be written
        raise InputError(f"the run takes {np.max(t0):.3g} years on {gpus:g} × {est.gpu}; allowed: runs under {MAX_RUN_YEARS} years",
                         field="training_flop" if training_flop is not None else "tokens")
    g = trend.growth_per_year
    g_lo, g_hi = trend.growth_ci

    def best(growth):
        s_budget = 0.0 if usd is None else affordable_wait(growth, est.cost_cloud_usd, usd)
        if end is None:
            return plain(np.maximum(earliest_finish_wait(growth, t0), s_budget))
        latest = np.asarray(latest_start_for_deadline(growth, t0, (end - start).days / DAYS_PER_YEAR))
        return plain(np.where(latest >= s_budget, latest, np.nan))

    s = best(g)
    _check_answer(s, est, trend, t0, start, end, usd, gpus)
    s_ci = (best(g_lo), best(g_hi))
    notes = [f"waiting keeps the spending rate of {float(np.median(gpus)):g} × {est.gpu} at today's price; a FLOP "
             f"gets {trend.annual_price_decline:.0%}/yr cheaper along the {trend.series} trend"]
    if end is None and np.all(np.asarray(s) == 0):
        notes.append(f"the run takes less than 1/g = {1 / g:.1f} years: waiting cannot finish it sooner")
    c0 = est.cost_cloud_usd
    return WaitDecision(
        gpu=est.gpu, date=start, deadline=end, training_flop=est.training_flop, gpus=est.gpus, mfu=est.mfu,
        price_usd_per_gpu_hour=est.price_usd_per_gpu_hour, price_source=est.price_source, wait_years=s,
        wait_years_ci=s_ci, cost_now_usd=c0, cost_at_best_usd=plain(c0 * np.exp(-g * np.asarray(s))),
        cost_at_best_usd_ci=tuple(sorted((plain(c0 * np.exp(-g_lo * np.asarray(s_ci[0]))),
                                          plain(c0 * np.exp(-g_hi * np.asarray(s_ci[1])))), key=np.nanmedian)),
        duration_now_days=t0 * DAYS_PER_YEAR, duration_at_best_days=plain(t0 * np.exp(-g * np.asarray(s)) * DAYS_PER_YEAR),
        annual_price_decline=trend.annual_price_decline, annual_price_decline_ci=trend.annual_price_decline_ci,
        trend=trend.to_dict(), notes=tuple(notes))


def _check_answer(s, est, trend, t0, start, end, usd, gpus):
    """Raise :class:`NoAnswerError` (naming the input to change) when no wait ``s`` [years] works."""
    s = np.asarray(s, dtype=float)
    g = trend.growth_per_year
    if usd is not None and np.all(np.isinf(s)):
        raise NoAnswerError(f"the run costs ${float(np.min(est.cost_cloud_usd)):,.0f} now and the {trend.series} trend "
                            f"does not fall; needed: a budget of at least that", field="usd")
    if usd is not None and end is not None and np.all(np.isnan(s)):
        s_b = float(np.nanmin(affordable_wait(g, est.cost_cloud_usd, usd)))
        raise NoAnswerError(f"${float(np.max(usd)):,.0f} buys the run only from "
                            f"{start + dt.timedelta(days=round(s_b * DAYS_PER_YEAR))}, too late to finish by {end}; "
                            "needed: a larger budget or a later deadline", field="usd")
    if np.all(np.isnan(s)):
        fastest = finish_years(earliest_finish_wait(g, t0), g, t0)
        first = start + dt.timedelta(days=round(float(np.nanmin(fastest)) * DAYS_PER_YEAR))
        raise NoAnswerError(f"no start date finishes by {end}: the earliest finish with {float(np.max(gpus)):g} × {est.gpu} "
                            f"is {first}; needed: a later deadline or more accelerators", field="deadline")
