"""Unit constants, parsing of human-written quantities, and validation of numeric inputs.

Inside costcurve every quantity is in a base unit: FLOP (a count), FLOP/s, bytes, bytes/s,
seconds, watts, joules, USD. Conversion happens only at the edges (catalog load, user input,
rendering). GB = 1e9 bytes, GiB = 2**30 bytes.

Text is read by kind of quantity (:func:`parse_quantity`):

* ``count`` (parameters, tokens, FLOP, queries, accelerators): a number with an optional suffix
  K=1e3, M=1e6, B/G=1e9, T=1e12, P=1e15, E=1e18 (``7B``, ``15.6T``, ``3.8e25``);
* ``time``: a number with a unit, ``ns``, ``us``/``µs``, ``ms``, ``s``, ``min``, ``h``, ``d``
  (``50ms``, ``0.05s``, ``2h``), or a plain number in the field's own unit (seconds, or days for
  ``days``). ``m`` is refused: it would be minutes to some, milli- to others, million to the count parser;
* ``money`` (USD): a plain number, optionally after ``$``;
* ``plain`` (fractions, ratios, rates): a plain number.

In every kind a comma is only a thousands separator (``1,000,000``, ``12,345.5``); ``2,50`` or
``1,5T`` (decimal commas) are refused with a hint, as is ``_`` outside groups of three digits.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

import numpy as np

from .errors import InputError

KILO, MEGA, GIGA, TERA, PETA, EXA = 1e3, 1e6, 1e9, 1e12, 1e15, 1e18
GB = 1e9  #: bytes in a gigabyte (SI)
GiB = 2**30  #: bytes in a gibibyte
TB = 1e12
SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.25 * 86400.0
JOULES_PER_KWH = 3.6e6

#: smallest normal float [1]: a smaller input (e.g. mfu=1e-320) has lost its precision and would
#: give an infinite or meaningless result, so it is refused as an input
TINY = float(np.finfo(float).tiny)
KINDS = ("count", "time", "money", "plain")
COUNT_SUFFIX = {"": 1.0, "k": KILO, "m": MEGA, "b": GIGA, "g": GIGA, "t": TERA, "p": PETA, "e": EXA}
#: time units → seconds. ``m`` is deliberately absent (see the module docstring).
TIME_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0,
             "h": SECONDS_PER_HOUR, "hr": SECONDS_PER_HOUR, "d": SECONDS_PER_DAY, "day": SECONDS_PER_DAY,
             "days": SECONDS_PER_DAY}
_DEFAULT_UNIT_S = {"s": 1.0, "d": SECONDS_PER_DAY}
_NUMBER = re.compile(r"^([+-]?)(\d[\d,_]*(?:\.\d*)?|\.\d+)((?:[eE][+-]?\d+)?)(.*)$")
_GROUPED = re.compile(r"^\d{1,3}(?:([,_])\d{3})(?:\1\d{3})*(?:\.\d*)?$")
_KIND_NAME = {"count": "a count", "time": "a time", "money": "a dollar amount", "plain": "a number"}
_EXAMPLES = {"count": "7B, 15.6T, 3.8e25, 1,000,000", "time": "50ms, 0.05s, 2h, 30d or plain seconds",
             "money": "2.50, $2.50, 30,000", "plain": "0.4, 1.1, 3e-3"}


def show(value, width: int = 40) -> str:
    """``value`` for an error message: numbers as ``%g`` (never 300 digits), long text shortened."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        v = int(value)
        return str(v) if abs(v) < 10**15 else f"a {len(str(abs(v)))}-digit integer"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    text = repr(value)
    if len(text) > width:
        text = f"{text[:width - 12]}… ({len(str(value)):,} characters)"
    return text


def _refuse(text, field, kind, why=""):
    why = f"{why}; " if why else ""
    return InputError(f"cannot read {show(text)} as {_KIND_NAME[kind]}: {why}"
                      f"examples: {_EXAMPLES[kind]}", field=field)


def parse_quantity(text, field: str, kind: str = "count", *, default_unit: str = "s") -> float:
    """Parse human-written text of ``kind`` (count | time | money | plain, see the module doc) → float.

    Times come back in ``default_unit`` (``s`` or ``d``), which is also the unit of a plain number.
    Numbers (not text) pass through as floats. Raises :class:`InputError` naming ``field``.
    """
    if kind not in KINDS:
        raise InputError(f"got {show(kind)}; allowed: {', '.join(KINDS)}", field="kind")
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        try:
            return float(text)
        except OverflowError:
            raise InputError(f"got {show(text)}; allowed: a finite number", field=field) from None
    if not isinstance(text, str):
        raise InputError(f"got {type(text).__name__} {show(text)}; allowed: a number or text like {_EXAMPLES[kind]}",
                         field=field)
    s = text.strip()
    if kind == "money" and s.startswith("$"):
        s = s[1:].lstrip()
    m = _NUMBER.match(s)
    if not m:
        raise _refuse(text, field, kind)
    sign, mantissa, exponent, rest = m.groups()
    rest = rest.strip()
    if "," in mantissa or "_" in mantissa:
        if not _GROUPED.match(mantissa):
            raise _refuse(text, field, kind, "a comma is only a thousands separator (1,000,000); "
                                             "write decimals with a point (2.5, not 2,5)")
        mantissa = mantissa.replace(",", "").replace("_", "")
    value = float(sign + mantissa + exponent)
    if kind == "count":
        if rest.lower() not in COUNT_SUFFIX:
            raise _refuse(text, field, kind, f"unknown suffix {rest!r} (K, M, B, T, P, E)")
        return value * COUNT_SUFFIX[rest.lower()]
    if kind == "time":
        if rest in ("m", "M"):
            raise _refuse(text, field, kind, f"'{rest}' is ambiguous: write {mantissa}ms for milliseconds or "
                                             f"{mantissa}min for minutes")
        if rest == "":
            return value
        unit = rest.lower()
        if unit not in TIME_UNIT:
            raise _refuse(text, field, kind, f"unknown time unit {rest!r} (ns, us, ms, s, min, h, d)")
        return value * TIME_UNIT[unit] / _DEFAULT_UNIT_S[default_unit]
    if rest:
        what = "a count suffix" if rest.lower() in COUNT_SUFFIX else "a suffix"
        raise _refuse(text, field, kind, f"{rest!r} is {what}; suffixes belong to counts (params, tokens, FLOP)")
    return value


def check_positive(value, field: str, *, allow_zero: bool = False, upper: float | None = None,
                   upper_inclusive: bool = True, low: float | None = None):
    """Return ``value`` as float or float array after checking it is finite and > 0 (or >= 0).

    ``upper`` bounds it from above (e.g. MFU <= 1), ``low`` from below (inclusive, e.g. PUE >= 1).
    Raises InputError naming ``field``.
    """
    if isinstance(value, (bool, str, bytes)) or (isinstance(value, np.ndarray) and value.dtype.kind not in "iuf"):
        raise InputError(f"got {show(value)}; allowed: a number", field=field)
    if isinstance(value, float):
        arr = value
    else:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"got {type(value).__name__} {show(value)}; allowed: "
                             f"{_allowed(allow_zero, upper, upper_inclusive, low)}", field=field) from None
    if isinstance(arr, float):
        bad_low = (arr < 0 if allow_zero else arr <= 0) or (low is not None and arr < low) or 0 < abs(arr) < TINY
        bad_high = upper is not None and (arr > upper if upper_inclusive else arr >= upper)
        if not math.isfinite(arr) or bad_low or bad_high:
            raise InputError(f"got {show(arr)}; allowed: {_allowed(allow_zero, upper, upper_inclusive, low)}"
                             f"{_percent_hint(arr, upper)}", field=field)
        return arr
    if arr.size == 0:
        raise InputError("got an empty array", field=field)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr)
        bad |= (arr < 0) if allow_zero else (arr <= 0)
        bad |= (arr != 0) & (np.abs(arr) < TINY)
        if low is not None:
            bad |= arr < low
        if upper is not None:
            bad |= (arr > upper) if upper_inclusive else (arr >= upper)
    if bad.any():
        first = arr[bad].flat[0]
        raise InputError(f"got {show(first)}; allowed: {_allowed(allow_zero, upper, upper_inclusive, low)}"
                         f"{_percent_hint(float(first), upper)}", field=field)
    return arr if arr.ndim else float(arr)


def _percent_hint(value: float, upper) -> str:
    """For a fraction (``upper`` 1) given as a percentage (1 < value <= 100): ``; for 40% write 0.40``."""
    if upper != 1.0 or not 1.0 < value <= 100.0:
        return ""
    return f"; a fraction, not a percentage: for {value:g}% write {value / 100:.2f}"


def _allowed(allow_zero: bool, upper, upper_inclusive: bool, low=None) -> str:
    # subnormal values (below TINY) are refused too, but "> 0" is what a person reads
    base = "finite number >= 0" if allow_zero else "finite number > 0"
    if low is not None:
        base = f"finite number >= {low:g}"
    if upper is None:
        return base
    shown = f"{upper:,.0f}" if float(upper).is_integer() and 1e4 <= upper < 1e15 else f"{upper:g}"
    return f"{base} and {'<=' if upper_inclusive else '<'} {shown}"


def positive_quantity(value, field: str, kind: str = "count", **kw):
    """Parse (if text) and check a positive quantity; arrays pass through :func:`check_positive`."""
    if isinstance(value, str):
        value = parse_quantity(value, field, kind)
    return check_positive(value, field, **kw)


def number_input(value, field: str, *, kind: str = "count", integer: bool = False, upper: float | None = None,
                 allow_zero: bool = False, low: float | None = None, default_unit: str = "s"):
    """A user number (text, int, float or array) → float or float array, checked.

    Text is read as ``kind`` (see :func:`parse_quantity`). Finite, > 0 (or >= 0 with
    ``allow_zero``), >= ``low``, <= ``upper``; whole numbers with ``integer``. None passes through.
    Raises InputError naming ``field``.
    """
    if value is None:
        return None
    if type(value) is int and abs(value) < 2**53:
        value = float(value)
    if type(value) is float and TINY <= value < math.inf and (low is None or value >= low) \
            and (upper is None or value <= upper) and (not integer or value.is_integer()):
        return value  # the common case, checked without numpy
    if isinstance(value, str):
        value = parse_quantity(value, field, kind, default_unit=default_unit)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        value = float(value)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = parse_quantity(value, field)
    v = check_positive(value, field, upper=upper, allow_zero=allow_zero, low=low)
    if integer and (not v.is_integer() if isinstance(v, float) else np.any(np.asarray(v) != np.floor(v))):
        bad = np.asarray(v)[np.asarray(v) != np.floor(v)].flat[0]
        raise InputError(f"got {show(float(bad))}; allowed: a whole number >= {1 if low is None else low:g}",
                         field=field)
    return v


def decimal_year(d) -> float:
    """``date`` → decimal year (1 Jan = .0). [year]"""
    start = dt.date(d.year, 1, 1).toordinal()
    return d.year + (d.toordinal() - start) / (dt.date(d.year + 1, 1, 1).toordinal() - start)


def date_of(year: float):
    """Decimal year → date (inverse of :func:`decimal_year`, to the day)."""
    y = int(math.floor(year))
    start = dt.date(y, 1, 1).toordinal()
    days = dt.date(y + 1, 1, 1).toordinal() - start
    return dt.date.fromordinal(start + min(int(round((year - y) * days)), days - 1))


def parse_date(value, field: str = "date"):
    """A date from ``datetime.date`` or text: ``2020-05-28``, ``2020-05`` (mid-month), ``2020`` (1 July)
    or a decimal year ``2020.41``; None → today. Years 1900..2100. Raises InputError naming ``field``."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    if type(value) is str:
        return _date_of_text(value, field)
    return _parse_date_text(str(value).strip(), value, field)


@functools.lru_cache(maxsize=256)
def _date_of_text(value: str, field: str):
    """:func:`parse_date` of text, cached on the text (a refused text raises each time: not cached)."""
    return _parse_date_text(value.strip(), value, field)


def _parse_date_text(s: str, value, field: str):
    try:
        if len(s) == 10 and s[4] == "-":
            d = dt.date.fromisoformat(s)
        elif len(s) == 7 and s[4] == "-":
            d = dt.date(int(s[:4]), int(s[5:]), 15)
        elif s.isdigit() and len(s) == 4:
            d = dt.date(int(s), 7, 1)
        else:
            d = date_of(float(s))
    except (ValueError, OverflowError):
        raise InputError(f"got {show(value)}; allowed: a date YYYY-MM-DD, YYYY-MM, a year or a decimal year",
                         field=field) from None
    if not 1900 <= d.year <= 2100:
        raise InputError(f"got {show(value)}; allowed: years 1900..2100", field=field)
    return d


def format_si(value: float, unit: str = "", digits: int = 3) -> str:
    """Format ``value`` with an SI prefix: ``format_si(3.14e23, 'FLOP') == '314 ZFLOP'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    prefixes = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, "")]
    for scale, p in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {p}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


#: tables switch to scientific notation from here on: no 300-digit numbers in a terminal
HUGE = 1e15


def format_number(value, decimals: int = 0) -> str:
    """Format a number for tables: ``12,345.6``; ``%.3g`` from :data:`HUGE` on; ``n/a`` if not finite."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= HUGE:
        return f"{value:.3g}"
    return f"{value:,.{decimals}f}"


def format_count(value) -> str:
    """Format a count for tables: 405.9B, 15.6T, 124M."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return _scaled(value, "", 4) or f"{value:,.0f}"


def _scaled(value: float, prefix: str, digits: int) -> str | None:
    """``value`` with a K/M/B/T suffix (``%.3g`` beyond :data:`HUGE`); None below a thousand."""
    if abs(value) >= HUGE:
        return f"{prefix}{value:.3g}"
    for scale, s in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{prefix}{value / scale:,.{digits}g}{s}"
    return None


def format_usd(value: float) -> str:
    """Format dollars for tables: $4.60M, $450K, $12.60; a credit as -$203K."""
    if not math.isfinite(value):
        return "n/a"
    if value < 0:
        return "-" + format_usd(-value)
    big = _scaled(value, "$", 3)
    if big:
        return big
    if abs(value) >= 0.01 or value == 0:
        return f"${value:,.2f}"
    if abs(value) < 1e-6:  # no runs of zeros: $6.15e-11
        return f"${value:.3g}"
    return f"${value:.{2 - math.floor(math.log10(abs(value)))}f}"  # three significant digits: $0.000146
