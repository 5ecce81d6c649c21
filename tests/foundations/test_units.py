"""Number parsing by kind (counts, times, money, plain numbers): round trips and refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcurve.errors import CostcurveError, InputError
from costcurve.units import COUNT_SUFFIX, TIME_UNIT, number_input, parse_quantity, show

SUFFIXES = [s for s in COUNT_SUFFIX if s]


@settings(max_examples=200, deadline=None)
@given(mantissa=st.decimals(min_value="0.001", max_value="999.999", places=3), suffix=st.sampled_from(SUFFIXES),
       upper=st.booleans())
def test_count_suffix_round_trip(mantissa, suffix, upper):
    text = f"{mantissa}{suffix.upper() if upper else suffix}"
    assert parse_quantity(text, "tokens") == pytest.approx(float(mantissa) * COUNT_SUFFIX[suffix], rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 10**15), frac=st.sampled_from(["", ".5", ".25"]))
def test_thousands_separators_round_trip(n, frac):
    for kind in ("count", "money", "plain"):
        assert parse_quantity(f"{n:,}{frac}", "x", kind) == float(f"{n}{frac}")
        assert parse_quantity(f"{n:_}{frac}", "x", kind) == float(f"{n}{frac}")


@settings(max_examples=200, deadline=None)
@given(x=st.floats(1e-6, 1e6), unit=st.sampled_from(sorted(TIME_UNIT)))
def test_time_units_round_trip(x, unit):
    text = f"{x!r}{unit}"
    assert parse_quantity(text, "max_time_to_first_token_s", "time") == pytest.approx(x * TIME_UNIT[unit], rel=1e-12)
    # days: the same duration in days
    assert parse_quantity(text, "days", "time", default_unit="d") == pytest.approx(x * TIME_UNIT[unit] / 86400, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(x=st.floats(1e-9, 1e9))
def test_plain_number_is_the_fields_unit(x):
    assert parse_quantity(repr(x), "t", "time") == x
    assert parse_quantity(repr(x), "days", "time", default_unit="d") == x
    assert parse_quantity(f"${x!r}", "price", "money") == x


@settings(max_examples=200, deadline=None)
@given(a=st.integers(0, 999), b=st.integers(0, 99), suffix=st.sampled_from(["", "T", "B"]))
def test_decimal_comma_is_refused_with_a_hint(a, b, suffix):
    text = f"{a},{b:02d}{suffix}" if b < 100 else None
    with pytest.raises(InputError, match="thousands separator") as e:
        parse_quantity(text, "tokens")
    assert e.value.field == "tokens"


@pytest.mark.parametrize("text", ["50m", "50M", "0.5m", "1,000m"])
def test_m_is_refused_for_times(text):
    with pytest.raises(InputError, match="ambiguous.*ms.*min") as e:
        parse_quantity(text, "max_time_per_output_token_s", "time")
    assert e.value.field == "max_time_per_output_token_s"


@pytest.mark.parametrize("text,kind", [("7B", "plain"), ("30K", "money"), ("2.5k", "money"), ("1T", "time"),
                                       ("0.4x", "plain"), ("5 parsecs", "time"), ("7Q", "count"), ("1,5T", "count"),
                                       ("2,50", "money"), ("1,0000", "count"), ("1,00,000", "count"), (",5", "count"),
                                       ("1__000", "count"), ("", "count"), ("  ", "time"), ("nan", "count"),
                                       ("inf", "plain"), ("-", "money"), ("$", "money"), ("$$2", "money"),
                                       ("1e", "plain"), ("0x10", "count"), ("1/2", "plain"), ("½", "plain")])
def test_bad_forms_are_refused(text, kind):
    with pytest.raises(InputError) as e:
        parse_quantity(text, "f", kind)
    assert e.value.field == "f"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30), kind=st.sampled_from(["count", "time", "money", "plain"]))
def test_any_text_gives_a_number_or_a_typed_error(text, kind):
    try:
        v = parse_quantity(text, "f", kind)
    except InputError as e:
        assert e.field == "f" and "\n" not in str(e)
    else:
        assert isinstance(v, float)


@settings(max_examples=100, deadline=None)
@given(x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400)))
def test_number_input_never_raises_bare(x):
    try:
        v = number_input(x, "gpus", integer=True)
    except InputError as e:
        assert e.field == "gpus" and len(str(e)) < 200  # never a 400-digit number in a message
    else:
        assert math.isfinite(v) and v >= 1 and v == int(v)


def test_show_never_prints_long_numbers():
    assert show(10**300) == "a 301-digit integer"
    assert show(1e308) == "1e+308"
    assert len(show("x" * 10_000)) < 60


@pytest.mark.parametrize("value", [[1, "x"], {"a": 1}, object(), True, b"7", np.array([]), np.array([1.0, np.nan])])
def test_number_input_refuses_non_numbers(value):
    with pytest.raises(CostcurveError) as e:
        number_input(value, "tokens")
    assert e.value.field == "tokens"
