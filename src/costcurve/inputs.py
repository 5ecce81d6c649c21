"""Checks shared by the estimators: model lookup, choices, price dates, contradictions, results.

Validation lives here and in the estimators, not in the CLI: every failure is a
:class:`~costcurve.errors.InputError` whose ``field`` is the estimator's parameter name, which the
CLI maps to the option the user typed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path

import numpy as np

from .architecture import Architecture
from .catalog import PRICE_KINDS
from .errors import CostcurveError, InputError
from .units import number_input, show

#: a quote table says nothing about prices this long after its last quote: such dates get a note [days]
PRICE_EXTRAPOLATION_NOTE_DAYS = 365


def check_choice(value, allowed, field: str) -> str:
    """``value`` if it is one of ``allowed`` (strings), else InputError listing them."""
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"got {show(value)}; allowed: {', '.join(allowed)}", field=field)
    return value


def check_text(value, field: str, *, optional: bool = False):
    """A non-empty string (a name), or None when ``optional``."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"got {show(value)}; allowed: a name (text)", field=field)
    return value


def scalar_ndim(v) -> int:
    """``np.ndim(v)``, without numpy for a Python number or None (the scalar call)."""
    return 0 if v is None or type(v) is float or type(v) is int else np.ndim(v)


def largest(v) -> float:
    """The largest value of a number or array (for a note that quotes one figure of a sweep)."""
    return v if type(v) is float else float(np.max(np.asarray(v, dtype=float)))


def resolve_model(model, catalog):
    """A model argument → (name, Architecture or None, trained-model record or None).

    ``model`` is an :class:`Architecture`, a preset name or alias, a trained-model name from the
    models table, or a path to a Hugging Face ``config.json``.
    """
    if isinstance(model, Architecture):
        return model.name, model, None
    if isinstance(model, Path):
        model = str(model)
    text = check_text(model, "model").strip()
    if text.endswith(".json") or "/" in text or "\\" in text:
        from .hfconfig import read_hf_config

        arch = read_hf_config(text)  # a file: read on every call, so an edit is seen
        return arch.name, arch, None
    # a name: looked up in the catalog's tables once per catalog (they do not change after loading)
    return catalog.derived_many("resolved model", text, _model_by_name, text, catalog)


def _model_by_name(text: str, catalog) -> tuple:
    """:func:`resolve_model` of a preset, alias or trained-model name."""
    record = catalog.models.get(text.lower())
    arch = None
    try:
        arch = catalog.architecture(text)
    except CostcurveError:
        if record is None:
            raise
    if record is None and arch is not None:
        record = catalog.model_by_preset.get(arch.name)
    if arch is None and record is not None and record.get("preset"):
        arch = catalog.architecture(record["preset"])
    return (arch.name if arch is not None else record["name"]), arch, record


def check_monte_carlo_options(samples, seed, uncertain: bool) -> None:
    """``samples``/``seed`` only mean something when a Monte Carlo runs; refuse them otherwise."""
    for name, v in (("samples", samples), ("seed", seed)):
        if v is not None and not uncertain:
            raise InputError("applies only to a Monte Carlo: give a range on some input (e.g. 0.3..0.5) "
                             "or `uncertainty`", field=name)


def check_price_date(catalog, acc, date: dt.date, *, kind: str, provider) -> str | None:
    """A note when a catalog price is taken at a date its quotes do not cover, with the range that does.

    Before ``acc``'s release there was no such price at all; outside the quotes' dates (by more
    than :data:`PRICE_EXTRAPOLATION_NOTE_DAYS`) the price is the nearest quotes', not that date's.
    Only for prices taken from the catalog (a given price makes the date irrelevant).
    """
    span = catalog.quote_date_range(acc.name, provider=provider, kind=kind)
    if span is None:
        return None
    first, last = span
    early = date < acc.release_date
    if not early and (first - date).days <= PRICE_EXTRAPOLATION_NOTE_DAYS \
            and (date - last).days <= PRICE_EXTRAPOLATION_NOTE_DAYS:
        return None  # the common case: the quotes cover the date
    where = f"{acc.name} {kind} quotes span {first}..{last}"
    if early:
        return (f"{date} is before {acc.name} was released ({acc.release_date}): it had no rental price then; "
                f"the price is that of the nearest quotes ({where}; dates that make sense: {acc.release_date} on)")
    return f"{date} is more than a year outside the quotes ({where}): the price is that of the nearest quotes, not a forecast"


#: typical magnitudes of the inputs, to tell which input made a result overflow (see :func:`blame`)
TYPICAL = {"params": 1e10, "active_params": 1e10, "tokens": 1e12, "training_flop": 1e23, "gpus": 1e3, "days": 30.0,
           "mfu": 0.4, "goodput": 0.9, "seq_len": 4096.0, "price_usd_per_gpu_hour": 2.0, "chip_price_usd": 3e4,
           "batch": 64.0, "input_tokens": 1000.0, "output_tokens": 300.0, "queries_per_day": 1e8, "utilization": 0.5,
           "flop_efficiency": 0.45, "bandwidth_efficiency": 0.75, "interconnect_efficiency": 0.7,
           "allreduce_latency_s": 1e-5, "memory_utilization": 0.9, "pue": 1.2, "electricity_usd_per_kwh": 0.1,
           "grid_kg_co2_per_kwh": 0.4, "depreciation_per_year": 0.3, "server_overhead": 2.0,
           "server_power_overhead": 1.5, "power_utilization": 0.7}


def blame(given: dict) -> str:
    """The name of the given input furthest (in orders of magnitude) from its typical value."""
    best, score = None, -1.0
    for name, v in given.items():
        v = _as_number(name, v)
        if v is None:
            continue
        with np.errstate(all="ignore"):
            a = np.abs(np.asarray(v, dtype=float)) / TYPICAL.get(name, 1.0)
            d = np.abs(np.log10(np.where(a > 0, a, 1e-330)))
        s = float(np.nanmax(d)) if d.size else 0.0
        if s > score:
            best, score = name, s
    return best or next(iter(given), "model")


def _as_number(name, v):
    """A given input as a number (text parsed as its field's kind), or None (ranges, unreadable)."""
    if isinstance(v, str):
        from .uncertainty import QUANTITY_KIND
        from .units import parse_quantity

        kind, unit = QUANTITY_KIND.get(name, ("count", "s"))
        try:
            return parse_quantity(v, name, kind, default_unit=unit)
        except InputError:
            return None
    if v is None or isinstance(v, bool):
        return None
    try:
        return np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return None


def check_result(value, what: str, given: dict, *, unit: str = "", allow_nan: bool = False) -> None:
    """Refuse a result that is infinite, NaN (unless ``allow_nan``) or zero where it must be > 0.

    The error names the input of ``given`` (a dict of the inputs, or a function returning one, built
    only on failure) that most likely caused it (:func:`blame`).
    """
    if isinstance(value, float) and (value > 0 and value != math.inf or allow_nan and value != value):
        return  # the common scalar case, without numpy
    a = np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = (a > 0) & (a < math.inf)  # NaN fails both
    if allow_nan:
        ok |= np.isnan(a)
    if not ok.all():
        bad = ~ok
        given = given() if callable(given) else given
        field = blame(given)
        v = float(a[bad].flat[0]) if a.ndim else float(a)
        got = "not finite" if not math.isfinite(v) else f"{v:g} {unit}".strip()
        raise InputError(f"gives a {what} that is {got}: outside what floating point or the model can represent; "
                         f"give a realistic value{_got(field, given)}", field=field)


class blamed_on:
    """``with blamed_on(given, "training_flop", ...)``: an InputError about one of the named internal
    quantities (made from the inputs, not given) is raised again naming the input of ``given`` most
    likely to blame (:func:`blame`), e.g. a budget whose FLOP overflow names ``usd``."""

    def __init__(self, given: dict, *internal: str):
        self.given, self.internal = given, set(internal)

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if isinstance(err, InputError) and err.field in self.internal:
            given = {k: v for k, v in self.given.items() if v is not None}
            field = blame(given) if given else err.field
            what = err.field.replace("_", " ").replace("flop", "FLOP")
            raise InputError(f"gives a {what} outside what floating point or the model can "
                             f"represent ({err.message}); give a realistic value{_got(field, given)}",
                             field=field) from None
        return False


def _got(field, given) -> str:
    """`` (got 1e+308)`` for the blamed input, or nothing when it was not among the numbers given."""
    v = _as_number(field, given.get(field))
    return "" if v is None else f" (got {show(_first(v))})"


def _first(v):
    a = np.asarray(v, dtype=float)
    return float(a.flat[0]) if a.size == 1 else float(a[np.argmax(np.abs(np.log10(np.abs(a) + 1e-330)))])


@functools.cache
def _prices():
    """costcurve.prices, imported on first use (``import costcurve`` does without it and its statistics)."""
    from . import prices

    return prices


HOURLY_PRICES_KEPT = 4096  #: catalog prices (accelerator, date, provider, kind) kept per catalog by hourly_price


def hourly_price(catalog, acc, date: dt.date, price, *, provider, price_kind, notes: list) -> tuple:
    """(hourly price [USD/h], its source): ``price`` as given (money), else the catalog's default for
    ``acc`` near ``date``, after checking ``price_kind`` and that the quotes cover ``date`` (a note
    in ``notes`` when they don't). The one price step of ``train`` and ``infer``."""
    price = number_input(price, "price_usd_per_gpu_hour", kind="money")
    if price is not None:
        return _prices().resolve_price(catalog, acc.name, date, price, provider=provider, kind=price_kind)
    check_choice(price_kind, PRICE_KINDS, "price_kind")
    if type(date) is dt.date and (provider is None or type(provider) is str):  # hashable values: cached
        # the catalog's quotes do not change after loading: the note and the price depend on these values
        # alone (of the accelerator, its name and release date)
        note, price, source = catalog.derived_many("hourly_price", (acc.name, acc.release_date, date, provider,
                                                                    price_kind), _catalog_price, catalog, acc, date,
                                                   provider, price_kind, maxsize=HOURLY_PRICES_KEPT)
    else:
        note, price, source = _catalog_price(catalog, acc, date, provider, price_kind)
    if note:
        notes.append(note)
    return price, source


def _catalog_price(catalog, acc, date: dt.date, provider, price_kind) -> tuple:
    """(note on the date or None, catalog price [USD/h], its source) of :func:`hourly_price`."""
    note = check_price_date(catalog, acc, date, kind=price_kind, provider=provider)
    return (note, *_prices().resolve_price(catalog, acc.name, date, None, provider=provider, kind=price_kind))
