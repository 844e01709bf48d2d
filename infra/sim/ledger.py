"""Money and positions of one account: fills, netting, fees and settlement payouts.

Positions are net (`domain.net_position`, shared with the paper exchange): buying NO while
holding YES closes YES contracts, and each closed YES+NO pair pays $1 back at once (the pair is
worth exactly $1 whatever the result). That is how a V2 `ask` sells YES and a `bid` sells NO
(A5.9: ask = sell YES = buy NO at 1 - price).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.fees import charge
from domain.models import Side
from domain.money import ZERO
from domain.net_position import NetPosition
from domain.payout import settlement_payout, yes_value_cents
from infra.sim.models import Account, Order, PositionState, Settlement

_EXPOSURE_PLACES = Decimal("0.000001")


class Result(StrEnum):
    """Settlement results (A5.14: `market_result` yes / no / scalar / void)."""

    YES = "yes"
    NO = "no"
    SCALAR = "scalar"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class Applied:
    """What one fill did: the contracts it closed and its net fee (the fill's `fee_cost`)."""

    closed: Decimal
    fee: Decimal


def position_for(account: Account, ticker: str, event_ticker: str) -> PositionState:
    position = account.positions.get(ticker)
    if position is None:
        position = account.positions[ticker] = PositionState(account.key_id, ticker, event_ticker)
    return position


def reducible(account: Account, ticker: str, buys_yes: bool) -> Decimal:
    """Contracts an order buying YES (or NO) would close: the opposite side held now."""
    position = account.positions.get(ticker)
    held = ZERO if position is None or position.settled else position.position
    return max(-held if buys_yes else held, ZERO)


def apply_trade(
    account: Account,
    position: PositionState,
    order: Order,
    *,
    buys_yes: bool,
    count: Decimal,
    price: Decimal,
    trade_fee: Decimal,
    ts: float,
) -> Applied:
    """Net the position, then move the balance by the fill's revenue minus its net fee.

    Revenue (A7 fee rounding: "signed; negative for buyers") is -count x price plus $1 for each
    pair that nets out, so a sale's revenue is its proceeds. The fee follows `fees.charge`.
    """
    side = Side.YES if buys_yes else Side.NO
    before = NetPosition(
        position.position, position.exposure, position.fees, position.traded, position.realized
    )
    result = charge(before.revenue(side, count, price), trade_fee, order.fee_accumulator)
    order.fee_accumulator = result.accumulator
    account.balance += result.balance_change
    account.updated_ts = ts
    after = before.after(side, count, price, result.net_fee)
    position.position, position.exposure = after.position, after.exposure
    position.fees, position.traded, position.realized = after.fees, after.traded, after.realized
    position.updated_ts = ts
    return Applied(before.closes(side, count), result.net_fee)


def settle(
    account: Account,
    position: PositionState,
    *,
    result: str,
    value: Decimal | None,
    seq: int,
    ts: float,
) -> Settlement:
    """Pay the contracts held now (never more), record the settlement, close the position.

    A position the user closed by hand holds 0 contracts: its record says 0 and revenue 0.
    """
    yes_count = max(position.position, ZERO)
    no_count = max(-position.position, ZERO)
    paid = settlement_payout(result, yes_count, no_count, position.exposure, value)
    account.balance += paid
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
        revenue_cents=int(paid * 100),
        fee_cost=position.fees,
        value_cents=yes_value_cents(result, value),
        settled_ts=ts,
    )
    position.realized += paid - position.exposure
    position.exposure = ZERO
    position.position = ZERO
    position.settled = True
    position.updated_ts = ts
    account.settlements.append(record)
    return record
