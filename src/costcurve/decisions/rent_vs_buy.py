"""Rent or buy accelerators: total cost of ownership against renting, month by month.

Own (cash flows per month ``m`` = 1..12·Y, discounted at ``(1 + r)^(m/12)``):

    capex      = n × chip price × server/cluster overhead        (costcurve.costs, docs/cost-defaults.md)
    power_m    = n × TDP × server power overhead × average draw × PUE × 730.5 h × u × $/kWh
    colo_m     = n × TDP × server power overhead / 1000 × $/kW-month     (space, cooling, network drops)
    resale     = capex × resale fraction × e^(−g·Y)                       (at the end, discounted)

Rent: ``rent_m = n × hourly price × 730.5 h × u × e^(−g·m/12)``: you pay only for the hours used.

Both the resale value and later rents fall with the accelerator price-performance trend ``g``
(:mod:`costcurve.decisions.price_trend`): a chip is worth what its FLOP/s cost to buy new. Power is
drawn only in the busy share ``u`` of the hours (idle draw left out).

Break-even utilization: own and rent present values are linear in ``u``
(``PV_own = F + u·e``, ``PV_rent = u·k``), so ``u* = F / (k − e)``; above 1 (or with ``k ≤ e``)
renting is cheaper at any utilization. Payback: the first month in which the cumulative rent avoided,
less the owner's power and colocation, reaches the capex (undiscounted, resale left out).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ..catalog import Catalog, load_catalog
from ..costs import DEFAULT_ASSUMPTIONS, acquisition_cost_usd
from ..errors import InputError
from ..prices import resolve_price
from ..results import jsonable
from ..units import number_input, parse_date
from ._chain import any_range, plain
from .price_trend import price_trend

HOURS_PER_MONTH = 8766.0 / 12.0  #: 365.25 days / 12 [h]
#: OMB Circular A-94 (1992, rev.), §8.b: 7% real discount rate for the base case of public investment analysis
DEFAULT_DISCOUNT_RATE = 0.07
#: Hyperscaler server useful life from 2023: 5 years (Epoch AI training-cost-trends, hardware.py
#: get_server_lifetime; docs/cost-defaults.md)
DEFAULT_YEARS = 5.0
#: CBRE, North America Data Center Trends H2 2024: average asking rent for 250–500 kW in primary markets,
#: $184.06 per kW per month
DEFAULT_COLOCATION_USD_PER_KW_MONTH = 184.06
NUMERIC = ("gpus", "utilization", "years", "discount_rate", "power_usd_per_kwh", "colocation_usd_per_kw_month",
           "resale", "chip_price_usd", "price_usd_per_gpu_hour")


@dataclass(frozen=True)
class RentOrBuy:
    """Result of :func:`rent_vs_buy`. Money in USD; numbers may be arrays under a Monte Carlo."""

    gpu: str
    gpus: object
    own_usd: object  #: capex + power + colocation − resale, undiscounted [USD]
    rent_usd: object  #: rent over the period, undiscounted [USD]
    npv_own_usd: object  #: present value of owning [USD]
    npv_rent_usd: object  #: present value of renting [USD]
    break_even_utilization: object  #: utilization at which the two present values are equal [fraction]
    payback_months: object  #: months to recover the capex from rent avoided; NaN if not within the period
    own_breakdown_usd: dict  #: capex, power, colocation, resale (negative); sums to own_usd [USD]
    trend_interval: dict  #: npv_own_usd, npv_rent_usd, break_even_utilization at the ends of the trend's 90% CI
    assumptions: dict
    notes: tuple = ()

    @property
    def break_even_statement(self) -> str:
        """The break-even utilization in words, with the period: the one wording of CLI, report and web."""
        return break_even_words(self.break_even_utilization, self.assumptions["years"],
                                self.trend_interval.get("break_even_utilization"))

    @property
    def payback_statement(self) -> str:
        """The payback in words, consistent with :attr:`break_even_statement`."""
        return payback_words(self.payback_months, self.break_even_utilization, self.assumptions["years"])

    @property
    def cheaper(self) -> str:
        return "own" if np.nanmedian(np.asarray(self.npv_own_usd) - np.asarray(self.npv_rent_usd)) < 0 else "rent"

    def to_dict(self, convert=None) -> dict:
        c = convert or jsonable
        return {"gpu": self.gpu, "gpus": c(self.gpus), "own_usd": c(self.own_usd), "rent_usd": c(self.rent_usd),
                "npv_own_usd": c(self.npv_own_usd), "npv_rent_usd": c(self.npv_rent_usd),
                "break_even_utilization": c(self.break_even_utilization), "payback_months": c(self.payback_months),
                "cheaper": self.cheaper, "break_even_statement": self.break_even_statement,
                "payback_statement": self.payback_statement, "own_breakdown_usd": {k: c(v) for k, v in self.own_breakdown_usd.items()},
                "trend_interval": {k: [c(x) for x in v] for k, v in self.trend_interval.items()},
                "assumptions": {k: (c(v) if not isinstance(v, (str, dict)) else v) for k, v in self.assumptions.items()},
                "notes": list(self.notes)}


def _median(x) -> float:
    a = np.asarray(x, dtype=float)
    return float(np.nanmedian(a)) if a.size and not np.all(np.isnan(a)) else math.nan


def _share(u: float) -> str:
    return "never (above 100%)" if not math.isfinite(u) or u > 1 else f"{u:.0%}"


def break_even_words(break_even, years, interval=None) -> str:
    """``owning pays above 64% utilization over 5 years`` or, above 100% (or never),
    ``owning does not pay at any utilization over 5 years``; the trend's 90% interval after it.

    break_even [fraction] (an array: its median); years [years]; interval: (low, high) [fraction].
    """
    be, y = _median(break_even), _median(years)
    period = f"{y:g} year{'s' if y != 1 else ''}"
    text = (f"owning does not pay at any utilization over {period}" if not math.isfinite(be) or be > 1 else
            f"owning pays above {be:.0%} utilization over {period}")
    if interval is not None and len(interval) == 2:
        lo, hi = sorted(_median(x) if math.isfinite(_median(x)) else math.inf for x in interval)
        text += f"; with the trend's 90% interval the break-even runs from {_share(lo)} to {_share(hi)}"
    return text


def payback_words(payback_months, break_even, years) -> str:
    """The payback month in words, never contradicting :func:`break_even_words`: payback is undiscounted
    and leaves resale out, so owning can pay (break-even below 100%) with no payback inside the period."""
    pb, be, y = _median(payback_months), _median(break_even), _median(years)
    owning_pays = math.isfinite(be) and be <= 1
    if math.isfinite(pb):
        text = f"{pb:.0f} months: the rent avoided has repaid the capex (undiscounted, resale left out)"
        return text if owning_pays else text + "; discounted and over the whole period, renting is still cheaper"
    text = f"not within {y:g} years from the rent avoided (undiscounted, resale left out)"
    return text + (f"; counting the resale value, discounted, owning still pays above {be:.0%} utilization"
                   if owning_pays else "")


def _col(x):
    return np.asarray(x, dtype=float)[..., None]


def ownership_cash_flows(*, gpus, chip_price_usd, tdp_w, utilization, years, power_usd_per_kwh, colocation_usd_per_kw_month,
                         usd_per_gpu_hour, growth_per_year, resale, assumptions=DEFAULT_ASSUMPTIONS):
    """Monthly cash flows [USD] of owning and renting: dict of arrays with a trailing month axis.

    Returns capex (…), power, colo, rent (…, months), resale (…) and the month index m (1..12·Y).
    """
    A = assumptions
    months = int(math.ceil(float(np.max(years)) * 12 - 1e-9))
    m = np.arange(1, months + 1, dtype=float)
    live = (m <= _col(years) * 12 + 1e-9).astype(float)  # months inside each sample's period
    it_kw = _col(gpus) * tdp_w * A.server_power_overhead / 1000.0
    power = it_kw * A.power_utilization * A.pue * HOURS_PER_MONTH * _col(utilization) * _col(power_usd_per_kwh) * live
    colo = it_kw * _col(colocation_usd_per_kw_month) * live
    rent = _col(gpus) * _col(usd_per_gpu_hour) * HOURS_PER_MONTH * _col(utilization) * np.exp(-growth_per_year * m / 12) * live
    capex = acquisition_cost_usd(np.asarray(gpus, dtype=float), np.asarray(chip_price_usd, dtype=float), A.server_overhead)
    resale_value = capex * np.asarray(resale, dtype=float) * np.exp(-growth_per_year * np.asarray(years, dtype=float))
    return {"m": m, "capex": capex, "power": power, "colo": colo, "rent": rent, "resale": resale_value}


def rent_vs_buy(*, gpu="h100", gpus=None, utilization=1.0, years=DEFAULT_YEARS, price_kind="on-demand", provider=None,
                discount_rate=DEFAULT_DISCOUNT_RATE, power_usd_per_kwh=None,
                colocation_usd_per_kw_month=DEFAULT_COLOCATION_USD_PER_KW_MONTH, resale=1.0, chip_price_usd=None,
                price_usd_per_gpu_hour=None, date=None, series="gpu-price-performance", assumptions=None, catalog=None,
                samples=None, seed=None) -> RentOrBuy:
    """Total cost of owning ``gpus`` × ``gpu`` for ``years`` against renting them (module docstring).

    utilization: busy share of the hours (0, 1]; discount_rate [1/year]; power_usd_per_kwh [USD/kWh]
    (default: costcurve.costs); colocation_usd_per_kw_month [USD/(kW·month)] of server IT power;
    resale: share of the trend value recovered at the end [0, 1]; price_kind: on-demand, spot, 1-year, 3-year.
    Any number may be a range (seeded Monte Carlo of ``samples`` draws).
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    kwargs = dict(gpu=gpu, gpus=gpus, utilization=utilization, years=years, price_kind=price_kind, provider=provider,
                  discount_rate=discount_rate, power_usd_per_kwh=power_usd_per_kwh,
                  colocation_usd_per_kw_month=colocation_usd_per_kw_month, resale=resale, chip_price_usd=chip_price_usd,
                  price_usd_per_gpu_hour=price_usd_per_gpu_hour, date=date, series=series, assumptions=assumptions,
                  catalog=cat)
    if any_range(kwargs, NUMERIC):
        from ..uncertainty import run_monte_carlo

        return run_monte_carlo(rent_vs_buy, kwargs, NUMERIC, samples=samples, seed=seed, integer=("gpus",),
                               target="npv_own_usd", constant="gpus")
    from ..inputs import check_monte_carlo_options

    check_monte_carlo_options(samples, seed, False)
    A = assumptions or DEFAULT_ASSUMPTIONS
    acc = cat.accelerator(gpu)
    if gpus is None:
        raise InputError("needed: how many accelerators (e.g. `gpus` 512)", field="gpus")
    gpus = number_input(gpus, "gpus", integer=True, upper=2**20)  # 1,048,576: beyond any cluster
    u = number_input(utilization, "utilization", upper=1.0)
    years = number_input(years, "years", upper=30.0)
    r = number_input(discount_rate, "discount_rate", allow_zero=True, upper=1.0)
    kwh = number_input(A.electricity_usd_per_kwh if power_usd_per_kwh is None else power_usd_per_kwh,
                       "power_usd_per_kwh", allow_zero=True)
    colo = number_input(colocation_usd_per_kw_month, "colocation_usd_per_kw_month", allow_zero=True)
    resale = number_input(resale, "resale", allow_zero=True, upper=1.0)
    chip = _chip_price(acc, chip_price_usd)
    start = parse_date(date)
    price, source = resolve_price(cat, acc.name, start, price_usd_per_gpu_hour, provider=provider, kind=price_kind)
    if not np.all(np.isfinite(price)):
        raise InputError(source, field="price_usd_per_gpu_hour")
    trend = price_trend(series, catalog=cat)
    flows = dict(gpus=gpus, chip_price_usd=chip, tdp_w=acc.tdp_w, utilization=u, years=years, power_usd_per_kwh=kwh,
                 colocation_usd_per_kw_month=colo, usd_per_gpu_hour=price, resale=resale, assumptions=A)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is infinite, refused by _check_finite
        f = ownership_cash_flows(growth_per_year=trend.growth_per_year, **flows)
        npv_own, npv_rent, be, payback = present_values(f, r, years, u)
    _check_finite(f, npv_own, npv_rent, dict(gpus=gpus, utilization=u, years=years, price_usd_per_gpu_hour=price,
                                             chip_price_usd=chip, power_usd_per_kwh=kwh,
                                             colocation_usd_per_kw_month=colo))
    at_ends = [present_values(ownership_cash_flows(growth_per_year=g, **flows), r, years, u) for g in trend.growth_ci]
    ci = {name: tuple(sorted((plain(at_ends[0][i]), plain(at_ends[1][i])), key=np.nanmedian))
          for i, name in enumerate(("npv_own_usd", "npv_rent_usd", "break_even_utilization"))}
    breakdown = {"capex": f["capex"], "power": f["power"].sum(-1), "colocation": f["colo"].sum(-1), "resale": -f["resale"]}
    notes = _notes(trend, f, be, payback)
    assumptions_out = {"chip_price_usd": chip, "usd_per_gpu_hour": price, "price_kind": price_kind, "price_source": source,
                       "utilization": u, "years": years, "discount_rate": r, "power_usd_per_kwh": kwh,
                       "colocation_usd_per_kw_month": colo, "resale": resale, "server_overhead": A.server_overhead,
                       "server_power_overhead": A.server_power_overhead, "power_utilization": A.power_utilization,
                       "pue": A.pue, "tdp_w": acc.tdp_w, "date": start.isoformat(), "trend": trend.to_dict()}
    return RentOrBuy(gpu=acc.name, gpus=gpus, own_usd=plain(sum(breakdown.values())), rent_usd=plain(f["rent"].sum(-1)),
                     npv_own_usd=plain(npv_own), npv_rent_usd=plain(npv_rent), break_even_utilization=plain(be),
                     payback_months=plain(payback), own_breakdown_usd={k: plain(v) for k, v in breakdown.items()},
                     trend_interval=ci, assumptions=assumptions_out, notes=tuple(notes))


def _check_finite(f, npv_own, npv_rent, given) -> None:
    """Refuse inputs whose costs overflow (e.g. a price of 1e308 USD/h), naming the input to blame."""
    from ..inputs import check_result

    for value, what in ((f["capex"], "capex"), (f["power"].sum(-1) + f["colo"].sum(-1), "power and colocation cost"),
                        (f["rent"].sum(-1), "rent"), (npv_own, "present value of owning"),
                        (npv_rent, "present value of renting")):
        with np.errstate(over="ignore", invalid="ignore"):
            check_result(np.abs(np.asarray(value, dtype=float)) + 1e-300, what,
                         {k: v for k, v in given.items() if v is not None}, unit="USD")


def _chip_price(acc, chip_price_usd) -> float:
    """The purchase price [USD]: given, or the catalog's; the chip's TDP must be known too."""
    chip = number_input(chip_price_usd, "chip_price_usd") if chip_price_usd is not None else acc.price_usd
    if chip is None:
        raise InputError(f"the catalog has no purchase price for {acc.name}; give one", field="chip_price_usd")
    if not acc.tdp_w:
        raise InputError(f"the catalog has no TDP for {acc.name}", field="gpu")
    return chip


def _notes(trend, f, be, payback) -> list[str]:
    """What the trend assumes, and when renting wins outright or owning should sell early."""
    notes = [f"resale value and later rents fall {trend.annual_price_decline:.0%}/yr with the {trend.series} trend "
             f"(90% CI {trend.annual_price_decline_ci[0]:.0%}–{trend.annual_price_decline_ci[1]:.0%})"]
    if np.all(be > 1):
        notes.append(f"renting is cheaper at any utilization over the {_median(f['m'][-1:]) / 12:g} years")
    monthly = np.atleast_2d(f["rent"] - f["power"] - f["colo"])
    worse = monthly[0] < 0
    if worse.any() and not np.isnan(np.atleast_1d(payback)[0]):
        notes.append(f"from month {int(np.argmax(worse)) + 1} the falling rent is below the owner's power and colocation: "
                     "owning pays back, but selling then beats keeping the hardware")
    return notes


def present_values(f: dict, discount_rate, years, utilization):
    """(NPV own, NPV rent, break-even utilization, payback months) from :func:`ownership_cash_flows`."""
    disc = (1.0 + _col(discount_rate)) ** (-f["m"] / 12.0)
    end_disc = (1.0 + np.asarray(discount_rate, dtype=float)) ** (-np.asarray(years, dtype=float))
    pv = {k: (f[k] * disc).sum(-1) for k in ("power", "colo", "rent")}
    npv_own = f["capex"] + pv["power"] + pv["colo"] - f["resale"] * end_disc
    fixed = f["capex"] + pv["colo"] - f["resale"] * end_disc
    per_u_rent, per_u_power = pv["rent"] / utilization, pv["power"] / utilization
    with np.errstate(divide="ignore", invalid="ignore"):
        be = np.where(per_u_rent > per_u_power, fixed / (per_u_rent - per_u_power), np.inf)
    reached = np.cumsum(f["rent"] - f["power"] - f["colo"], axis=-1) >= _col(f["capex"])
    payback = np.where(reached.any(-1), np.argmax(reached, axis=-1) + 1.0, np.nan)
    return npv_own, pv["rent"], be, payback
