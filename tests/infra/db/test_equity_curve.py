"""The equity curve the dashboard draws: every reading while there are few, then every n-th
and always the newest, so a year of cycles is one small answer spanning the whole history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.killswitch import Equity
from infra.db.history import History
from infra.db.repository import Database

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _readings(database: Database, n: int) -> None:
    with database.unit_of_work() as repo:
        for i in range(n):
            cash = Decimal(1000) + i
            repo.insert_equity(
                T0 + timedelta(minutes=i), Equity(cash=cash, positions=Decimal("0.5"))
            )


def test_few_readings_are_all_kept_in_order(database: Database) -> None:
    _readings(database, 3)
    with database.read(History) as history:
        curve = history.equity_curve(points=10)
    assert [p.equity for p in curve] == [Decimal("1000.5"), Decimal("1001.5"), Decimal("1002.5")]
    assert [p.ts for p in curve] == [T0 + timedelta(minutes=i) for i in range(3)]


def test_many_readings_are_thinned_keeping_the_first_and_the_newest(database: Database) -> None:
    _readings(database, 101)
    with database.read(History) as history:
        curve = history.equity_curve(points=10)
    assert len(curve) <= 12
    assert curve[0].cash == Decimal(1000)
    assert curve[-1].cash == Decimal(1100)  # the newest, whatever the step
    assert [p.ts for p in curve] == sorted(p.ts for p in curve)


def test_an_empty_book_has_no_curve(database: Database) -> None:
    with database.read(History) as history:
        assert history.equity_curve() == []
