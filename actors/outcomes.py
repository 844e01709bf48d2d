"""Booking an order's final outcome: one transaction for the execution, position and ledger.

Shared by Executor (right after sending) and Reconciler (for orders that were in flight), so
both book an order the same way. Called from the caller's actor thread; asks Bankroll or
Storage, tells Positions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from loguru import logger

from actors.base import ask
from actors.directory import Directory
from domain.errors import ExecutionAlreadyFinal
from domain.execution import OrderOutcome
from domain.messages import (
    BalanceChanged,
    CommitWork,
    DebitFunds,
    InsertPosition,
    PositionOpened,
    ReleaseClaim,
    ReleaseFunds,
    UpdateExecution,
    WorkCommitted,
    Write,
)
from domain.models import Execution, ExecutionStatus, LedgerReason, Position, PositionStatus


def book_outcome(
    directory: Directory,
    execution: Execution,
    outcome: OrderOutcome,
    venue_order_id: str | None,
    now: datetime,
) -> Position | None:
    """Record `outcome` atomically and update the book; return the new position, if any.

    If another path (Executor or Reconciler) booked this order first, nothing is written and
    None is returned: the transaction that would have booked it twice is refused whole.
    """
    writes: list[Write] = [
        UpdateExecution(
            client_order_id=execution.client_order_id,
            updated_at=now,
            only_if_in_flight=True,
            status=outcome.status,
            venue_order_id=venue_order_id,
            filled_count=outcome.filled_count,
            fill_cost=outcome.fill_cost,
            fees=outcome.fees,
        )
    ]
    if outcome.filled_count > 0:
        writes.append(
            InsertPosition(
                position=Position(
                    ticker=execution.ticker,
                    side=execution.side,
                    count=outcome.filled_count,
                    cost=outcome.spent,
                    status=PositionStatus.OPEN,
                    client_order_id=execution.client_order_id,
                    opened_at=now,
                )
            )
        )
    try:
        positions = _commit_with_refund(directory, execution, outcome.refund, tuple(writes))
    except ExecutionAlreadyFinal as booked:
        logger.bind(actor="outcomes").info("{}: not booked twice", booked)
        return None
    position = positions[0] if positions else None
    positions_ref = directory.get("positions")
    if position is not None:
        positions_ref.tell(PositionOpened(position=position))
    else:
        positions_ref.tell(
            ReleaseClaim(ticker=execution.ticker, client_order_id=execution.client_order_id)
        )
    return position


def book_refusal(
    directory: Directory, execution: Execution, code: str, message: str, now: datetime
) -> None:
    """The venue (or reconciliation) says the order never happened: give everything back."""
    writes: tuple[Write, ...] = (
        UpdateExecution(
            client_order_id=execution.client_order_id,
            updated_at=now,
            only_if_in_flight=True,
            status=ExecutionStatus.REJECTED,
            error_code=code,
            error_message=message[:500],
        ),
    )
    try:
        _commit_with_refund(directory, execution, execution.reserved, writes)
    except ExecutionAlreadyFinal as booked:
        logger.bind(actor="outcomes").info("{}: not released twice", booked)
        return
    directory.get("positions").tell(
        ReleaseClaim(ticker=execution.ticker, client_order_id=execution.client_order_id)
    )


def _commit_with_refund(
    directory: Directory, execution: Execution, refund: Decimal, writes: tuple[Write, ...]
) -> tuple[Position, ...]:
    ref = {"ref_type": "execution", "ref_id": execution.client_order_id, "writes": writes}
    if refund > 0:
        reply = ask(directory.get("bankroll"), ReleaseFunds(amount=refund, **ref))
    elif refund < 0:
        reply = ask(
            directory.get("bankroll"),
            DebitFunds(amount=-refund, reason=LedgerReason.ADJUSTMENT, **ref),
        )
    else:
        reply = ask(directory.get("storage"), CommitWork(writes=writes))
    if not isinstance(reply, BalanceChanged | WorkCommitted):
        raise TypeError(f"unexpected reply booking {execution.client_order_id}: {reply!r}")
    return reply.positions
