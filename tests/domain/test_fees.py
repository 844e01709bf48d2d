from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.fees import maker_fee, taker_fee
from domain.money import CENT

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2)
counts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2)


@pytest.mark.parametrize(
    ("count", "price", "fee"),
    [
        (Decimal(1), Decimal("0.50"), Decimal("0.02")),  # 0.0175 rounds up
        (Decimal(100), Decimal("0.50"), Decimal("1.75")),
        (Decimal(10), Decimal("0.10"), Decimal("0.07")),  # 0.063 rounds up
        (Decimal(1), Decimal("0.01"), Decimal("0.01")),  # 0.000693 rounds up to a cent
    ],
)
def test_taker_fee_examples(count: Decimal, price: Decimal, fee: Decimal) -> None:
    assert taker_fee(count, price) == fee


def test_maker_fee_is_a_quarter_rate() -> None:
    assert maker_fee(Decimal(100), Decimal("0.50")) == Decimal("0.44")  # 0.4375 up


@given(counts, prices)
def test_fee_rounds_up_to_a_whole_cent(count: Decimal, price: Decimal) -> None:
    exact = Decimal("0.07") * count * price * (1 - price)
    fee = taker_fee(count, price)
    assert fee == fee.quantize(CENT)
    assert exact <= fee < exact + CENT


@given(counts, prices)
def test_fee_is_symmetric_in_yes_and_no_price(count: Decimal, price: Decimal) -> None:
    assert taker_fee(count, price) == taker_fee(count, 1 - price)


@pytest.mark.parametrize("price", [Decimal(0), Decimal(1), Decimal("1.2")])
def test_fee_refuses_impossible_prices(price: Decimal) -> None:
    with pytest.raises(ValueError, match="between"):
        taker_fee(Decimal(1), price)
