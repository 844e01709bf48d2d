"""What a settlement pays: shared by every exchange the project simulates (the embedded
simulator, the paper exchange, the replay venue), so the payout rule exists once."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from domain.models import MarketResult
from domain.money import CENT, ONE


def settlement_payout(
    result: str, yes_count: Decimal, no_count: Decimal, cost: Decimal, value: Decimal | None
) -> Decimal:
    """What a settlement pays the holder of `yes_count` YES and `no_count` NO contracts.

    A7: $1 a winning contract; a scalar market pays `value` (settlement_value_dollars) per YES
    contract and 1 - value per NO contract, rounded to whole cents (down: a balance change is
    floored to the cent, as fills are). A5.14 legacy: void = cancelled market, positions
    returned at cost; the contracts' cost (floored to the cent) is returned and the trading
    fees already charged are kept (the reference is silent on fee refunds; a client must read
    `revenue`, not assume either way).
    """
    if result == MarketResult.YES:
        amount = yes_count
    elif result == MarketResult.NO:
        amount = no_count
    elif result == MarketResult.SCALAR and value is not None:
        amount = yes_count * value + no_count * (ONE - value)
    elif result == MarketResult.VOID:
        amount = cost
    else:
        raise ValueError(f"cannot settle result {result!r} (scalar needs a value)")
    return amount.quantize(CENT, rounding=ROUND_FLOOR)


def yes_value_cents(result: str, value: Decimal | None) -> int | None:
    """A5.14 `value`: the payout of one YES contract in integer cents (None for a void)."""
    if result == MarketResult.YES:
        return 100
    if result == MarketResult.NO:
        return 0
    if result == MarketResult.SCALAR and value is not None:
        return int((value * 100).to_integral_value(rounding=ROUND_FLOOR))
    return None
