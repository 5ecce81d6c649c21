"""Unit constants, parsing of human-written quantities, and validation of numeric inputs.

Inside costcurve every quantity is in a base unit: FLOP (a count), FLOP/s, bytes, bytes/s,
seconds, watts, joules, USD. Conversion happens only at the edges (catalog load, user input,
rendering). GB = 1e9 bytes, GiB = 2**30 bytes.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .errors import InputError

KILO, MEGA, GIGA, TERA, PETA, EXA = 1e3, 1e6, 1e9, 1e12, 1e15, 1e18
GB = 1e9  #: bytes in a gigabyte (SI)
GiB = 2**30  #: bytes in a gibibyte
TB = 1e12
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.25 * 86400.0
JOULES_PER_KWH = 3.6e6

_SUFFIX = {
    "": 1.0, "k": KILO, "K": KILO, "m": MEGA, "M": MEGA, "b": GIGA, "B": GIGA, "g": GIGA, "G": GIGA,
    "t": TERA, "T": TERA, "p": PETA, "P": PETA, "e": EXA, "E": EXA,
}
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKmMbBgGtTpPeE]?)\s*$")


def parse_quantity(text, field: str) -> float:
    """Parse ``7B``, ``15.6T``, ``3.8e25``, ``1,000`` or a plain number into a float.

    Suffixes: K=1e3, M=1e6, B/G=1e9, T=1e12, P=1e15, E=1e18 (case-insensitive).
    Raises InputError naming ``field`` when the text is not a number.
    """
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = str(text).replace(",", "").replace("_", "")
    m = _QUANTITY.match(s)
    if not m:
        raise InputError(f"cannot read {text!r} as a number (examples: 7B, 15.6T, 3.8e25, 0.4)", field=field)
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def check_positive(value, field: str, *, allow_zero: bool = False, upper: float | None = None,
                   upper_inclusive: bool = True):
    """Return ``value`` as float or float array after checking it is finite and > 0 (or >= 0).

    ``upper`` bounds it from above (e.g. MFU <= 1). Raises InputError naming ``field``.
    """
    arr = np.asarray(value, dtype=float) if not isinstance(value, float) else value
    if isinstance(arr, float):
        ok_finite = math.isfinite(arr)
        bad_low = arr < 0 if allow_zero else arr <= 0
        bad_high = upper is not None and (arr > upper if upper_inclusive else arr >= upper)
        if not ok_finite or bad_low or bad_high:
            raise InputError(f"got {arr!r}; allowed: {_allowed(allow_zero, upper, upper_inclusive)}", field=field)
        return arr
    if arr.size == 0:
        raise InputError("got an empty array", field=field)
    bad = ~np.isfinite(arr)
    bad |= (arr < 0) if allow_zero else (arr <= 0)
    if upper is not None:
        bad |= (arr > upper) if upper_inclusive else (arr >= upper)
    if bad.any():
        first = arr[bad].flat[0]
        raise InputError(f"got {first!r}; allowed: {_allowed(allow_zero, upper, upper_inclusive)}", field=field)
    return arr if arr.ndim else float(arr)


def _allowed(allow_zero: bool, upper, upper_inclusive: bool) -> str:
    low = "finite number >= 0" if allow_zero else "finite number > 0"
    if upper is None:
        return low
    return f"{low} and {'<=' if upper_inclusive else '<'} {upper:g}"


def positive_quantity(value, field: str, **kw):
    """Parse (if text) and check a positive quantity; arrays pass through :func:`check_positive`."""
    if isinstance(value, str):
        value = parse_quantity(value, field)
    return check_positive(value, field, **kw)


def number_input(value, field: str, *, integer: bool = False, upper: float | None = None, allow_zero: bool = False):
    """A user number (text with suffix, int, float or array) → float or float array, checked.

    Finite, > 0 (or >= 0 with ``allow_zero``), <= ``upper``; whole numbers with ``integer``.
    None passes through. Raises InputError naming ``field``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_quantity(value, field)
    elif isinstance(value, (int, np.integer)):
        value = float(value)
    v = check_positive(value, field, upper=upper, allow_zero=allow_zero)
    if integer and np.any(np.asarray(v) != np.floor(v)):
        bad = np.asarray(v)[np.asarray(v) != np.floor(v)].flat[0]
        raise InputError(f"got {bad:g}; allowed: a whole number >= 1", field=field)
    return v


def decimal_year(d) -> float:
    """``date`` → decimal year (1 Jan = .0). [year]"""
    import datetime as dt

    start = dt.date(d.year, 1, 1).toordinal()
    return d.year + (d.toordinal() - start) / (dt.date(d.year + 1, 1, 1).toordinal() - start)


def date_of(year: float):
    """Decimal year → date (inverse of :func:`decimal_year`, to the day)."""
    import datetime as dt

    y = int(math.floor(year))
    start = dt.date(y, 1, 1).toordinal()
    days = dt.date(y + 1, 1, 1).toordinal() - start
    return dt.date.fromordinal(start + min(int(round((year - y) * days)), days - 1))


def parse_date(value, field: str = "date"):
    """A date from ``datetime.date`` or text: ``2020-05-28``, ``2020-05`` (mid-month), ``2020`` (1 July)
    or a decimal year ``2020.41``; None → today. Years 1900..2100. Raises InputError naming ``field``."""
    import datetime as dt

    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
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
        raise InputError(f"got {value!r}; allowed: a date YYYY-MM-DD, YYYY-MM, a year or a decimal year",
                         field=field) from None
    if not 1900 <= d.year <= 2100:
        raise InputError(f"got {value!r}; allowed: years 1900..2100", field=field)
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


def format_count(value) -> str:
    """Format a count for tables: 405.9B, 15.6T, 124M."""
    if value is None or not math.isfinite(value):
        return "n/a"
    for scale, s in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:,.4g}{s}"
    return f"{value:,.0f}"


def format_usd(value: float) -> str:
    """Format dollars for tables: $4.60M, $450K, $12.60."""
    if not math.isfinite(value):
        return "n/a"
    for scale, s in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"${value / scale:,.3g}{s}"
    if abs(value) >= 0.01 or value == 0:
        return f"${value:,.2f}"
    return f"${value:.{2 - math.floor(math.log10(abs(value)))}f}"  # three significant digits: $0.000146
