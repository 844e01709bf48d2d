"""The ledger is append-only in the database, and checked from its newest verified checkpoint
(issue 21): start-up, the end of a run and `status` read the rows since, `status --verify` reads
them all and finds a row changed before the checkpoint.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.models import LedgerReason
from infra.db.errors import LedgerIntegrityError
from infra.db.integrity import check_ledger, verify_ledger
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.db.tables import APPEND_ONLY_TRIGGERS
from tests.in_process import run_main_in_process
from tests.infra.db.test_query_plans import captured
from tests.process_helpers import child_env

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def append(path: Path, *changes: tuple[str, LedgerReason]) -> None:
    """Rows continuing the chain, as the bot writes them."""
    with Database.open(path) as db, db.unit_of_work() as repo:
        last = repo.last_ledger_entry()
        balance = Decimal(0) if last is None else last.balance
        for change, reason in changes:
            balance += Decimal(change)
            repo.append_ledger(NOW, Decimal(change), reason, balance)


def by_hand(path: Path, sql: str, *, put_triggers_back: bool) -> None:
    """`sql` run past the append-only triggers (dropped first), as a sqlite3 shell could."""
    with closing(sqlite3.connect(path)) as book:
        for name in APPEND_ONLY_TRIGGERS:
            book.execute(f"DROP TRIGGER IF EXISTS {name}")
        book.execute(sql)
        if put_triggers_back:
            for statement in APPEND_ONLY_TRIGGERS.values():
                book.execute(statement)
        book.commit()


def status(path: Path, *flags: str) -> tuple[int, str]:
    done = run_main_in_process("status", "--db", str(path), *flags, env=child_env())
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four rows, verified at start-up (a checkpoint through row 4), then two more."""
    path = tmp_path_factory.mktemp("ledger") / "bot.db"
    migrate(path)
    append(
        path,
        ("1000", LedgerReason.INITIAL),
        ("-10", LedgerReason.RESERVE),
        ("-0.25", LedgerReason.API_COST),
        ("10", LedgerReason.RELEASE),
    )
    verify_ledger(path, NOW)
    append(path, ("-0.5", LedgerReason.API_COST), ("-20", LedgerReason.RESERVE))
    return path


@pytest.fixture
def book(_built: Path, tmp_path: Path) -> Path:
    """A copy of the built book (its WAL checkpointed into it when it was closed)."""
    return Path(shutil.copy(_built, tmp_path / "bot.db"))


@pytest.mark.parametrize(
    "sql", ["UPDATE bankroll_history SET change = 0 WHERE id = 2", "DELETE FROM bankroll_history"]
)
def test_the_database_refuses_to_change_or_delete_a_ledger_row(book: Path, sql: str) -> None:
    with closing(sqlite3.connect(book)) as connection, pytest.raises(sqlite3.IntegrityError) as e:
        connection.execute(sql)
    assert "bankroll_history is append-only" in str(e.value)


def test_a_check_reads_only_the_rows_after_the_checkpoint(book: Path) -> None:
    with Database.open(book) as db, db.read() as repo:
        with captured(repo.connection) as statements:
            verdict = check_ledger(repo)
        plans = [
            row[-1]
            for statement, parameters in statements
            if "previous.balance" in statement
            for row in repo.connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        ]
        totals, api_cost = repo.ledger_totals(), repo.api_cost_total()
    assert verdict.problem == ""
    assert verdict.scope == "the rows after 4"
    assert "SEARCH row USING INTEGER PRIMARY KEY (rowid>?)" in plans
    # The whole ledger's figures all the same: the checkpoint's plus the rows since.
    chain = verdict.chain
    assert (chain.rows, chain.last_balance, chain.api_cost) == (
        6,
        Decimal("979.25"),
        Decimal("0.75"),
    )
    assert (totals.rows, totals.total_change, totals.last_balance) == (
        6,
        chain.last_balance,
        chain.last_balance,
    )
    assert api_cost == Decimal("0.75")


def test_a_row_changed_before_the_checkpoint_is_found_by_status_verify(book: Path) -> None:
    """Behind the triggers' back (dropped, a row's reference edited, put back): the chain of
    balances still holds and the quick checks cannot see it; the full check's digest can."""
    by_hand(
        book,
        "UPDATE bankroll_history SET ref_id = 'someone else' WHERE id = 2",
        put_triggers_back=True,
    )
    verify_ledger(book, NOW)  # the quick check: the rows after the checkpoint still hold
    assert status(book)[0] == 0
    code, shown = status(book, "--verify", "--json")
    assert code == 1, shown
    assert "a row between 1 and 4 differs from what the checkpoint" in shown


def test_a_book_without_its_triggers_is_checked_in_full_and_guarded_again(book: Path) -> None:
    by_hand(
        book,
        "UPDATE bankroll_history SET balance = balance + 1 WHERE id = 2",
        put_triggers_back=False,
    )
    code, shown = status(book)
    assert code == 1
    assert "bankroll_history row 2 (reserve) breaks the chain" in shown
    with pytest.raises(LedgerIntegrityError, match=r"row 2 \(reserve\) breaks the chain"):
        verify_ledger(book, NOW)
    by_hand(
        book,
        "UPDATE bankroll_history SET balance = balance - 1 WHERE id = 2",
        put_triggers_back=False,
    )
    verify_ledger(book, NOW)  # in full, it holds: the triggers are put back
    with Database.open(book) as db, db.read() as repo:
        assert repo.ledger_guarded(list(APPEND_ONLY_TRIGGERS))
        assert check_ledger(repo).scope == "the rows after 6"
