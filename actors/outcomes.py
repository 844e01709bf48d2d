"""Booking an order that never happened: one transaction for the execution and the refund.

Shared by Executor (the venue refused it) and Reconciler (it never reached the venue), so
both release an order the same way. An order that did happen is booked from its fills by
Positions (`BookOrder`), the single owner of the venue's evidence.
"""

from __future__ import annotations

from datetime import datetime

from loguru import logger

from actors import booking
from actors.directory import Directory
from domain.errors import ExecutionAlreadyFinal
from domain.messages import ReleaseClaim, UpdateExecution
from domain.models import Execution, ExecutionStatus, LedgerReason


def book_refusal(
    directory: Directory, execution: Execution, code: str, message: str, now: datetime
) -> None:
    """The venue (or reconciliation) says the order never happened: give everything back."""
    update = UpdateExecution(
        client_order_id=execution.client_order_id,
        updated_at=now,
        only_if_in_flight=True,
        status=ExecutionStatus.REJECTED,
        error_code=code,
        error_message=message[:500],
    )
    try:
        booking.commit(
            lambda: directory.get("bankroll"),
            lambda: directory.get("storage"),
            execution.reserved,
            reason=LedgerReason.RELEASE,
            ref_type="execution",
            ref_id=execution.client_order_id,
            detail=f"released: {code}",
            writes=[update],
            release=True,
        )
    except ExecutionAlreadyFinal as booked:
        logger.bind(actor="outcomes").info("{}: not released twice", booked)
        return
    directory.get("positions").tell(
        ReleaseClaim(ticker=execution.ticker, client_order_id=execution.client_order_id)
    )
