from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.execution import describe_trade, resolve_order
from domain.models import (
    Execution,
    ExecutionStatus,
    FillReport,
    OrderReport,
    OrderStatus,
    Side,
)

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


def fill(fill_id: str, count: str, price: str = "0.39", fee: str = "0.01", order: str = "o1"):
    return FillReport(
        fill_id=fill_id,
        order_id=order,
        ticker="T",
        side=Side.YES,
        count=D(count),
        yes_price=D(price),
        fee=D(fee),
        created_time=NOW,
    )


def test_full_fill_is_booked_from_its_fills() -> None:
    fills = [fill("f1", "6", fee="0.10"), fill("f2", "4", price="0.40", fee="0.07")]
    outcome = resolve_order(INTENT, report(OrderStatus.EXECUTED, "10", "3.94", "0.17"), fills)
    assert outcome is not None
    assert outcome.status is ExecutionStatus.FILLED
    assert (outcome.filled_count, outcome.fill_cost, outcome.fees) == (D(10), D("3.94"), D("0.17"))
    assert outcome.spent == D("4.11")
    assert outcome.disagreement == ""


def test_partial_ioc_fill() -> None:
    fills = [fill("f1", "4", price="0.40", fee="0.07")]
    outcome = resolve_order(INTENT, report(OrderStatus.CANCELED, "4", "1.60", "0.07"), fills)
    assert outcome is not None
    assert outcome.status is ExecutionStatus.PARTIAL
    assert outcome.spent == D("1.67")


def test_nothing_filled() -> None:
    outcome = resolve_order(INTENT, report(OrderStatus.CANCELED, "0"), [])
    assert outcome is not None
    assert outcome.status is ExecutionStatus.CANCELED
    assert outcome.spent == 0


def test_resting_order_is_not_final() -> None:
    resting = report(OrderStatus.RESTING, "2", "0.80", "0.04")
    assert resolve_order(INTENT, resting, [fill("f1", "2")]) is None


def test_someone_elses_order_is_refused() -> None:
    other = report(OrderStatus.EXECUTED, "10").replace(client_order_id="c2")
    with pytest.raises(ValueError, match="belongs to c2"):
        resolve_order(INTENT, other, [])


def test_a_report_without_cost_fields_is_never_booked_free() -> None:
    """Issue 9, problem 6: a report missing `taker/maker_fill_cost_dollars` and fees read as
    zero; the fills carry the cost, and the disagreement is reported."""
    no_costs = report(OrderStatus.EXECUTED, "10")  # fill_cost and fees absent: zero
    outcome = resolve_order(INTENT, no_costs, [fill("f1", "10", fee="0.17")])
    assert outcome is not None
    assert outcome.spent == D("3.90") + D("0.17")
    assert "the fills win" in outcome.disagreement


def test_fills_not_yet_listed_keep_the_order_in_flight() -> None:
    executed = report(OrderStatus.EXECUTED, "10", "3.90", "0.17")
    assert resolve_order(INTENT, executed, [fill("f1", "6")]) is None


def test_fills_win_over_the_report() -> None:
    short = report(OrderStatus.CANCELED, "4", "1.56", "0.04")
    outcome = resolve_order(INTENT, short, [fill("f1", "6", fee="0.06")])
    assert outcome is not None
    assert (outcome.status, outcome.filled_count) == (ExecutionStatus.PARTIAL, D(6))
    assert "reports 4 filled" in outcome.disagreement


def test_only_the_orders_own_fills_count() -> None:
    fills = [fill("f1", "10"), fill("x", "5", order="o2")]
    outcome = resolve_order(INTENT, report(OrderStatus.EXECUTED, "10", "3.90", "0.10"), fills)
    assert outcome is not None
    assert [f.fill_id for f in outcome.fills] == ["f1"]


def test_the_trade_line_says_the_fee_and_what_immediate_or_cancel_cancelled() -> None:
    fills = [fill("f1", "4", price="0.40", fee="0.07")]
    outcome = resolve_order(INTENT, report(OrderStatus.CANCELED, "4", "1.60", "0.07"), fills)
    assert outcome is not None
    assert describe_trade(INTENT, outcome) == (
        "T buy 10 yes @ 0.40: 4 filled, spent $1.67 (fee $0.07); 6 cancelled (immediate-or-cancel)"
    )


def test_a_sale_is_described_as_the_side_held_sold_at_its_bid() -> None:
    # Selling 10 NO at its bid 0.60 is buying 10 YES at 0.40 (A5.9): each pair pays $1 back.
    sale = INTENT.replace(reserved=D(0), reduce_only=True)
    fills = [fill("f1", "10", price="0.40", fee="0.17")]
    outcome = resolve_order(sale, report(OrderStatus.EXECUTED, "10", "4.00", "0.17"), fills)
    assert outcome is not None
    assert describe_trade(sale, outcome) == (
        "T sell 10 no at the bid 0.60 (reduce-only): 10 sold, brought in $5.83 after fee $0.17"
    )
