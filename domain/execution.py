"""What an order's venue report means for the book: pure, shared by Executor and Reconciler."""

from __future__ import annotations

from decimal import Decimal

from domain.base import Frozen
from domain.models import Execution, ExecutionStatus, OrderReport, OrderStatus
from domain.money import ZERO


class OrderOutcome(Frozen):
    """The final account of one order: what it bought and what goes back to the bankroll."""

    status: ExecutionStatus
    filled_count: Decimal
    fill_cost: Decimal
    fees: Decimal
    refund: Decimal  # reserved - (fill_cost + fees); negative only if the venue overcharged

    @property
    def spent(self) -> Decimal:
        return self.fill_cost + self.fees


def resolve_order(execution: Execution, report: OrderReport) -> OrderOutcome | None:
    """The outcome of a finished order, or None while part of it still rests on the book."""
    if report.client_order_id and report.client_order_id != execution.client_order_id:
        raise ValueError(
            f"order {report.order_id} belongs to {report.client_order_id},"
            f" not {execution.client_order_id}"
        )
    if report.status is OrderStatus.RESTING:
        return None
    filled = report.fill_count
    if filled > execution.count:
        raise ValueError(f"order {report.order_id} filled {filled} of {execution.count}")
    if filled == 0:
        status = ExecutionStatus.CANCELED
    elif filled < execution.count:
        status = ExecutionStatus.PARTIAL
    else:
        status = ExecutionStatus.FILLED
    spent = report.fill_cost + report.fees if filled > 0 else ZERO
    return OrderOutcome(
        status=status,
        filled_count=filled,
        fill_cost=report.fill_cost if filled > 0 else ZERO,
        fees=report.fees if filled > 0 else ZERO,
        refund=execution.reserved - spent,
    )
