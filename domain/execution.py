"""What an order's venue report and its fills mean for the book: pure, shared by Executor and
Reconciler.

The fills are the record of what was traded (A5.13); the order report only says whether the
order is final. Where the two disagree the fills win and the disagreement is reported; while
the report counts more contracts than the visible fills, the order stays in flight, so a
filled order is never booked at zero cost (an order report may lack its cost fields).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain.base import Frozen
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    OrderReport,
    OrderStatus,
    Side,
)
from domain.money import ONE, ZERO, usd


class OrderOutcome(Frozen):
    """The final account of one order: its fills, what they cost, and any disagreement."""

    status: ExecutionStatus
    fills: tuple[FillReport, ...]
    disagreement: str = ""

    @property
    def filled_count(self) -> Decimal:
        return sum((f.count for f in self.fills), ZERO)

    @property
    def fill_cost(self) -> Decimal:
        return sum((f.price * f.count for f in self.fills), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((f.fee for f in self.fills), ZERO)

    @property
    def spent(self) -> Decimal:
        return self.fill_cost + self.fees


def resolve_order(
    execution: Execution, report: OrderReport, fills: Iterable[FillReport]
) -> OrderOutcome | None:
    """The outcome of a finished order, or None while it rests or its fills are not all
    visible yet (the venue is eventually consistent)."""
    if report.client_order_id and report.client_order_id != execution.client_order_id:
        raise ValueError(
            f"order {report.order_id} belongs to {report.client_order_id},"
            f" not {execution.client_order_id}"
        )
    if report.status is OrderStatus.RESTING:
        return None
    own = tuple(f for f in fills if f.order_id == report.order_id)
    strays = {f.ticker for f in own} - {execution.ticker}
    if strays:
        raise ValueError(f"fills of order {report.order_id} name other markets: {sorted(strays)}")
    filled = sum((f.count for f in own), ZERO)
    if filled < report.fill_count:
        return None
    if filled > execution.count:
        raise ValueError(f"order {report.order_id} filled {filled} of {execution.count}")
    wrong_side = [f.fill_id for f in own if f.side is not execution.side]
    if wrong_side:
        raise ValueError(f"fills {wrong_side} of order {report.order_id} bought the other side")
    if filled == 0:
        status = ExecutionStatus.CANCELED
    elif filled < execution.count:
        status = ExecutionStatus.PARTIAL
    else:
        status = ExecutionStatus.FILLED
    outcome = OrderOutcome(status=status, fills=own)
    reported = (report.fill_count, report.fill_cost, report.fees)
    found = (filled, outcome.fill_cost, outcome.fees)
    if reported != found:
        outcome = outcome.replace(
            disagreement=(
                f"order {report.order_id} reports {reported[0]} filled for {reported[1]}"
                f" + fees {reported[2]}; its fills say {found[0]} for {found[1]}"
                f" + fees {found[2]}: the fills win"
            )
        )
    return outcome


def describe_trade(execution: Execution, outcome: OrderOutcome) -> str:
    """The log's trade line: what was sent, what filled, its fee, and what the venue cancelled.

    Every order is immediate-or-cancel: whatever does not fill at once is cancelled by the
    venue, never left resting (A5.9 (b): `immediate_or_cancel`; the IOC remainder is cancelled).
    """
    filled = outcome.filled_count
    rest = execution.count - filled
    cancelled = f"; {rest:f} cancelled (immediate-or-cancel)" if rest > 0 else ""
    if execution.reduce_only:
        # Buying the other side at `limit` sells the side held at 1 - limit (A5.9).
        proceeds = filled - outcome.fill_cost - outcome.fees
        return (
            f"{execution.ticker} sell {execution.count:f} {opposite(execution.side)} at the bid"
            f" {ONE - execution.limit_price} (reduce-only): {filled:f} sold, brought in"
            f" {usd(proceeds)} after fee {usd(outcome.fees)}{cancelled}"
        )
    return (
        f"{execution.ticker} buy {execution.count:f} {execution.side} @ {execution.limit_price}:"
        f" {filled:f} filled, spent {usd(outcome.spent)} (fee {usd(outcome.fees)}){cancelled}"
    )


def opposite(side: Side) -> Side:
    return Side.NO if side is Side.YES else Side.YES
