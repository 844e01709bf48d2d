"""The order that closes a position: the other side at 1 - the best bid of the side held."""

from datetime import UTC, datetime
from decimal import Decimal

from domain.closing import sale_order
from domain.models import BookLevel, OrderBook, Position, PositionStatus, Side

D = Decimal


def held(side: Side) -> Position:
    return Position(
        ticker="T",
        side=side,
        count=D("12.5"),
        cost=D(6),
        status=PositionStatus.OPEN,
        opened_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


def book(yes: list[str], no: list[str]) -> OrderBook:
    return OrderBook(
        ticker="T",
        yes_bids=tuple(BookLevel(price=D(p), count=D(10)) for p in yes),
        no_bids=tuple(BookLevel(price=D(p), count=D(10)) for p in no),
    )


def test_yes_is_sold_at_the_best_yes_bid_by_buying_no() -> None:
    order = sale_order(held(Side.YES), book(["0.41", "0.43"], ["0.50"]))
    assert order is not None
    assert (order.bid, order.buy_side, order.limit_price, order.count) == (
        D("0.43"),
        Side.NO,
        D("0.57"),
        D("12.5"),
    )


def test_no_is_sold_at_the_best_no_bid_by_buying_yes() -> None:
    order = sale_order(held(Side.NO), book(["0.41"], ["0.50", "0.52"]))
    assert order is not None
    assert (order.bid, order.buy_side, order.limit_price) == (D("0.52"), Side.YES, D("0.48"))


def test_no_bid_for_the_side_held_sends_nothing() -> None:
    assert sale_order(held(Side.YES), book([], ["0.50"])) is None
