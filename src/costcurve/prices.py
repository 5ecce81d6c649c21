"""Cloud rental prices: choosing an hourly price for an accelerator at a date.

Default rule (documented in docs/methods.md): the median of the catalog's quotes for that
accelerator, provider (any, unless given) and kind (on-demand unless given) observed within
365 days of the requested date; if none lies that close, the median of the quotes within 365 days
of the observation closest to the date. The result says which quotes it used.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from .catalog import PRICE_KINDS, Catalog
from .errors import CostcurveError, InputError

WINDOW_DAYS = 365


@dataclass(frozen=True)
class PriceChoice:
    """The hourly price used for an estimate and where it came from."""

    price_usd_per_gpu_hour: float
    n_quotes: int
    first_date: dt.date | None
    last_date: dt.date | None
    providers: tuple[str, ...]
    rule: str

    def describe(self) -> str:
        if self.n_quotes == 0:
            return self.rule
        span = f"{self.first_date}..{self.last_date}" if self.first_date != self.last_date else str(self.first_date)
        return f"{self.rule} of {self.n_quotes} quote(s) {span} ({', '.join(self.providers)})"


_CACHE: dict = {}


def choose_price(catalog: Catalog, gpu: str, date: dt.date, *, provider: str | None = None,
                 kind: str = "on-demand") -> PriceChoice | None:
    """Median catalog price near ``date``, or None when the catalog has no quote for ``gpu``."""
    if kind not in PRICE_KINDS:
        raise InputError(f"got {kind!r}; allowed: {', '.join(PRICE_KINDS)}", field="price_kind")
    key = (id(catalog), gpu, provider, kind, date)
    hit = _CACHE.get(key)
    if hit is not None or key in _CACHE:
        return hit
    quotes = catalog.quotes(gpu, provider=provider, kind=kind)
    if provider is not None and not quotes and not catalog.quotes(gpu, provider=provider, kind=None):
        known = sorted({q.provider for q in catalog.quotes(gpu, kind=None)})
        raise CostcurveError(f"no {gpu} prices from {provider!r}; providers with {gpu} prices: {', '.join(known) or 'none'}",
                             field="provider")
    choice = None
    if quotes:
        near = [q for q in quotes if abs((q.date_observed - date).days) <= WINDOW_DAYS]
        rule = f"median {kind} price within {WINDOW_DAYS} days of {date}"
        if not near:
            closest = min(quotes, key=lambda q: abs((q.date_observed - date).days))
            near = [q for q in quotes if abs((q.date_observed - closest.date_observed).days) <= WINDOW_DAYS]
            rule = f"median {kind} price near {closest.date_observed} (closest quotes to {date})"
        dates = [q.date_observed for q in near]
        choice = PriceChoice(statistics.median(q.price_usd_per_gpu_hour for q in near), len(near), min(dates), max(dates),
                             tuple(sorted({q.provider for q in near})), rule)
    _CACHE[key] = choice
    return choice


def resolve_price(catalog: Catalog, gpu: str, date: dt.date, given=None, *, provider: str | None = None,
                  kind: str = "on-demand") -> tuple:
    """(price [USD/h], where it came from): ``given`` (checked) or the catalog default; NaN if none."""
    if given is not None:
        from .units import number_input

        return number_input(given, "price_usd_per_gpu_hour"), "given"
    choice = choose_price(catalog, gpu, date, provider=provider, kind=kind)
    if choice is None:
        return float("nan"), f"no {kind} price for {gpu} in the catalog; give a price"
    return choice.price_usd_per_gpu_hour, choice.describe()


def price_spread_log(catalog: Catalog, gpu: str, date: dt.date, *, provider: str | None = None,
                     kind: str = "on-demand") -> float | None:
    """Standard deviation of ln(price) of the quotes :func:`choose_price` uses. [ln USD/h]

    With fewer than three such quotes, the spread of all of the accelerator's quotes of that kind;
    None when there are fewer than two quotes in all.
    """
    import math

    quotes = catalog.quotes(gpu, provider=provider, kind=kind)
    choice = choose_price(catalog, gpu, date, provider=provider, kind=kind)
    if choice is None:
        return None
    near = [q for q in quotes if choice.first_date <= q.date_observed <= choice.last_date]
    pool = near if len(near) >= 3 else quotes
    if len(pool) < 2:
        return None
    return statistics.stdev(math.log(q.price_usd_per_gpu_hour) for q in pool)
