from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import StatementError

from domain.models import LedgerReason, PnlEvent
from domain.money import ZERO, MoneyFormatError
from infra.db.repository import Database
from infra.db.tables import PnlRow
from tests.infra.db.builders import T0, position
from tests.infra.db.conftest import Query

INT64_MAX_DOLLARS = Decimal("9223372036854.775807")


def pnl_row(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ts": T0,
        "ticker": "T",
        "cost": Decimal(1),
        "payout": Decimal(1),
        "realized_pnl": Decimal(0),
        "note": "",
    }
    return fields | overrides


@pytest.mark.parametrize(
    ("amount", "micros"),
    [
        (Decimal("0.000001"), 1),
        (Decimal("-0.000001"), -1),
        (Decimal("0.56"), 560_000),
        (Decimal("123456789.123456"), 123_456_789_123_456),
        (INT64_MAX_DOLLARS, 2**63 - 1),
    ],
)
def test_money_round_trips_exactly_as_integer_micros(
    database: Database, query: Query, amount: Decimal, micros: int
) -> None:
    with database.unit_of_work() as repo:
        stored = repo.insert_pnl(
            PnlEvent(ts=T0, ticker="T", cost=amount, payout=ZERO, realized_pnl=-amount)
        )
    with database.read() as repo:
        [loaded] = repo.pnl_events()

    assert stored == loaded
    assert loaded.cost == amount
    assert loaded.realized_pnl == -amount
    assert query("SELECT cost, typeof(cost) FROM pnl_history") == [(micros, "integer")]


def test_money_finer_than_a_micro_dollar_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError) as raised, engine.begin() as connection:
        connection.execute(insert(PnlRow).values(pnl_row(cost=Decimal("0.0000001"))))
    assert isinstance(raised.value.orig, MoneyFormatError)


@pytest.mark.parametrize("value", [0.5, 1, "0.5"])
def test_money_that_is_not_a_decimal_is_refused(engine: Engine, value: object) -> None:
    with pytest.raises(StatementError) as raised, engine.begin() as connection:
        connection.execute(insert(PnlRow).values(pnl_row(cost=value)))
    assert isinstance(raised.value.orig, MoneyFormatError)


def test_counts_round_trip_with_two_decimals(database: Database, query: Query) -> None:
    with database.unit_of_work() as repo:
        repo.insert_position(position(count=Decimal("12.34")))
    with database.read() as repo:
        [loaded] = repo.all_positions()

    assert loaded.count == Decimal("12.34")
    assert query("SELECT count, typeof(count) FROM positions") == [(1234, "integer")]


def test_counts_finer_than_a_hundredth_are_refused(database: Database) -> None:
    with pytest.raises(StatementError) as raised, database.unit_of_work() as repo:
        repo.insert_position(position(count=Decimal("1.005")))
    assert isinstance(raised.value.orig, MoneyFormatError)


def test_timestamps_are_stored_as_utc_text_with_milliseconds(
    database: Database, query: Query
) -> None:
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2026, 3, 1, 14, 5, 6, 789123, tzinfo=plus_two)
    with database.unit_of_work() as repo:
        repo.append_ledger(moment, Decimal(1), LedgerReason.INITIAL, Decimal(1))
    with database.read() as repo:
        entry = repo.last_ledger_entry()

    assert query("SELECT ts FROM bankroll_history") == [("2026-03-01T12:05:06.789Z",)]
    assert entry is not None
    assert entry.ts == datetime(2026, 3, 1, 12, 5, 6, 789000, tzinfo=UTC)
    assert entry.ts.tzinfo == UTC


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    naive = datetime(2026, 3, 1, 12, 0, 0)  # noqa: DTZ001
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        connection.execute(insert(PnlRow).values(pnl_row(ts=naive)))


def test_a_timestamp_must_be_a_datetime(engine: Engine) -> None:
    with pytest.raises(StatementError, match="must be a datetime"), engine.begin() as connection:
        connection.execute(insert(PnlRow).values(pnl_row(ts="2026-03-01T12:00:00.000Z")))
