"""`close` and `flatten` before anything is sent: a ticker the book does not hold is refused,
and so is a sale with no bot running (it would be made at a bid nobody saw, at some later
start); a request left by a bot that stopped first is dropped at the next start, and said so.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from domain.halts import OperatorAction
from domain.models import Position, PositionStatus, Side
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.lockfile import DatabaseLock
from infra.operator import request
from tests.in_process import exchange_in_process, run_main_in_process


def requests(db: Path) -> list[tuple[str, str | None, str | None]]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT action, ticker, outcome FROM operator_commands")
        return [tuple(row) for row in rows]


def book_holding(tmp_path: Path, ticker: str) -> Path:
    db = tmp_path / "book.db"
    migrate(db)
    with Database.open(db) as database, database.unit_of_work() as repo:
        repo.insert_position(
            Position(
                ticker=ticker,
                side=Side.YES,
                count=Decimal(5),
                cost=Decimal("2.10"),
                status=PositionStatus.OPEN,
                opened_at=datetime(2026, 11, 24, 12, tzinfo=UTC),
            )
        )
    return db


def test_a_ticker_not_held_is_refused(tmp_path: Path) -> None:
    db = book_holding(tmp_path, "KXHELD-1")
    result = run_main_in_process("close", "KXOTHER-1", "--db", str(db))
    assert result.returncode == 1
    assert "the book holds no position in KXOTHER-1" in result.stdout
    assert requests(db) == []


def test_with_no_bot_running_a_sale_is_refused_and_nothing_waits(tmp_path: Path) -> None:
    db = book_holding(tmp_path, "KXHELD-1")
    for command in (["close", "KXHELD-1"], ["flatten"]):
        result = run_main_in_process(*command, "--db", str(db))
        assert result.returncode == 1, result.stderr
        assert f"no bot is running on {db}" in result.stdout
    assert requests(db) == []


def test_with_the_bot_running_the_request_is_recorded_for_it(tmp_path: Path) -> None:
    db = book_holding(tmp_path, "KXHELD-1")
    with DatabaseLock(db):  # held as a running bot holds it
        closed = run_main_in_process("close", "KXHELD-1", "--db", str(db))
        flattened = run_main_in_process("flatten", "--db", str(db))
    assert closed.returncode == 0, closed.stderr
    assert flattened.returncode == 0, flattened.stderr
    assert "sells KXHELD-1 at its next reconciliation" in closed.stdout
    assert requests(db) == [("close", "KXHELD-1", None), ("flatten", None, None)]


def test_a_sale_left_from_before_the_start_is_dropped_and_said(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    # An exchange of its own: the embedded one starts a fresh book (and archives this one).
    with exchange_in_process(tmp_path) as sim:
        args = ("--venue", "sim", "--cycles", "0", "--exchange-url", sim.base_url, "--db", str(db))
        first = run_main_in_process(*args, env=sim.bot_env())
        assert first.returncode == 0, first.stderr
        request(db, OperatorAction.CLOSE, None, ticker="KXANY-1")  # as if a bot stopped first
        second = run_main_in_process(*args, env=sim.bot_env())
    assert second.returncode == 0, second.stderr
    dropped = "operator command close KXANY-1: not applied: it was waiting when the bot started"
    assert dropped in second.stderr
    [(action, ticker, outcome)] = requests(db)
    assert (action, ticker) == ("close", "KXANY-1")
    assert outcome is not None
    assert outcome.startswith("not applied")
