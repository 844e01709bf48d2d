"""The kill switch's arithmetic: equity at the marks, daily loss and drawdown limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.killswitch import KillSwitchLimits, Quote, breach, equity, first_memory
from domain.models import Position, PositionStatus, Side
from domain.money import ONE

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


OFF = KillSwitchLimits(max_daily_loss_fraction=None, max_drawdown=None)


def test_daily_loss_and_drawdown_limits() -> None:
    dollars = OFF.replace(max_daily_loss=Decimal(50))
    assert breach(Decimal(951), Decimal(1000), Decimal(1000), dollars) is None
    daily = breach(Decimal(950), Decimal(1000), Decimal(1000), dollars)
    assert daily is not None
    assert daily.code == "MAX_DAILY_LOSS"
    deep = OFF.replace(max_drawdown=Decimal("0.30"))
    assert breach(Decimal(900), Decimal(900), Decimal(1200), deep) is None
    drawdown = breach(Decimal(840), Decimal(900), Decimal(1200), deep)
    assert drawdown is not None
    assert drawdown.code == "MAX_DRAWDOWN"
    assert breach(Decimal(1), Decimal(1000), Decimal(1000), OFF) is None
    assert not OFF.armed
    assert not KillSwitchLimits(max_daily_loss_fraction=ONE, max_drawdown=ONE).armed


def test_the_kill_switch_is_on_by_default_at_a_careful_traders_limits() -> None:
    """Issue 20: 5% of the day's starting equity lost in a day, or 15% below the peak."""
    limits = KillSwitchLimits()
    assert limits.armed
    assert breach(Decimal("950.01"), Decimal(1000), Decimal(1000), limits) is None
    daily = breach(Decimal(950), Decimal(1000), Decimal(1000), limits)
    assert daily is not None
    assert daily.code == "MAX_DAILY_LOSS"
    assert "risk.max_daily_loss_fraction 0.05: 50.00" in daily.detail
    assert breach(Decimal("1020.01"), Decimal(1021), Decimal(1200), limits) is None
    drawdown = breach(Decimal(1020), Decimal(1021), Decimal(1200), limits)
    assert drawdown is not None
    assert drawdown.code == "MAX_DRAWDOWN"
    # Dollars and a fraction: the smaller limit applies.
    both = limits.replace(max_daily_loss=Decimal(30))
    assert breach(Decimal(970), Decimal(1000), Decimal(1000), both) is not None
    assert limits.describe() == (
        "kill switch on: daily loss 5% of the day's starting equity; drawdown 15% below the peak"
    )
