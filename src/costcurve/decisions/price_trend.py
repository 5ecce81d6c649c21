"""How fast the price of a FLOP falls: the accelerator price-performance trend that
``costcurve trend gpu-price-performance`` fits, read as a decline of dollars per FLOP.

Price-performance (FLOP/s per dollar) grows as ``e^(g·t)`` (exponential fit, OLS on the log,
:func:`costcurve.trends.fit.fit_series`), so the price of a FLOP — and the value of a chip that delivers a
fixed number of FLOP/s, and its rent — fall as ``e^(−g·t)``: annual decline ``1 − e^(−g)``.
The interval is the fit's confidence interval of the slope (Student's t, n − 2 dof).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError

SERIES = ("gpu-price-performance", "gpu-cloud-price-performance")


@dataclass(frozen=True)
class PriceTrend:
    """Growth rate ``g`` of price-performance and its interval; dollars per FLOP fall as e^(−g·t)."""

    series: str
    growth_per_year: float  #: g [1/year] (ln units)
    growth_ci: tuple[float, float]  #: interval of g at ``level`` [1/year]
    level: float
    n_points: int
    start_year: float
    end_year: float

    @property
    def annual_price_decline(self) -> float:
        """1 − e^(−g): yearly fall of dollars per FLOP. [fraction]"""
        return -math.expm1(-self.growth_per_year)

    @property
    def annual_price_decline_ci(self) -> tuple[float, float]:
        return (-math.expm1(-self.growth_ci[0]), -math.expm1(-self.growth_ci[1]))

    def to_dict(self) -> dict:
        return {"series": self.series, "growth_per_year": self.growth_per_year, "growth_ci": list(self.growth_ci),
                "annual_price_decline": self.annual_price_decline,
                "annual_price_decline_ci": list(self.annual_price_decline_ci), "level": self.level,
                "n_points": self.n_points, "years": [self.start_year, self.end_year]}


def price_trend(series: str = "gpu-price-performance", *, catalog=None, level: float = 0.9) -> PriceTrend:
    """Fit the price-performance ``series`` (exponential, all points) and return its growth rate."""
    from ..trends.bundled import get_series
    from ..trends.fit import fit_series

    key = str(series).strip().lower()
    if key not in SERIES:
        raise InputError(f"got {series!r}; allowed: {', '.join(SERIES)}", field="series")
    fit = fit_series(get_series(key, catalog=catalog), method="ols", points="all", level=level)
    lo, hi = fit.slope_interval(level)
    return PriceTrend(key, fit.slope_per_year, (lo, hi), level, fit.n, fit.t_min, fit.t_max)
