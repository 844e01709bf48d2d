"""When a resting maker order is moved (actors.resting): the touch without the order itself,
the price to rest at now, and the ceiling the minimum edge after the maker fee sets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from actors.resting import Resting, reprice, touch_without
from domain.messages import ExecuteSignal
from domain.models import (
    BookLevel,
    Execution,
    ExecutionStatus,
    Forecast,
    OrderBook,
    Side,
    TradeSignal,
)
from domain.money import ZERO

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
D = Decimal


def resting(price: str, view: str = "0.60", filled: str = "0") -> Resting:
    signal = TradeSignal(
        ticker="T",
        side=Side.YES,
        limit_price=D(price),
        count=D(10),
        probability=D(view),
        edge=D("0.1"),
        kelly_fraction=D("0.01"),
        fee=ZERO,
        cost=D(price) * 10,
        post_only=True,
    )
    forecast = Forecast(ticker="T", probability=D(view), model="offline", made_at=NOW)
    order = Execution(
        client_order_id="c",
        ticker="T",
        side=Side.YES,
        limit_price=D(price),
        count=D(10),
        reserved=D(price) * 10,
        status=ExecutionStatus.RESTING,
        venue_order_id="v",
        filled_count=D(filled),
        created_at=NOW,
        updated_at=NOW,
        post_only=True,
    )
    message = ExecuteSignal(cycle=1, signal=signal, forecast=forecast)
    return Resting(execution=order, signal=message, min_edge=D("0.03"))


def book(yes: list[tuple[str, str]], no: list[tuple[str, str]]) -> OrderBook:
    def levels(pairs: list[tuple[str, str]]) -> tuple[BookLevel, ...]:
        return tuple(BookLevel(price=D(p), count=D(c)) for p, c in pairs)

    return OrderBook(ticker="T", yes_bids=levels(yes), no_bids=levels(no))


def test_the_touch_leaves_the_order_itself_out() -> None:
    order = resting("0.45").execution
    assert touch_without(book([("0.45", "10"), ("0.40", "5")], []), order) == D("0.40")
    assert touch_without(book([("0.45", "12")], []), order) == D("0.45")  # others there too
    assert touch_without(book([("0.45", "10")], []), order) is None


def test_an_order_follows_the_touch_up_to_the_edge_and_not_for_less_than_the_tolerance() -> None:
    entry = resting("0.45")  # view 0.60, min edge 0.03, no maker fee: ceiling 0.57
    tolerance = D("0.02")
    # The touch moved up to 0.50 (ask 0.55): rest at 0.51.
    assert reprice(entry, book([("0.50", "5"), ("0.45", "10")], [("0.45", "5")]), tolerance) == D(
        "0.51"
    )
    # One cent of move is within the tolerance: left where it is.
    assert reprice(entry, book([("0.45", "10"), ("0.43", "5")], [("0.45", "5")]), tolerance) is None
    # The order alone on its side: nothing to follow, it never chases the ask.
    assert reprice(entry, book([("0.45", "10")], [("0.45", "5")]), tolerance) is None
    # The touch fell away below it: it follows down (one tick above the new touch).
    assert reprice(entry, book([("0.45", "10"), ("0.40", "5")], [("0.45", "5")]), tolerance) == D(
        "0.41"
    )
    # The touch ran to 0.55 (ask 0.60): one tick above it, 0.56, is over the ceiling of a
    # 0.585 view (0.555 less the minimum edge, to the cent: 0.55): it joins the touch there.
    capped = resting("0.45", view="0.585")
    assert reprice(capped, book([("0.55", "5"), ("0.45", "10")], [("0.40", "5")]), tolerance) == D(
        "0.55"
    )
    # The touch ran past the ceiling (0.60 > 0.57): behind it the order would fill only when
    # the price falls through it, so it is cancelled (ZERO).
    assert reprice(entry, book([("0.60", "5"), ("0.45", "10")], [("0.30", "5")]), tolerance) == ZERO
    # Partly filled: its market is held; it is never replaced.
    assert (
        reprice(resting("0.45", filled="3"), book([("0.50", "5")], [("0.45", "5")]), tolerance)
        is None
    )
    # No price below the ask keeps the edge any more: cancelled (ZERO).
    gone = resting("0.45", view="0.30")
    assert reprice(gone, book([("0.50", "5"), ("0.45", "10")], [("0.45", "5")]), tolerance) == ZERO
