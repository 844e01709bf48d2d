"""The kill switch's day start and peak are Bankroll's and live in the book: a Bankroll killed
and started again (as after a crash or a restart mid-day) measures from the same figures, and
only a resume of the kill switch's halt forgets them (issue 12, the controls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka

from actors.bankroll import Bankroll
from actors.base import ask, ping
from domain.halts import HaltCode, HaltLifter
from domain.killswitch import Equity, KillSwitchLimits, KillSwitchMemory, breach
from domain.messages import HaltTrading, LiftHalt, RecordEquity
from infra.db.history import History
from infra.db.repository import Database
from tests.actors.test_analyst import FixedClock

DAY = datetime(2026, 11, 24, 12, tzinfo=UTC)


def started(storage: pykka.ActorRef[Any], clock: FixedClock) -> pykka.ActorRef[Any]:
    ref = Bankroll.start(storage, Decimal(1000), clock)
    ping(ref)
    return ref


def record(bankroll: pykka.ActorRef[Any], equity: str) -> KillSwitchMemory:
    memory: KillSwitchMemory = ask(bankroll, RecordEquity(equity=Decimal(equity)))
    return memory


def test_a_restart_mid_day_keeps_the_day_start_and_the_peak(
    storage: pykka.ActorRef[Any],
) -> None:
    clock = FixedClock(DAY)
    first = started(storage, clock)
    record(first, "1000")
    record(first, "1200")
    assert (record(first, "1150").day_start, record(first, "1150").peak) == (1000, 1200)
    first.stop(timeout=10)  # what a crash leaves: only the book

    second = started(storage, clock)
    memory = record(second, "880")
    assert (memory.day, memory.day_start, memory.peak) == (DAY.date(), 1000, 1200)
    off = KillSwitchLimits(max_daily_loss_fraction=None, max_drawdown=None)
    lost = breach(Decimal(880), memory.day_start, memory.peak, off.replace(max_daily_loss=100))
    assert lost is not None
    assert lost.code == "MAX_DAILY_LOSS"
    deep = breach(
        Decimal(880), memory.day_start, memory.peak, off.replace(max_drawdown=Decimal("0.25"))
    )
    assert deep is not None
    assert deep.code == "MAX_DRAWDOWN"

    clock.moment = DAY + timedelta(days=1)  # a new UTC day starts from its first equity
    assert (record(second, "870").day_start, record(second, "870").peak) == (870, 1200)
    second.stop(timeout=10)


def test_a_resume_of_the_kill_switch_forgets_both_durably(storage: pykka.ActorRef[Any]) -> None:
    clock = FixedClock(DAY)
    first = started(storage, clock)
    record(first, "1000")
    record(first, "800")
    ask(first, HaltTrading(code=HaltCode.MAX_DRAWDOWN, detail="equity 800 is 20% below 1000"))
    # Another halt's lift leaves the memory alone.
    ask(first, HaltTrading(code=HaltCode.PAUSED, detail="paused"))
    ask(first, LiftHalt(code=HaltCode.PAUSED, by=HaltLifter.OPERATOR))
    assert record(first, "800").peak == 1000
    ask(first, LiftHalt(code=HaltCode.MAX_DRAWDOWN, by=HaltLifter.OPERATOR))
    first.stop(timeout=10)

    second = started(storage, clock)
    memory = record(second, "790")
    assert (memory.day_start, memory.peak) == (790, 790)
    second.stop(timeout=10)


def test_an_equity_reading_is_kept_for_the_equity_curve(
    storage: pykka.ActorRef[Any], db_path: Path
) -> None:
    clock = FixedClock(DAY)
    bankroll = started(storage, clock)
    reading = Equity(
        cash=Decimal("900.50"), positions=Decimal("99.25"), unmarked=("KX-A (no bid)",)
    )
    ask(bankroll, RecordEquity(equity=reading.total, reading=reading))
    record(bankroll, "1000")  # a figure without its reading moves the memory only
    bankroll.stop(timeout=10)
    with Database.open(db_path) as db, db.read(History) as history:
        (point,) = history.equity_curve()
    assert (point.ts, point.cash, point.positions, point.unmarked) == (
        DAY,
        reading.cash,
        reading.positions,
        1,
    )
    assert point.equity == Decimal("999.75")
