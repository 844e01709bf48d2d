"""The start-up ledger check (one query) and the cash check's book query, on a million rows.

Builds a migrated database with N chained rows (orders: a reservation and its release, LLM
costs), then times `Repository.ledger_chain` and `Repository.book_cash` as the program runs them,
and the same chain check written with a LAG() window function, for comparison.
Run from the repository root: `.venv/bin/python -m bench.ledger_chain [--rows 1000000]`.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

from sqlalchemy import text

from infra.db.migrate import migrate
from infra.db.repository import Database

TS = "2026-11-24T12:00:00.000Z"
CHAIN_BY_WINDOW = text(
    """
    SELECT MIN(id) FROM (
        SELECT id, balance, change, LAG(balance, 1, 0) OVER (ORDER BY id) AS previous
        FROM bankroll_history
    ) WHERE balance != change + previous
    """
)


def _rows(n: int) -> Iterator[tuple[str, int, str, int, str | None, str | None]]:
    """(ts, change, reason, balance, ref_type, ref_id), chained, in micro-dollars."""
    balance = 10_000_000_000_000  # $10,000,000: never runs dry
    yield TS, balance, "initial", balance, "config", None
    for i in range(1, n):
        kind = i % 3
        if kind == 0:
            change, reason, ref = -1_234, "api_cost", ("llm", f"call-{i}")
        elif kind == 1:
            change, reason, ref = -4_170_000, "reserve", ("execution", f"order-{i}")
        else:
            change, reason, ref = 123_400, "release", ("execution", f"order-{i - 1}")
        balance += change
        yield TS, change, reason, balance, *ref


def build(path: Path, n: int) -> None:
    migrate(path)
    with closing(sqlite3.connect(path)) as db:
        db.executemany(
            "INSERT INTO bankroll_history (ts, change, reason, balance, ref_type, ref_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            _rows(n),
        )
        db.commit()


def timed(what: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        what()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.db"
        start = time.perf_counter()
        build(path, args.rows)
        print(f"built {args.rows:,} ledger rows in {time.perf_counter() - start:.1f} s")
        with Database.open(path) as db, db.read() as repo:
            chain = repo.ledger_chain()
            if chain.rows != args.rows or chain.first_break is not None:
                raise SystemExit(f"the benchmark's ledger is not what it built: {chain}")
            window = lambda: repo._connection.execute(CHAIN_BY_WINDOW).one()  # noqa: E731
            full = repo.book_cash()
            recent = full.replace(last_id=full.last_id - 1000)  # a cycle's rows since a check
            queries = (
                ("ledger chain", repo.ledger_chain),
                ("LAG() chain", window),
                ("book cash, all", repo.book_cash),
                ("book cash, 1k", lambda: repo.book_cash(since=recent)),
            )
            for name, query in queries:
                times = timed(query, args.repeat)
                print(
                    f"{name:>14}: median {statistics.median(times) * 1000:.0f} ms,"
                    f" best {min(times) * 1000:.0f} ms ({args.repeat} runs)"
                )


if __name__ == "__main__":
    main()
