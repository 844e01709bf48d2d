"""The book follows the venue: what one fill or one settlement record does to a holding.

Pure functions over the venue's own records. A fill's cash is the venue's rule (A5.9, A7):
the side bought costs its price times the count plus `fee_cost`, and every YES+NO pair that
nets out pays $1 back at once, so buying the side opposite a holding is a sale of it at that
side's price (selling NO at q is buying YES at 1 - q). A settlement pays exactly the record's
`revenue` (A5.14), for yes, no, scalar and void alike: the local count never decides a
payout; it is only compared with the record's counts, and a difference is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from domain.base import Frozen
from domain.models import FillReport, Position, SettlementReport, Side
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
    sale = Sale(count=netted, proceeds=netted * (ONE - price) - sale_fee, released_cost=released)
    if opened > 0:
        after: Holding | None = Holding(
            side=bought, count=opened, cost=opened * price + fee - sale_fee
        )
    elif netted < held.count:
        after = Holding(side=held.side, count=held.count - netted, cost=held.cost - released)
    else:
        after = None
    return FillEffect(fill=fill, cash=cash, after=after, sale=sale)


def apply_fills(held: Holding | None, fills: Iterable[FillReport]) -> list[FillEffect]:
    """Each fill in time order (then by id, for a stable order within one timestamp)."""
    effects = []
    for fill in sorted(fills, key=lambda f: (f.created_time, f.fill_id)):
        effect = apply_fill(held, fill)
        effects.append(effect)
        held = effect.after
    return effects


def signed(holding: Holding | None) -> Decimal:
    """Kalshi's signed position (A5.8): YES contracts positive, NO contracts negative."""
    if holding is None:
        return ZERO
    return holding.count if holding.side is Side.YES else -holding.count


class SettlementEffect(Frozen):
    record: SettlementReport
    payout: Decimal  # the record's revenue: cash the venue paid
    cost: Decimal  # the local cost basis it closes (zero with no local position)
    problems: tuple[str, ...] = ()

    @property
    def realized_pnl(self) -> Decimal:
        return self.payout - self.cost


def settle(held: Holding | None, record: SettlementReport) -> SettlementEffect:
    """Credit the record's `revenue`; compare the record's counts with the local holding.

    A5.14's `fee_cost` is the trade fees already paid on the position (booked with its
    fills), so it is never taken from the payout; if the venue ever netted a settlement fee
    into `revenue`, crediting `revenue` is still exactly what it paid.
    """
    problems = []
    local_yes = held.count if held is not None and held.side is Side.YES else ZERO
    local_no = held.count if held is not None and held.side is Side.NO else ZERO
    if (local_yes, local_no) != (record.yes_count, record.no_count):
        problems.append(
            f"the venue settled {record.yes_count} yes / {record.no_count} no,"
            f" the book held {local_yes} yes / {local_no} no"
        )
    if held is None:
        problems.append("a settlement for a market with no local position")
    return SettlementEffect(
        record=record,
        payout=record.revenue,
        cost=held.cost if held is not None else ZERO,
        problems=tuple(problems),
    )
