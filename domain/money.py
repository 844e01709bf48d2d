"""Exact money, prices and contract counts.

Everything is `Decimal`. Kalshi sends dollar strings with up to six decimals ("0.5600",
"12.345678") and fixed-point counts with two ("10.00"); the database stores integers of a
fixed minor unit: micro-dollars for money and prices, centi-contracts for counts.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
COUNT_STEP = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal(0)
MICROS_PER_DOLLAR = 1_000_000
CENTIS_PER_CONTRACT = 100


class MoneyFormatError(ValueError):
    """A value that should be an exact amount is not one (float, NaN, garbage text)."""


def to_decimal(value: object, *, field: str = "value") -> Decimal:
    """Parse an exact decimal from a string, int or Decimal; refuse floats and non-finite values."""
    if isinstance(value, bool | float):
        raise MoneyFormatError(f"{field}: {value!r} is not an exact amount (floats are refused)")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise MoneyFormatError(f"{field}: {value!r} is not a decimal number") from exc
    else:
        raise MoneyFormatError(f"{field}: expected a decimal string, got {type(value).__name__}")
    if not result.is_finite():
        raise MoneyFormatError(f"{field}: {value!r} is not a finite number")
    return result


def dollars_from_cents(cents: int) -> Decimal:
    """Integer cents (Kalshi's legacy unit, and still `revenue` on settlements) to dollars."""
    return (Decimal(cents) / 100).quantize(CENT)


def ceil_to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def floor_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of `step` not above `amount` (for counts and prices)."""
    if step <= 0:
        raise ValueError("step must be positive")
    return (amount / step).to_integral_value(rounding=ROUND_FLOOR) * step


def to_micros(amount: Decimal) -> int:
    """Dollars to integer micro-dollars; refuses amounts finer than a micro-dollar."""
    scaled = amount * MICROS_PER_DOLLAR
    if scaled != scaled.to_integral_value():
        raise MoneyFormatError(f"{amount} has more than six decimal places")
    return int(scaled)


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS_PER_DOLLAR).quantize(MICRO)


def to_centis(count: Decimal) -> int:
    """Contracts to integer centi-contracts; refuses counts finer than 0.01."""
    scaled = count * CENTIS_PER_CONTRACT
    if scaled != scaled.to_integral_value():
        raise MoneyFormatError(f"count {count} has more than two decimal places")
    return int(scaled)


def from_centis(centis: int) -> Decimal:
    return (Decimal(centis) / CENTIS_PER_CONTRACT).quantize(COUNT_STEP)


def dollar_str(amount: Decimal, places: int = 4) -> str:
    """A Kalshi FixedPointDollars request string ("0.5600"); requests accept 2 to 4 decimals."""
    quantum = Decimal(1).scaleb(-places)
    quantized = amount.quantize(quantum, rounding=ROUND_HALF_EVEN)
    if quantized != amount:
        raise MoneyFormatError(f"{amount} does not fit in {places} decimal places")
    return f"{quantized:f}"


def count_str(count: Decimal) -> str:
    """A Kalshi FixedPointCount string ("10.00")."""
    quantized = count.quantize(COUNT_STEP, rounding=ROUND_HALF_EVEN)
    if quantized != count:
        raise MoneyFormatError(f"count {count} does not fit in two decimal places")
    return f"{quantized:f}"


def exact_dollars(amount: Decimal) -> str:
    """Every digit of a stored amount, at least two places: "-0.50", "9995.8325", "1000.00".

    For figures that must not be rounded for display (cash drift, `status --json`)."""
    micro = amount.quantize(MICRO, rounding=ROUND_HALF_EVEN).normalize()
    return f"{micro.quantize(CENT) if micro.as_tuple().exponent > -2 else micro:f}"


def usd(amount: Decimal) -> str:
    """Human display: "$1,234.56" (two places, sign before the dollar sign)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(CENT, rounding=ROUND_HALF_EVEN):,.2f}"
