"""The kill switch's arithmetic: equity at the marks, daily loss and drawdown limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.killswitch import Quote, breach, equity, first_memory
from domain.models import Position, PositionStatus, Side

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _position(ticker: str, side: Side, count: str) -> Position:
    return Position(
        ticker=ticker,
        side=side,
        count=Decimal(count),
        cost=Decimal(5),
        status=PositionStatus.OPEN,
        opened_at=T0,
    )


def test_equity_marks_each_position_at_the_bid_of_its_side_and_unmarked_at_zero() -> None:
    positions = [
        _position("A", Side.YES, "10"),
        _position("B", Side.NO, "4"),
        _position("C", Side.YES, "7"),
    ]
    quotes = {
        "A": Quote(yes_bid=Decimal("0.40"), no_bid=Decimal("0.55")),
        "B": Quote(yes_bid=Decimal("0.40"), no_bid=Decimal("0.55")),
        "C": Quote(yes_bid=None, no_bid=Decimal("0.90")),
    }
    value = equity(Decimal(100), positions, quotes)
    assert value.positions == Decimal("6.20")
    assert value.unmarked == ("C (no bid for yes)",)
    assert value.total == Decimal("106.20")
    late = equity(Decimal(100), positions, {"B": quotes["B"]}, {"A": "order book unreadable"})
    assert late.positions == Decimal("2.20"), "A and C count at zero, never at an old mark"
    assert late.unmarked == ("A (order book unreadable)", "C (no bid for yes)")


def test_the_memory_keeps_the_day_start_and_the_peak() -> None:
    first = first_memory(Decimal(1000), T0.date(), T0)
    later = first.after(Decimal(1100), T0.date(), T0)
    assert (later.day_start, later.peak) == (Decimal(1000), Decimal(1100))
    dipped = later.after(Decimal(900), T0.date(), T0)
    assert (dipped.day_start, dipped.peak) == (Decimal(1000), Decimal(1100))
    tomorrow = T0 + timedelta(days=1)
    next_day = dipped.after(Decimal(950), tomorrow.date(), tomorrow)
    assert (next_day.day, next_day.day_start, next_day.peak) == (
        tomorrow.date(),
        Decimal(950),
        Decimal(1100),
    )


def test_daily_loss_and_drawdown_limits() -> None:
    assert breach(Decimal(951), Decimal(1000), Decimal(1000), Decimal(50), None) is None
    daily = breach(Decimal(950), Decimal(1000), Decimal(1000), Decimal(50), None)
    assert daily is not None
    assert daily.code == "MAX_DAILY_LOSS"
    assert breach(Decimal(900), Decimal(900), Decimal(1200), None, Decimal("0.30")) is None
    drawdown = breach(Decimal(840), Decimal(900), Decimal(1200), None, Decimal("0.30"))
    assert drawdown is not None
    assert drawdown.code == "MAX_DRAWDOWN"
    assert breach(Decimal(1), Decimal(1000), Decimal(1000), None, None) is None
