"""Physical floors of a cost at fixed capability: the energy of a FLOP, priced at an electricity price.

    USD per FLOP  >=  electricity price [USD/J] / FLOP per joule of the most efficient accelerator

FLOP per joule is the 16-bit dense peak FLOP/s over the board power (TDP) of each catalog accelerator at
its release date; the best on record so far is fitted by OLS on ln FLOP/J, and the floor at a later year
takes the *upper* end of the trend line's interval (a floor must not be above what could be reached), and
never less than the best on record. Running below peak or above TDP only raises the energy per FLOP, and
a datacentre adds cooling and power conversion (PUE > 1), so this is a lower bound on any cloud price per
FLOP; it leaves out the capital cost of the hardware, which is most of a rental price. Landauer's limit
(kT ln 2 = 2.9e-21 J per erased bit at 300 K) is some eight orders of magnitude below and does not bind.

The electricity price is costcurve's default, the US industrial average of 2025 (EIA Electric Power
Monthly Table 5.6.A), :data:`costcurve.costs.DEFAULT_ASSUMPTIONS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..units import JOULES_PER_KWH, decimal_year


def flop_per_joule_points(catalog=None) -> list[tuple[float, float, str]]:
    """(release year, 16-bit peak FLOP per joule at TDP, name) of every catalog accelerator with both. [FLOP/J]"""
    from ..errors import CostcurveError
    from .bundled import _catalog

    out = []
    for a in _catalog(catalog).accelerators.values():
        if not a.tdp_w:
            continue
        try:
            peak = a.peak_flop_per_s("16-bit")
        except CostcurveError:
            continue
        out.append((decimal_year(a.release_date), peak / a.tdp_w, a.name))
    return sorted(out)


def electricity_usd_per_kwh() -> float:
    """costcurve's default electricity price (EIA, US industrial 2025). [USD/kWh]"""
    from ..costs import DEFAULT_ASSUMPTIONS

    return float(DEFAULT_ASSUMPTIONS.electricity_usd_per_kwh)


@dataclass(frozen=True)
class EnergyFloor:
    """Best FLOP per joule on record, its trend, and the floor on USD per FLOP it implies."""

    record_years: tuple  #: [year]
    record_flop_per_j: tuple  #: [FLOP/J]
    record_names: tuple
    slope_per_year: float  #: of ln FLOP/J on the records [1/year]
    fit: object  #: ExponentialTrend of the records
    usd_per_kwh: float  #: electricity price [USD/kWh]
    level: float = 0.9

    def flop_per_joule(self, years) -> np.ndarray:
        """The floor's FLOP per joule at ``years``: max(best on record, upper end of the trend line). [FLOP/J]"""
        years = np.atleast_1d(np.asarray(years, dtype=float))
        rec_y, rec_v = np.asarray(self.record_years), np.asarray(self.record_flop_per_j)
        idx = np.searchsorted(rec_y, years, side="right") - 1
        best = np.where(idx >= 0, rec_v[np.maximum(idx, 0)], rec_v[0])
        _, hi = self.fit.interval(np.maximum(years, rec_y[-1]), self.level, "mean")
        return np.maximum(best, np.where(years > rec_y[-1], hi, best))

    def usd_per_flop(self, years) -> np.ndarray:
        """Electricity cost of one FLOP at the floor's efficiency. [USD/FLOP]"""
        return self.usd_per_kwh / JOULES_PER_KWH / self.flop_per_joule(years)

    def to_dict(self) -> dict:
        return {"best_flop_per_joule": self.record_flop_per_j[-1], "best_accelerator": self.record_names[-1],
                "best_year": self.record_years[-1], "factor_per_year": math.exp(self.slope_per_year),
                "electricity_usd_per_kwh": self.usd_per_kwh, "n_records": len(self.record_years),
                "source": "costcurve accelerators catalog (16-bit peak FLOP/s and TDP per row); electricity: EIA "
                          "Electric Power Monthly Table 5.6.A (US industrial average 2025)"}


def energy_floor(*, catalog=None, until=None, usd_per_kwh: float | None = None, level: float = 0.9) -> EnergyFloor:
    """Fit the best-on-record FLOP per joule of the accelerators released before ``until`` (None: all)."""
    from .drivers import InsufficientDataError
    from .fit import fit_exponential

    pts = [p for p in flop_per_joule_points(catalog) if until is None or p[0] < until]
    rec, best = [], 0.0
    for y, v, n in pts:
        if v > best:
            rec.append((y, v, n))
            best = v
    if len(rec) < 3:
        raise InsufficientDataError(f"the energy floor needs at least 3 FLOP-per-joule records; the catalog has "
                                    f"{len(rec)} before {until}", field="method")
    ys, vs, ns = zip(*rec)
    f = fit_exponential(ys, vs, level=level)
    price = electricity_usd_per_kwh() if usd_per_kwh is None else float(usd_per_kwh)
    return EnergyFloor(tuple(ys), tuple(vs), tuple(ns), f.slope_per_year, f, price, level)
