"""The program as a user runs it, on a real database file: configuration errors, a new book,
secrets, and books it must refuse.

Called in process (tests/in_process.py); one test per exit code (0, 1, 2) runs it as a real
subprocess, the way a user's shell does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.in_process import run_main_in_process
from tests.process_helpers import child_env, run_main
from tests.shared_book import TradedBook


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--venue", "papr"], {}, "venue: must be one of 'sim', 'demo', 'live' or 'paper'"),
        (["--cycles", "-1"], {}, "cycles: Input should be greater than or equal to 0"),
        (["--log-level", "LOUD"], {}, "log_level: must be one of"),
        ([], {"PMT_RISK__MIN_EDGE": "2"}, "risk.min_edge: Input should be less than 1"),
        ([], {"PMT_INITIAL_BANKROLL": "lots"}, "initial_bankroll: Input should be a valid decimal"),
        (
            [],
            {"PMT_SIM__START_TIME": "2026-11-24T12:00"},
            "sim.start_time: Input should have timezone info",
        ),
        (
            ["--config", "/nonexistent/bot.toml"],
            {},
            "config file /nonexistent/bot.toml does not exist",
        ),
    ],
)
def test_bad_configuration_exits_2_naming_the_field(
    args: list[str], env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    result = run_main_in_process(*args, "--db", str(tmp_path / "x.db"), env=child_env(**env))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert not (tmp_path / "x.db").exists(), "nothing may start on a bad configuration"


@pytest.mark.slow
def test_bad_toml_file_exits_2(tmp_path: Path) -> None:
    """Exit code 2 as a process."""
    config = tmp_path / "bot.toml"
    config.write_text('initial_bankroll = "100"\n[risk]\nkelly_multiplier = 3\nbogus = 1\n')
    result = run_main("--config", str(config), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "risk.kelly_multiplier: Input should be less than or equal to 1" in result.stderr
    assert "risk.bogus: unknown setting" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.slow
def test_cycles_zero_leaves_a_migrated_wal_database_whose_ledger_adds_up(tmp_path: Path) -> None:
    """Exit code 0 as a process."""
    db = tmp_path / "new" / "book.db"
    result = run_main(
        "--cycles", "0", "--db", str(db), env=child_env(PMT_INITIAL_BANKROLL="321.09")
    )
    assert result.returncode == 0, result.stderr
    assert "$321.09" in result.stdout
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        total, last = conn.execute(
            "SELECT SUM(change), (SELECT balance FROM bankroll_history ORDER BY id DESC LIMIT 1)"
            " FROM bankroll_history"
        ).fetchone()
    finally:
        conn.close()
    assert total == last == 321_090_000  # micro-dollars

    status = run_main_in_process("status", "--db", str(db))
    assert status.returncode == 0, status.stderr
    assert "$321.09" in status.stdout
    assert "adds up" in status.stdout


def test_secrets_never_reach_the_output(tmp_path: Path) -> None:
    secret = "sk-ant-very-secret-value-123"
    result = run_main_in_process(
        "--cycles",
        "0",
        "--db",
        str(tmp_path / "s.db"),
        "--log-level",
        "DEBUG",
        env=child_env(ANTHROPIC_API_KEY=secret),
    )
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr


def test_a_database_from_a_newer_version_is_refused(traded_book_copy: TradedBook) -> None:
    db = traded_book_copy.path
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = run_main_in_process("--cycles", "0", "--db", str(db))
    assert result.returncode == 1
    assert "ffffffffffff" in result.stderr
    assert "newer" in result.stderr
    assert db.read_bytes() == before


@pytest.mark.slow
def test_a_corrupt_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    """Exit code 1 as a process."""
    db = tmp_path / "book.db"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = run_main("--cycles", "0", "--db", str(db))
    assert result.returncode == 1
    assert str(db) in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before
