"""Exits in an evaluation (domain.evaluation_exits): a trade held is sold by the exit rule at a
later mark, no more than the bid shows, and the sale is valued against the fair value then."""

from __future__ import annotations

from decimal import Decimal

from domain.evaluation import Decision, Trade
from domain.evaluation_exits import exit_sales
from domain.exits import ExitPolicy
from domain.models import BookLevel, ExitReason, OrderBook, Side

D = Decimal
POLICY = ExitPolicy(take_profit_margin=D("0.02"), stop_margin=D("0.05"))


def seen(cycle: int, yes_bid: str, view: str | None, truth: str, depth: int = 100) -> Decision:
    book = OrderBook(
        ticker="T",
        yes_bids=(BookLevel(price=D(yes_bid), count=D(depth)),),
        no_bids=(BookLevel(price=1 - D(yes_bid) - D("0.02"), count=D(depth)),),
    )
    return Decision(
        run=1,
        cycle=cycle,
        ticker="T",
        event_ticker="E",
        mutually_exclusive=None,
        legs=1,
        book=book,
        mid=D(yes_bid) + D("0.01"),
        truth=D(truth),
        bot=None if view is None else D(view),
        hours_to_close=D(48),
    )


BOUGHT = Trade(
    strategy="bot+exits",
    decision=seen(1, "0.38", "0.50", "0.50"),
    side=Side.YES,
    count=D(10),
    price=D("0.40"),
    fee=D("0.17"),
)


def test_a_view_unchanged_is_held_and_a_bid_past_it_takes_the_profit() -> None:
    marks = [seen(2, "0.40", "0.50", "0.50"), seen(3, "0.62", "0.55", "0.56")]
    [sale] = exit_sales([BOUGHT], marks, POLICY, "bot+exits")
    assert (sale.sale, sale.exit_reason, sale.decision.cycle) == (True, ExitReason.TAKE_PROFIT, 3)
    assert (sale.count, sale.price) == (D(10), D("0.62"))
    # Sold at 0.62 what the hidden fair value then said was worth 0.56: 10 x 0.06 less the fee.
    assert sale.expected_pnl == D("0.6") - sale.fee
    assert sale.realised_pnl(yes_won=True) == D("-3.8") - sale.fee  # it would have paid $1


def test_only_the_bids_size_sells_and_the_rest_is_valued_again() -> None:
    marks = [seen(2, "0.62", "0.55", "0.56", depth=4), seen(3, "0.30", "0.30", "0.30")]
    first, second = exit_sales([BOUGHT], marks, POLICY, "bot+exits")
    assert (first.count, first.exit_reason) == (D(4), ExitReason.TAKE_PROFIT)
    assert (second.count, second.exit_reason) == (D(6), ExitReason.VIEW_CHANGED)


def test_marks_before_the_trade_and_of_other_markets_are_not_used() -> None:
    earlier = seen(1, "0.90", "0.50", "0.50")
    other = seen(2, "0.90", "0.50", "0.50").replace(ticker="U")
    assert exit_sales([BOUGHT], [earlier, other], POLICY, "bot+exits") == []
