"""LLM spending on the wall clock, in a small file that outlives any one book.

LLM dollars are real on every venue, and the embedded simulator starts a new book each run, so
the daily budget cannot be read from the book (nor from the simulator's accelerated clock).
Every call's cost is recorded here, with the real time, as soon as the provider has answered;
the daily budget is what this file holds since midnight UTC. One file per data directory
(`llm-usage.db` beside the book by default, `llm.usage_db` to choose), shared by every book
and every bot that uses it, so two runs on one day share one budget.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from domain.clock import format_utc
from domain.money import from_micros, to_micros
from infra.private_files import private_file, private_folder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_spend (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE,
    wall_ts TEXT NOT NULL,
    cost INTEGER NOT NULL,
    model TEXT NOT NULL,
    book TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_llm_spend_wall_ts ON llm_spend (wall_ts);
"""


class LlmUsage:
    """Thread-safe: each operation opens its own connection (a call takes seconds anyway)."""

    def __init__(self, path: Path, book: str = "") -> None:
        self.path = path
        self.book = book

    def _connect(self) -> sqlite3.Connection:
        private_folder(self.path.parent)
        private_file(self.path)
        connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(_SCHEMA)
        return connection

    def record(self, call_id: str, at: datetime, cost: Decimal, model: str) -> None:
        """Once per call (a repeated id is ignored)."""
        with closing(self._connect()) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO llm_spend (call_id, wall_ts, cost, model, book)"
                " VALUES (?, ?, ?, ?, ?)",
                (call_id, format_utc(at), to_micros(cost), model, self.book),
            )

    def spent_since(self, since: datetime) -> Decimal:
        with closing(self._connect()) as connection:
            return _spent(connection, since)


def spent_since_read_only(path: Path, since: datetime) -> Decimal | None:
    """What the usage file at `path` holds since `since`, read without creating or changing
    anything; None when there is no such file (no LLM call made from this data directory)."""
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return _spent(conn, since)
    except sqlite3.Error:
        return None


def _spent(connection: sqlite3.Connection, since: datetime) -> Decimal:
    (total,) = connection.execute(
        "SELECT COALESCE(SUM(cost), 0) FROM llm_spend WHERE wall_ts >= ?", (format_utc(since),)
    ).fetchone()
    return from_micros(total)
