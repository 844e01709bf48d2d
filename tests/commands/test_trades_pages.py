"""`trades` shows a page, not the whole history (issue 21): the newest `--limit` (100 by
default, 0 for all), or those opened `--since` a time."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from infra.db.migrate import migrate
from infra.db.repository import Database
from tests.in_process import run_main_in_process
from tests.infra.db.builders import T0, position


def book(tmp_path: Path, positions: int) -> str:
    path = tmp_path / "book.db"
    migrate(path)
    with Database.open(path) as db, db.unit_of_work() as repo:
        for n in range(positions):
            repo.insert_position(position(ticker=f"KX-{n}", opened_at=T0 + timedelta(hours=n)))
    return str(path)


def tickers(*args: str) -> list[str]:
    ran = run_main_in_process("trades", "--json", *args)
    assert ran.returncode == 0, ran.stderr
    return [row["ticker"] for row in json.loads(ran.stdout)]


def test_the_newest_trades_oldest_first(tmp_path: Path) -> None:
    db = book(tmp_path, 5)
    assert tickers("--limit", "2", "--db", db) == ["KX-3", "KX-4"]
    assert tickers("--limit", "0", "--db", db) == [f"KX-{n}" for n in range(5)]
    assert tickers("--db", db) == [f"KX-{n}" for n in range(5)]  # fewer than the default 100
    since = (T0 + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert tickers("--since", since, "--db", db) == ["KX-2", "KX-3", "KX-4"]  # at or after


def test_the_table_says_what_it_left_out(tmp_path: Path) -> None:
    db = book(tmp_path, 3)
    ran = run_main_in_process("trades", "--limit", "2", "--db", db)
    assert "the newest 2 of 3" in ran.stdout
    assert "--limit 0 shows every one" in ran.stdout


def test_a_bad_limit_or_time_is_a_clear_error(tmp_path: Path) -> None:
    db = book(tmp_path, 1)
    for flag, value in (("--limit", "-3"), ("--since", "yesterday")):
        ran = run_main_in_process("trades", flag, value, "--db", db)
        assert ran.returncode == 2
        assert "Traceback" not in ran.stderr
        assert value in ran.stderr
