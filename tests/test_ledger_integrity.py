"""Issue 9 problem 11: the whole ledger chain is checked before any actor trades.

The program (its entry point, called in process) refuses to start (exit 1, one clear line
naming the row, no traceback) on a ledger broken in the middle, or emptied beside an existing
book. The venue is never reached: the check runs before anything trades, so the exchange URL
here is a closed port.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from commands.run import _check_ledger
from domain.models import Execution, ExecutionStatus, LedgerEntry, LedgerReason, Side
from infra.db.integrity import verify_ledger
from infra.db.migrate import migrate
from infra.db.repository import Database
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env, make_key_pair

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NOWHERE = "http://127.0.0.1:9/trade-api/v2"  # the discard port: never answers


def entry(change: str, balance: str, reason: LedgerReason = LedgerReason.RESERVE) -> LedgerEntry:
    return LedgerEntry(ts=NOW, change=Decimal(change), reason=reason, balance=Decimal(balance))


def write_ledger(path: Path, entries: list[LedgerEntry]) -> None:
    """Rows as given, bypassing the chain check of `append_ledger_entries` (a corrupt file)."""
    with Database.open(path) as db, db.unit_of_work() as repo:
        connection = repo._connection
        for each in entries:
            connection.exec_driver_sql(
                "INSERT INTO bankroll_history (ts, change, reason, balance) VALUES (?, ?, ?, ?)",
                (
                    "2026-11-24T12:00:00.000Z",
                    int(each.change * 1_000_000),
                    each.reason.value,
                    int(each.balance * 1_000_000),
                ),
            )


def run_on(path: Path, tmp_path: Path) -> tuple[int, str]:
    keys = make_key_pair(tmp_path)
    env = child_env(KALSHI_API_KEY_ID=keys.key_id, KALSHI_PRIVATE_KEY_PATH=str(keys.private_key))
    done = run_main_in_process(
        "--venue", "sim", "--exchange-url", NOWHERE, "--db", str(path), env=env
    )
    return done.returncode, done.stderr


def test_a_ledger_broken_in_the_middle_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "book.db"
    migrate(path)
    write_ledger(
        path,
        [
            entry("1000", "1000", LedgerReason.INITIAL),
            entry("-10", "990"),
            entry("4", "999", LedgerReason.RELEASE),  # row 3: 990 + 4 is 994, not 999
            # The sum of the changes still equals the last balance: only the chain shows it.
            entry("-9", "985"),
        ],
    )
    code, stderr = run_on(path, tmp_path)
    assert code == 1, stderr
    assert "bankroll_history row 3 (release) breaks the chain" in stderr
    assert "balance 999.00 is not the previous balance 990.00 plus its change 4.00" in stderr
    assert "Traceback" not in stderr
    assert "trading ACTIVE" not in stderr


def test_an_emptied_ledger_beside_a_book_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "book.db"
    migrate(path)
    with Database.open(path) as db, db.unit_of_work() as repo:
        repo.insert_execution(
            Execution(
                client_order_id="c1",
                correlation_id="x",
                ticker="KXT-1",
                side=Side.YES,
                limit_price=Decimal("0.40"),
                count=Decimal(10),
                reserved=Decimal("4.17"),
                status=ExecutionStatus.FILLED,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    code, stderr = run_on(path, tmp_path)
    assert code == 1, stderr
    assert "bankroll_history is empty, but the book holds 1 positions and executions" in stderr
    assert "Traceback" not in stderr
    with Database.open(path) as db, db.read() as repo:
        assert repo.ledger_totals().rows == 0  # not re-seeded


def test_a_sound_ledger_passes(tmp_path: Path) -> None:
    path = tmp_path / "book.db"
    migrate(path)
    write_ledger(path, [entry("1000", "1000", LedgerReason.INITIAL), entry("-10", "990")])
    chain = verify_ledger(path, NOW)
    assert (chain.rows, chain.first_break, chain.last_balance) == (2, None, Decimal(990))


def test_the_end_of_run_check_is_the_chain_in_sql(tmp_path: Path) -> None:
    """The check after a run finds the same break as the start-up one, row and all, without
    reading the ledger's rows into Python (issue 21: 1.8 GB on a million rows)."""
    path = tmp_path / "book.db"
    migrate(path)
    write_ledger(
        path,
        [
            entry("1000", "1000", LedgerReason.INITIAL),
            entry("-10", "990"),
            entry("4", "999", LedgerReason.RELEASE),
        ],
    )
    broken = _check_ledger(path, NOW)
    assert not broken.ok
    assert broken.problem.startswith("bankroll_history row 3 (release) breaks the chain")
    sound = tmp_path / "sound.db"
    migrate(sound)
    write_ledger(sound, [entry("1000", "1000", LedgerReason.INITIAL), entry("-10", "990")])
    assert _check_ledger(sound, NOW).model_dump() == {
        "ok": True,
        "rows": 2,
        "total_change": Decimal(990),
        "last_balance": Decimal(990),
        "problem": "",
    }
