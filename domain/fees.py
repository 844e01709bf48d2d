"""Kalshi trading fees (standard series).

taker: round_up_to_cent(0.07 x C x P x (1 - P)); maker: the same with 0.0175 (25 % of taker),
charged only on series that charge makers.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ONE, ceil_to_cent

TAKER_RATE = Decimal("0.07")
MAKER_RATE = Decimal("0.0175")


def _fee(rate: Decimal, count: Decimal, price: Decimal) -> Decimal:
    if count < 0:
        raise ValueError("count must not be negative")
    if not 0 < price < 1:
        raise ValueError(f"price {price} is not strictly between $0 and $1")
    return ceil_to_cent(rate * count * price * (ONE - price))


def taker_fee(count: Decimal, price: Decimal, rate: Decimal = TAKER_RATE) -> Decimal:
    """The fee for taking `count` contracts at `price` dollars, rounded up to the cent."""
    return _fee(rate, count, price)


def maker_fee(count: Decimal, price: Decimal, rate: Decimal = MAKER_RATE) -> Decimal:
    """The fee for a resting order filled at `price`, on series that charge makers."""
    return _fee(rate, count, price)
