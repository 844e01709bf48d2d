"""What one fill does to a holding: the step of the book's fold (domain.fold).

A fill's cash is the venue's rule (A5.9, A7): the side bought costs its price times the count
plus `fee_cost`, and every YES+NO pair that nets out pays $1 back at once, so buying the side
opposite a holding is a sale of it at that side's price (selling NO at q is buying YES at
1 - q).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from domain.base import Frozen
from domain.models import FillReport, Position, Side
from domain.money import MICRO, ONE, ZERO


class Holding(Frozen):
    """A net position in one market: `count` contracts of `side` that cost `cost` (fees in)."""

    side: Side
    count: Decimal
    cost: Decimal

    @classmethod
    def of(cls, position: Position | None) -> Holding | None:
        if position is None:
            return None
        return cls(side=position.side, count=position.count, cost=position.cost)


class Sale(Frozen):
    """Contracts of a holding closed by a fill on the other side: a sale, with its P&L."""

    count: Decimal
    proceeds: Decimal  # count x (1 - price bought) - the sale's share of the fee
    fee: Decimal  # the sale's share of the fill's fee
    released_cost: Decimal  # the part of the holding's cost these contracts carried

    @property
    def realized_pnl(self) -> Decimal:
        return self.proceeds - self.released_cost


class FillEffect(Frozen):
    fill: FillReport
    cash: Decimal  # the signed change to the balance
    after: Holding | None  # None: the market is flat
    sale: Sale | None = None


def _micro(amount: Decimal) -> Decimal:
    return amount.quantize(MICRO, rounding=ROUND_HALF_EVEN)


def apply_fill(held: Holding | None, fill: FillReport) -> FillEffect:
    """The fill's cash and the holding after it (A5.9 netting; A7 prices and fees)."""
    bought, count, price, fee = fill.side, fill.count, fill.price, fill.fee
    cash = -(price * count) - fee
    if held is None or held.count == 0 or held.side is bought:
        base_count = held.count if held is not None else ZERO
        base_cost = held.cost if held is not None else ZERO
        after = Holding(side=bought, count=base_count + count, cost=base_cost + price * count + fee)
        return FillEffect(fill=fill, cash=cash, after=after)
    netted = min(count, held.count)
    opened = count - netted
    cash += netted * ONE
    sale_fee = fee if opened == 0 else _micro(fee * netted / count)
    released = held.cost if netted == held.count else _micro(held.cost * netted / held.count)
    sale = Sale(
        count=netted,
        proceeds=netted * (ONE - price) - sale_fee,
        fee=sale_fee,
        released_cost=released,
    )
    if opened > 0:
        after: Holding | None = Holding(
            side=bought, count=opened, cost=opened * price + fee - sale_fee
        )
    elif netted < held.count:
        after = Holding(side=held.side, count=held.count - netted, cost=held.cost - released)
    else:
        after = None
    return FillEffect(fill=fill, cash=cash, after=after, sale=sale)


def venue_order(fill: FillReport) -> tuple[datetime, int, str]:
    """The venue's sequence: time, then the venue's listing order within one timestamp."""
    return (fill.created_time, fill.seq, fill.fill_id)
