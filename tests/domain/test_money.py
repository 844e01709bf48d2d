from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import (
    MoneyFormatError,
    count_str,
    dollar_str,
    dollars_from_cents,
    from_centis,
    from_micros,
    to_centis,
    to_decimal,
    to_micros,
    usd,
)

micro_amounts = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False
)


@given(micro_amounts)
def test_micros_round_trip_exactly(amount: Decimal) -> None:
    assert from_micros(to_micros(amount)) == amount


@given(st.decimals(min_value=0, max_value=Decimal("1e7"), places=2, allow_nan=False))
def test_centis_round_trip_exactly(count: Decimal) -> None:
    assert from_centis(to_centis(count)) == count


def test_finer_than_the_minor_unit_is_refused() -> None:
    with pytest.raises(MoneyFormatError, match="six decimal"):
        to_micros(Decimal("0.0000001"))
    with pytest.raises(MoneyFormatError, match="two decimal"):
        to_centis(Decimal("1.001"))


@pytest.mark.parametrize("bad", [0.5, True, "abc", "NaN", "Infinity", None, [1]])
def test_to_decimal_refuses_floats_and_garbage(bad: object) -> None:
    with pytest.raises(MoneyFormatError, match="price"):
        to_decimal(bad, field="price")


def test_to_decimal_accepts_wire_strings() -> None:
    assert to_decimal("0.5600") == Decimal("0.56")
    assert to_decimal(" 12.345678 ") == Decimal("12.345678")
    assert to_decimal(7) == Decimal(7)


def test_wire_strings() -> None:
    assert dollar_str(Decimal("0.56")) == "0.5600"
    assert count_str(Decimal(10)) == "10.00"
    assert dollars_from_cents(12345) == Decimal("123.45")
    with pytest.raises(MoneyFormatError):
        dollar_str(Decimal("0.123456"))
    with pytest.raises(MoneyFormatError):
        count_str(Decimal("1.005"))


def test_usd_display() -> None:
    assert usd(Decimal("1234.5")) == "$1,234.50"
    assert usd(Decimal("-0.015")) == "-$0.02"
