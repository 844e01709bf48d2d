from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.execution import resolve_order
from domain.models import Execution, ExecutionStatus, OrderReport, OrderStatus, Side

D = Decimal
NOW = datetime(2026, 11, 24, tzinfo=UTC)
INTENT = Execution(
    client_order_id="c1",
    ticker="T",
    side=Side.YES,
    limit_price=D("0.40"),
    count=D(10),
    reserved=D("4.17"),
    status=ExecutionStatus.INTENT,
    created_at=NOW,
    updated_at=NOW,
)


def report(status: OrderStatus, filled: str, cost: str = "0", fees: str = "0") -> OrderReport:
    return OrderReport(
        order_id="o1",
        client_order_id="c1",
        ticker="T",
        side=Side.YES,
        status=status,
        yes_price=D("0.40"),
        fill_count=D(filled),
        remaining_count=D(10) - D(filled),
        initial_count=D(10),
        fill_cost=D(cost),
        fees=D(fees),
    )


def test_full_fill_refunds_the_unused_reservation() -> None:
    outcome = resolve_order(INTENT, report(OrderStatus.EXECUTED, "10", "3.90", "0.17"))
    assert outcome is not None
    assert outcome.status is ExecutionStatus.FILLED
    assert outcome.spent == D("4.07")
    assert outcome.refund == D("0.10")


def test_partial_ioc_fill() -> None:
    outcome = resolve_order(INTENT, report(OrderStatus.CANCELED, "4", "1.60", "0.07"))
    assert outcome is not None
    assert outcome.status is ExecutionStatus.PARTIAL
    assert outcome.refund == D("4.17") - D("1.67")


def test_nothing_filled_refunds_everything() -> None:
    outcome = resolve_order(INTENT, report(OrderStatus.CANCELED, "0"))
    assert outcome is not None
    assert outcome.status is ExecutionStatus.CANCELED
    assert outcome.refund == INTENT.reserved


def test_resting_order_is_not_final() -> None:
    assert resolve_order(INTENT, report(OrderStatus.RESTING, "2", "0.80", "0.04")) is None


def test_someone_elses_order_is_refused() -> None:
    other = report(OrderStatus.EXECUTED, "10").replace(client_order_id="c2")
    with pytest.raises(ValueError, match="belongs to c2"):
        resolve_order(INTENT, other)
