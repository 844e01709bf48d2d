"""How Positions books the venue's records: the writes of one fill, settlement or order, and
the one transaction that commits them with their ledger row.

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
from domain.book import FillEffect, Holding, SettlementEffect
from domain.messages import (
    BalanceChanged,
    ClosePosition,
    CommitWork,
    CreditFunds,
    DebitFunds,
    InsertFill,
    InsertPnl,
    InsertPosition,
    InsertSettlement,
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


def fill_writes(
    position: Position | None,
    effects: Sequence[FillEffect],
    client_order_id: str | None,
    now: datetime,
) -> tuple[list[Write], Position | None, bool, Decimal]:
    """The writes that book `effects` (in order) against `position`, which is flat or whose
    side none of them crosses unless it is a single fill (one transaction per such fill).

    Returns the writes, the position after them (with its id when it kept one), whether a
    row was closed, and the realized P&L of any sale.
    """
    writes: list[Write] = [
        InsertFill(fill=e.fill, client_order_id=client_order_id, booked_at=now) for e in effects
    ]
    if not effects:
        return writes, position, False, Decimal(0)
    ticker = effects[0].fill.ticker
    after = effects[-1].after
    realized = sum((e.sale.realized_pnl for e in effects if e.sale is not None), Decimal(0))
    for effect in effects:
        if effect.sale is not None:
            writes.append(
                InsertPnl(
                    event=PnlEvent(
                        ts=now,
                        ticker=ticker,
                        position_id=position.id if position is not None else None,
                        cost=effect.sale.released_cost,
                        payout=effect.sale.proceeds,
                        realized_pnl=effect.sale.realized_pnl,
                        note=f"sale of {effect.sale.count}: fill {effect.fill.fill_id}",
                    )
                )
            )
    if position is None:
        if after is None:
            return writes, None, False, realized
        writes.append(InsertPosition(position=_opened(ticker, after, client_order_id, now)))
        return writes, None, False, realized
    assert position.id is not None
    if after is not None and after.side is position.side:
        writes.append(UpdatePosition(position_id=position.id, count=after.count, cost=after.cost))
        return writes, position.replace(count=after.count, cost=after.cost), False, realized
    # Sold out (or through to the other side): the row closes on what the sale brought in.
    proceeds = sum((e.sale.proceeds for e in effects if e.sale is not None), Decimal(0))
    writes.append(ClosePosition(position_id=position.id, closed_at=now, payout=proceeds))
    if after is not None:
        writes.append(InsertPosition(position=_opened(ticker, after, None, now)))
    return writes, None, True, realized


def settlement_writes(
    position: Position | None, effect: SettlementEffect, now: datetime
) -> list[Write]:
    record = effect.record
    writes: list[Write] = [
        InsertSettlement(
            record=record,
            position_id=position.id if position is not None else None,
            booked_at=now,
            note="; ".join(effect.problems),
        )
    ]
    if position is not None:
        assert position.id is not None
        writes += [
            ClosePosition(position_id=position.id, closed_at=now, payout=effect.payout),
            InsertPnl(
                event=PnlEvent(
                    ts=now,
                    ticker=position.ticker,
                    position_id=position.id,
                    cost=effect.cost,
                    payout=effect.payout,
                    realized_pnl=effect.realized_pnl,
                    note=f"settlement {record.key}: {record.market_result}",
                )
            ),
        ]
    return writes


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
