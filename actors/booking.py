"""How Positions books the venue's records: the writes that move one market's row from one
fold of its records to the next (domain.fold), and the one transaction that commits them with
their ledger row.

Runs in the Positions actor's thread only (see `actors.positions` for the invariant that
makes it the single owner); asks Bankroll (for a balance change) or Storage (for none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pykka

from actors.base import ask
from domain.base import Frozen
from domain.book import Holding
from domain.fold import MarketBook, RealizedPart
from domain.messages import (
    BalanceChanged,
    ClosePosition,
    CommitWork,
    CreditFunds,
    DebitFunds,
    InsertPnl,
    InsertPosition,
    ReleaseFunds,
    UpdatePosition,
    WorkCommitted,
    Write,
)
from domain.models import LedgerReason, PnlEvent, Position, PositionStatus

Ref = Callable[[], pykka.ActorRef[Any]]


def _opened(ticker: str, holding: Holding, client_order_id: str | None, now: datetime) -> Position:
    return Position(
        ticker=ticker,
        side=holding.side,
        count=holding.count,
        cost=holding.cost,
        # A position the bot did not open itself is `recovered`: adopted from the venue.
        status=PositionStatus.OPEN if client_order_id else PositionStatus.RECOVERED,
        client_order_id=client_order_id,
        opened_at=now,
    )


class MarketBooking(Frozen):
    """What moving one market's book from one fold to the next writes, and what it leaves."""

    writes: tuple[Write, ...]
    cash: Decimal  # the balance change: the difference of the two folds' cash
    kept: Position | None  # the row held after, when it is the same row (its id known)
    inserts: bool  # a new row is inserted (its id comes back from the commit)
    closed: bool  # the row held before was closed
    realized_pnl: Decimal  # realized P&L the move added (new parts and restated ones)


def _pnl(part: RealizedPart, ticker: str, position_id: int | None, now: datetime) -> InsertPnl:
    what = f"{part.kind} of {part.count} {part.side}"
    return InsertPnl(
        event=PnlEvent(
            ts=now,
            ticker=ticker,
            position_id=position_id,
            cost=part.cost,
            payout=part.proceeds,
            realized_pnl=part.pnl,
            note=f"{what}: {part.key}",
            kind=part.kind,
            count=part.count,
            fees=part.fees,
        )
    )


def _restated(
    before: MarketBook, after: MarketBook, position_id: int | None, now: datetime
) -> list[Write]:
    """Parts booked before whose figures a record that arrived late changed (a fill earlier
    in the venue's sequence moves the cost basis): one correcting row each."""
    old = {part.key: part for part in before.realized}
    writes: list[Write] = []
    for part in after.realized:
        was = old.get(part.key)
        if was is None or was == part:
            continue
        writes.append(
            InsertPnl(
                event=PnlEvent(
                    ts=now,
                    ticker=after.ticker,
                    position_id=position_id,
                    cost=part.cost - was.cost,
                    payout=part.proceeds - was.proceeds,
                    realized_pnl=part.pnl - was.pnl,
                    note=f"{part.kind} {part.key} restated by records that arrived late",
                    kind="restated",
                    fees=part.fees - was.fees,
                )
            )
        )
    return writes


def market_writes(
    row: Position | None,
    before: MarketBook,
    after: MarketBook,
    new_records: Sequence[Write],
    client_order_id: str | None,
    now: datetime,
) -> MarketBooking:
    """The writes that take the market's row from `before` to `after` (two folds of its
    records, `after` with `new_records` in): the records, the row, a P&L row per realized part
    that is new (or restated), and the cash change as the difference of the folds."""
    ticker = after.ticker
    row_id = row.id if row is not None else None
    known = {part.key for part in before.realized}
    new_parts = [part for part in after.realized if part.key not in known]
    writes: list[Write] = [*new_records]
    writes += [_pnl(part, ticker, row_id, now) for part in new_parts]
    writes += _restated(before, after, row_id, now)
    held = after.holding if after.holding is not None and after.holding.count > 0 else None
    kept: Position | None = None
    closed = inserts = False
    if row is not None and held is not None and held.side is row.side:
        kept = row.replace(count=held.count, cost=held.cost)
        if kept != row:
            assert row_id is not None
            writes.append(UpdatePosition(position_id=row_id, count=held.count, cost=held.cost))
    elif row is not None:
        assert row_id is not None
        proceeds = sum((part.proceeds for part in new_parts), Decimal(0))
        writes.append(ClosePosition(position_id=row_id, closed_at=now, payout=proceeds))
        closed = True
    if held is not None and kept is None:
        opener = client_order_id if row is None else None
        writes.append(InsertPosition(position=_opened(ticker, held, opener, now)))
        inserts = True
    return MarketBooking(
        writes=tuple(writes),
        cash=after.cash - before.cash,
        kept=kept,
        inserts=inserts,
        closed=closed,
        realized_pnl=after.realized_pnl - before.realized_pnl,
    )


def commit(
    bankroll: Ref,
    storage: Ref,
    change: Decimal,
    *,
    reason: LedgerReason,
    ref_type: str,
    ref_id: str,
    detail: str,
    writes: Sequence[Write],
    release: bool = False,
    timeout: float = 10.0,
) -> tuple[Position, ...]:
    """One transaction: the ledger row for `change` (none if zero) and `writes` with it.

    `release` books a positive change as the release of a reservation (an order's refund)
    and a negative one as an adjustment; otherwise money in and out is `reason`.
    """
    fields: dict[str, Any] = {
        "ref_type": ref_type,
        "ref_id": ref_id,
        "detail": detail[:500],
        "writes": tuple(writes),
    }
    if change > 0:
        command: Any = (
            ReleaseFunds(amount=change, **fields)
            if release
            else CreditFunds(amount=change, reason=reason, **fields)
        )
        reply = ask(bankroll(), command, timeout)
    elif change < 0:
        debit_reason = LedgerReason.ADJUSTMENT if release else reason
        reply = ask(bankroll(), DebitFunds(amount=-change, reason=debit_reason, **fields), timeout)
    else:
        reply = ask(storage(), CommitWork(writes=tuple(writes)), timeout)
    if not isinstance(reply, BalanceChanged | WorkCommitted):
        raise TypeError(f"unexpected reply booking {ref_type} {ref_id}: {reply!r}")
    return reply.positions
