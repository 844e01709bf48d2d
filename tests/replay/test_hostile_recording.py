"""A malformed or oversized recording is refused by `replay` with one line naming the row, in
bounded memory (issue 20, point 6): a malformed one ended with "unexpected ValidationError", a
30 MB title took replay to 465 MB."""

from __future__ import annotations

import sqlite3
import tracemalloc
from contextlib import closing
from pathlib import Path

import pytest

from tests.in_process import run_main_in_process
from tests.shared_book import TradedBook

THIRTY_MB = 30 * 1024 * 1024


def first_market_row(book: Path) -> tuple[int, str]:
    with closing(sqlite3.connect(book)) as connection:
        row = connection.execute(
            "SELECT id, market_hash FROM recorded_markets ORDER BY id LIMIT 1"
        ).fetchone()
    assert row is not None, "the traded book recorded no market"
    return row


def set_blob(book: Path, key: str, body_sql: str) -> None:
    with closing(sqlite3.connect(book)) as connection:
        connection.execute(f"UPDATE recording_blobs SET body = {body_sql} WHERE hash = ?", (key,))
        connection.commit()


def refused(book: Path, tmp_path: Path) -> str:
    out = tmp_path / "replay.db"
    ran = run_main_in_process("replay", "--db", str(book), "--out", str(out))
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "unexpected" not in ran.stderr
    assert not out.exists()
    [line] = [x for x in ran.stderr.splitlines() if "cannot be replayed" in x]
    return line


@pytest.mark.parametrize(
    ("body_sql", "says"),
    [
        ("'{\"ticker\": 5}'", "its recorded Market does not read back"),
        ("'not json at all'", "its recorded Market does not read back"),
    ],
    ids=["wrong-shape", "not-json"],
)
def test_a_malformed_recorded_market_is_refused_naming_its_row(
    traded_book_copy: TradedBook, tmp_path: Path, body_sql: str, says: str
) -> None:
    row, key = first_market_row(traded_book_copy.path)
    set_blob(traded_book_copy.path, key, body_sql)
    line = refused(traded_book_copy.path, tmp_path)
    assert f"recorded_markets row {row} " in line
    assert says in line


def test_an_oversized_recorded_title_is_refused_unread_in_bounded_memory(
    traded_book_copy: TradedBook, tmp_path: Path
) -> None:
    row, key = first_market_row(traded_book_copy.path)
    title = f"replace(hex(zeroblob({THIRTY_MB // 2})), '0', 'x')"  # 30 MB of 'x'
    set_blob(traded_book_copy.path, key, f"json_set(body, '$.title', {title})")
    tracemalloc.start()
    try:
        line = refused(traded_book_copy.path, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"recorded_markets row {row} " in line
    assert "refused unread" in line
    assert peak < THIRTY_MB // 3, f"replay held {peak:,} bytes to refuse it"
