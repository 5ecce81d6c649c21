"""Cloud rental prices: choosing an hourly price for an accelerator at a date.

Default rule (documented in docs/prices.md): the median of the catalog's *distinct* quotes for that
accelerator, provider (any, unless given) and kind (on-demand unless given), from offers of a
virtual machine or a bare-metal server (serverless offers and instances whose price is mostly a
large host are left out), observed within a window around the requested date. The window starts
at ±365 days and widens a year at a time until it holds at least ``MIN_QUOTES`` distinct quotes
from at least ``MIN_PROVIDERS`` providers (one provider when ``provider`` is given); when no
window does, all the quotes are used and the choice says it falls short. A quote is distinct per
(provider, price): the same price seen in several snapshots or instance sizes counts once.
The result says how many quotes from how many providers stand behind the price.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from .catalog import OFFERS, PRICE_KINDS, Catalog, PriceQuote
from .errors import CostcurveError, InputError
from .units import number_input

WINDOW_DAYS = 365  #: first half-width of the window, and the step it widens by [days]
MIN_QUOTES = 3  #: distinct quotes a default price rests on, at least
MIN_PROVIDERS = 2  #: providers those quotes come from, at least (1 when a provider is given)
DEFAULT_OFFERS = ("vm", "bare_metal")  #: offers the default price is taken from (see catalog.OFFERS)


@dataclass(frozen=True)
class PriceChoice:
    """The hourly price used for an estimate and the quotes behind it."""

    price_usd_per_gpu_hour: float  #: median of the distinct quotes [USD per accelerator-hour]
    n_quotes: int  #: distinct (provider, price) quotes behind the median
    first_date: dt.date | None
    last_date: dt.date | None
    providers: tuple[str, ...]
    rule: str
    window_days: int = WINDOW_DAYS  #: half-width of the date window used [days]
    meets_rule: bool = True  #: False when the whole catalog has fewer than MIN_QUOTES from MIN_PROVIDERS
    n_left_out: int = 0  #: quotes in the window of offers left out (serverless, large host)
    quotes: tuple[PriceQuote, ...] = ()  #: the distinct quotes (one per provider and price)
    note: str = ""  #: e.g. the date precedes the accelerator's release
    kind: str = "on-demand"  #: the price kind the quotes are of (catalog.PRICE_KINDS)

    @property
    def n_providers(self) -> int:
        return len(self.providers)

    @property
    def method(self) -> str:
        """The rule without its window: ``"median on-demand price"``."""
        return f"median {self.kind} price"

    def source(self) -> "PriceSource":
        """:meth:`describe`'s text, carrying the figures a table shows (:class:`PriceSource`)."""
        return PriceSource(self.describe(), method=self.method, n_quotes=self.n_quotes, n_providers=self.n_providers,
                           meets_rule=self.meets_rule)

    def describe(self) -> str:
        span = f"{self.first_date}..{self.last_date}" if self.first_date != self.last_date else str(self.first_date)
        text = (f"{self.rule}: {self.n_quotes} quote(s) from {self.n_providers} provider(s), {span} "
                f"({', '.join(self.providers)})")
        if self.n_left_out:
            text += f"; {self.n_left_out} serverless/large-host quote(s) left out"
        if not self.meets_rule:
            text += f"; fewer than {MIN_QUOTES} quotes from {MIN_PROVIDERS} providers in the catalog, give `price_usd_per_gpu_hour` to be sure"
        return text + self.note


class PriceSource(str):
    """Where a catalog price came from: the text of :meth:`PriceChoice.describe` (equal to it, and written
    as it in JSON), carrying the figures behind it so a table can show them without reading the text:
    ``method`` (``"median on-demand price"``), ``n_quotes``, ``n_providers`` and ``meets_rule``."""

    def __new__(cls, text: str, *, method: str | None = None, n_quotes: int | None = None,
                n_providers: int | None = None, meets_rule: bool = True):
        self = super().__new__(cls, text)
        self.method, self.n_quotes, self.n_providers, self.meets_rule = method, n_quotes, n_providers, meets_rule
        return self


def _distinct(quotes) -> list[PriceQuote]:
    """One quote per (provider, price): the latest observation of each."""
    best: dict = {}
    for q in sorted(quotes, key=lambda q: q.date_observed):
        best[(q.provider, round(q.price_usd_per_gpu_hour, 4))] = q
    return list(best.values())


EARLIEST_YEARS = 10  #: a price date this many years before the chip's release is refused as a mistake


def _check_date(catalog: Catalog, gpu: str, date) -> str:
    """A note when ``date`` precedes ``gpu``'s release; refuses dates a decade before it (e.g. 1900)."""
    if not isinstance(date, dt.date):
        raise InputError(f"got {date!r}; allowed: a date", field="date")
    released = catalog.accelerator(gpu).release_date
    earliest = released.replace(year=released.year - EARLIEST_YEARS)
    if date < earliest:
        raise InputError(f"got {date}, {EARLIEST_YEARS}+ years before {gpu} was released ({released}); "
                         f"allowed: {earliest} or later", field="date")
    return f"; {date} is before {gpu} was released ({released})" if date < released else ""


def choose_price(catalog: Catalog, gpu: str, date: dt.date, *, provider: str | None = None,
                 kind: str = "on-demand", offers=DEFAULT_OFFERS) -> PriceChoice | None:
    """Median of the distinct catalog quotes near ``date`` (see the module docstring), or None without any."""
    if not isinstance(date, dt.date):
        raise InputError(f"got {date!r}; allowed: a date", field="date")
    # kept per catalog (its quotes do not change after loading); the checks depend on these arguments alone, so
    # a kept choice was checked when it was made
    return catalog.derived_many("price choices", (gpu, provider, kind, date, tuple(offers)), _checked_choice, catalog,
                                gpu, date, provider, kind, offers, maxsize=4096)


def _checked_choice(catalog: Catalog, gpu: str, date: dt.date, provider, kind: str, offers) -> PriceChoice | None:
    if kind not in PRICE_KINDS:
        raise InputError(f"got {kind!r}; allowed: {', '.join(PRICE_KINDS)}", field="price_kind")
    bad = [o for o in offers if o not in OFFERS]
    if bad:
        raise InputError(f"got {bad[0]!r}; allowed: {', '.join(OFFERS)}", field="offers")
    return _choose(catalog, gpu, date, provider, kind, offers, _check_date(catalog, gpu, date))


def _choose(catalog: Catalog, gpu: str, date: dt.date, provider, kind: str, offers, early: str) -> PriceChoice | None:
    every = catalog.quotes(gpu, provider=provider, kind=kind)
    if provider is not None and not every and not catalog.quotes(gpu, provider=provider, kind=None):
        known = sorted({q.provider for q in catalog.quotes(gpu, kind=None)})
        raise CostcurveError(f"no {gpu} prices from {provider!r}; providers with {gpu} prices: {', '.join(known) or 'none'}",
                             field="provider")

    def counts(q):  # a user's row without an offer counts
        return q.offer is None or q.offer in offers

    usable = [q for q in every if counts(q)]
    if not usable:
        return None
    need_providers = 1 if provider is not None else MIN_PROVIDERS
    farthest = max(abs((q.date_observed - date).days) for q in usable)
    steps = max(1, math.ceil(farthest / WINDOW_DAYS))
    for k in range(1, steps + 1):
        window = k * WINDOW_DAYS
        near = _distinct(q for q in usable if abs((q.date_observed - date).days) <= window)
        if len(near) >= MIN_QUOTES and len({q.provider for q in near}) >= need_providers:
            meets = True
            break
    else:
        meets = False
    left_out = sum(1 for q in every if not counts(q) and abs((q.date_observed - date).days) <= window)
    dates = [q.date_observed for q in near]
    rule = f"median {kind} price within {window} days of {date}"
    return PriceChoice(statistics.median(q.price_usd_per_gpu_hour for q in near), len(near), min(dates), max(dates),
                       tuple(sorted({q.provider for q in near})), rule, window, meets, left_out, tuple(near), early,
                       kind)


def no_price_message(gpu: str, kind: str = "on-demand") -> str:
    """What to say when no default price is known for ``gpu``."""
    return (f"no {kind} price is known for {gpu} (the catalog has no {kind} VM or bare-metal quote for it); "
            "give one with `price_usd_per_gpu_hour` [USD/h]")


def resolve_price(catalog: Catalog, gpu: str, date: dt.date, given=None, *, provider: str | None = None,
                  kind: str = "on-demand") -> tuple:
    """(price [USD/h], where it came from): ``given`` (checked) or the catalog default; NaN if none is known."""
    if given is not None:
        return number_input(given, "price_usd_per_gpu_hour"), "given"
    choice = choose_price(catalog, gpu, date, provider=provider, kind=kind)
    if choice is None:
        return float("nan"), no_price_message(gpu, kind)
    # the description (text carrying its figures, PriceSource) is made from the choice alone: once per choice
    return choice.price_usd_per_gpu_hour, catalog.derived_many("price_source", (gpu, provider, kind, date), choice.source,
                                                               maxsize=4096)


def price_counts(catalog: Catalog, gpu: str, date: dt.date, given=None, *, provider: str | None = None,
                 kind: str = "on-demand") -> dict:
    """``{"price_quotes": n, "price_providers": m}``: the distinct quotes and providers behind the price
    :func:`resolve_price` uses; both None for a given price or when no price is known."""
    choice = None if given is not None else choose_price(catalog, gpu, date, provider=provider, kind=kind)
    if choice is None:
        return {"price_quotes": None, "price_providers": None}
    return {"price_quotes": choice.n_quotes, "price_providers": choice.n_providers}


def price_spread_log(catalog: Catalog, gpu: str, date: dt.date, *, provider: str | None = None,
                     kind: str = "on-demand") -> float | None:
    """Standard deviation of ln(price) of the distinct quotes :func:`choose_price` uses. [ln USD/h]

    With fewer than three such quotes, the spread of all of the accelerator's distinct quotes of
    that kind and those offers; None when there are fewer than two quotes in all.
    """
    choice = choose_price(catalog, gpu, date, provider=provider, kind=kind)
    if choice is None:
        return None
    pool = list(choice.quotes)
    if len(pool) < 3:
        pool = _distinct(q for q in catalog.quotes(gpu, provider=provider, kind=kind)
                         if q.offer is None or q.offer in DEFAULT_OFFERS)
    if len(pool) < 2:
        return None
    return statistics.stdev(math.log(q.price_usd_per_gpu_hour) for q in pool)


def quote_evidence(catalog: Catalog, gpu: str, date: dt.date, kind: str = "on-demand", provider: str | None = None) -> dict:
    """The evidence behind a catalog price, for results that compare prices (Pareto search, deployment).

    ``{"price_quotes": n, "price_providers": m, "thin_evidence": bool}``: thin when the price (of
    ``provider``, if given) rests on fewer than :data:`MIN_QUOTES` distinct quotes, or when that kind
    of capacity for ``gpu`` has fewer than :data:`MIN_QUOTES` quotes from :data:`MIN_PROVIDERS`
    providers in the whole catalog: the rule the default price of ``costcurve train`` follows.
    """
    own = choose_price(catalog, gpu, date, provider=provider, kind=kind)
    market = own if provider is None else choose_price(catalog, gpu, date, provider=None, kind=kind)
    if own is None:
        return {"price_quotes": None, "price_providers": None, "thin_evidence": True}
    return {"price_quotes": own.n_quotes, "price_providers": own.n_providers,
            "thin_evidence": not (own.meets_rule and market is not None and market.meets_rule)}
