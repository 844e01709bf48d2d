"""Money and positions of one account: fills, netting and settlement payouts.

Positions are net: buying NO while holding YES closes YES contracts, and each closed YES+NO
pair pays $1 back at once (the pair is worth exactly $1 whatever the result).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from domain.money import ONE, ZERO
from infra.sim.models import Account, PositionState, Settlement

_EXPOSURE_PLACES = Decimal("0.000001")


def position_for(account: Account, ticker: str, event_ticker: str) -> PositionState:
    position = account.positions.get(ticker)
    if position is None:
        position = account.positions[ticker] = PositionState(account.key_id, ticker, event_ticker)
    return position


def apply_trade(
    account: Account,
    position: PositionState,
    *,
    buys_yes: bool,
    count: Decimal,
    price: Decimal,
    fee: Decimal,
    ts: float,
) -> None:
    """Debit cost + fee, update the net position, and credit $1 for each pair that nets out."""
    cost = count * price
    account.balance -= cost + fee
    account.updated_ts = ts
    position.traded += cost
    position.fees += fee
    position.updated_ts = ts
    signed = count if buys_yes else -count
    held = abs(position.position)
    if position.position == 0 or (position.position > 0) == buys_yes:
        position.position += signed
        position.exposure += cost
        return
    netted = min(count, held)
    if netted == held:
        released = position.exposure
    else:
        released = (position.exposure * netted / held).quantize(
            _EXPOSURE_PLACES, rounding=ROUND_HALF_EVEN
        )
    account.balance += netted * ONE
    position.realized += netted * ONE - netted * price - released
    position.exposure -= released
    position.position += signed
    leftover = count - netted
    if leftover > 0:
        position.exposure += leftover * price


def settle(
    account: Account, position: PositionState, *, result: str, seq: int, ts: float
) -> Settlement:
    """Pay $1 per winning contract, record the settlement, and close the position."""
    yes_count = max(position.position, ZERO)
    no_count = max(-position.position, ZERO)
    winners = yes_count if result == "yes" else no_count
    payout = winners * ONE
    account.balance += payout
    account.updated_ts = ts
    record = Settlement(
        seq=seq,
        account=account.key_id,
        ticker=position.ticker,
        event_ticker=position.event_ticker,
        result=result,
        yes_count=yes_count,
        yes_cost=position.exposure if yes_count > 0 else ZERO,
        no_count=no_count,
        no_cost=position.exposure if no_count > 0 else ZERO,
        revenue_cents=int(payout * 100),
        fee_cost=position.fees,
        value_cents=100 if result == "yes" else 0,
        settled_ts=ts,
    )
    position.realized += payout - position.exposure
    position.exposure = ZERO
    position.position = ZERO
    position.settled = True
    position.updated_ts = ts
    account.settlements.append(record)
    return record
