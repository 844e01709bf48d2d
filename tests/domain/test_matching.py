"""The paper matching rules (pure): a book walk, and a resting bid meeting public trades."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.matching import Take, displayed_at, trade_through, walk_book
from domain.models import BookLevel, OrderBook, PublicTrade, Side

D = Decimal
BOOK = OrderBook(
    ticker="T",
    yes_bids=(BookLevel(price=D("0.40"), count=D(10)), BookLevel(price=D("0.38"), count=D(5))),
    no_bids=(BookLevel(price=D("0.54"), count=D(20)), BookLevel(price=D("0.55"), count=D(10))),
)


def trade(yes_price: str, count: int, taker: Side, *, block: bool = False) -> PublicTrade:
    return PublicTrade(
        trade_id="t",
        ticker="T",
        count=D(count),
        yes_price=D(yes_price),
        taker_side=taker,
        is_block_trade=block,
        created_time=datetime(2026, 11, 24, tzinfo=UTC),
    )


def test_walks_the_opposite_bids_best_first_up_to_the_limit() -> None:
    assert walk_book(BOOK, Side.YES, D("0.46"), D(15)) == (
        Take(D("0.45"), D(10)),
        Take(D("0.46"), D(5)),
    )
    assert walk_book(BOOK, Side.YES, D("0.45"), D(15)) == (Take(D("0.45"), D(10)),)
    assert walk_book(BOOK, Side.NO, D("0.62"), D(100)) == (
        Take(D("0.60"), D(10)),
        Take(D("0.62"), D(5)),
    )
    assert walk_book(BOOK, Side.YES, D("0.44"), D(1)) == ()
    assert displayed_at(BOOK, Side.YES, D("0.40")) == D(10)
    assert displayed_at(BOOK, Side.NO, D("0.40")) == D(0)


def test_a_resting_bid_meets_trades() -> None:
    def step(
        t: PublicTrade, queue: int = 4, remaining: int = 5
    ) -> tuple[Decimal, Decimal, Decimal]:
        s = trade_through(t, Side.YES, D("0.40"), D(queue), D(remaining), t.count)
        return s.queue_ahead, s.filled, s.used

    assert step(trade("0.40", 6, Side.NO)) == (D(0), D(2), D(6))  # queue first, then it
    assert step(trade("0.40", 3, Side.NO)) == (D(1), D(0), D(3))
    assert step(trade("0.39", 3, Side.NO)) == (D(0), D(3), D(3))  # through: at its own price
    assert step(trade("0.41", 9, Side.NO)) == (D(4), D(0), D(0))  # a better bid traded
    assert step(trade("0.40", 9, Side.YES)) == (D(4), D(0), D(0))  # a buyer of YES
    assert step(trade("0.39", 9, Side.NO, block=True)) == (D(4), D(0), D(0))  # off the book
    # A NO bid at 0.60 is hit by YES buyers at YES 0.40 (NO 0.60).
    no_bid = trade_through(trade("0.40", 3, Side.YES), Side.NO, D("0.60"), D(0), D(5), D(3))
    assert (no_bid.filled, no_bid.used) == (D(3), D(3))
