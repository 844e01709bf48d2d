"""Durable bankroll changes per second through the actors vs raw single-row SQLite commits.

Both sides run in this process, on the same disk, with the same pragmas (WAL, synchronous=FULL,
so every acknowledged change has reached the disk).
Run from the repository root: `.venv/bin/python -m bench.bankroll`.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from actors.bankroll import Bankroll
from actors.base import ask, ping
from actors.storage import Storage
from domain.messages import CreditFunds, GetLedgerTotals
from infra.clock import SystemClock
from infra.db.migrate import migrate
from infra.logs import setup_logging


def raw_commits(path: Path, n: int) -> float:
    """Single-row INSERT + COMMIT, n times, with the production pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT, change INTEGER, balance INTEGER)"
    )
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO t (ts, change, balance) VALUES (?, ?, ?)",
            ("2026-11-24T00:00:00.000Z", 1, i),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def actor_changes(path: Path, n: int, clients: int) -> float:
    """n CreditFunds asks spread over `clients` threads; each reply means durable."""
    migrate(path)
    storage = Storage.start(path)
    ping(storage)
    bankroll = Bankroll.start(storage, Decimal(1000), SystemClock())
    ping(bankroll)
    per_client = n // clients

    def client(_: int) -> None:
        for _ in range(per_client):
            ask(bankroll, CreditFunds(amount=Decimal("0.01")))

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    elapsed = time.perf_counter() - start
    totals = ask(storage, GetLedgerTotals())
    assert totals.total_change == totals.last_balance, "ledger does not add up"
    assert totals.rows == 1 + per_client * clients
    bankroll.stop(timeout=10)
    storage.stop(timeout=10)
    return per_client * clients / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="changes per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    args = parser.parse_args()
    setup_logging("WARNING")
    client_counts = (1, 8, 32)
    raw_rates: list[float] = []
    actor_rates: dict[int, list[float]] = {clients: [] for clients in client_counts}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        for round_no in range(args.rounds):
            raw_rates.append(raw_commits(base / f"raw-{round_no}.db", args.n))
            for clients in client_counts:
                path = base / f"actors-{clients}-{round_no}.db"
                actor_rates[clients].append(actor_changes(path, args.n, clients))
    raw = statistics.median(raw_rates)
    print(f"median of {args.rounds} interleaved rounds, {args.n} durable changes each")
    print(f"raw sqlite single-row commits : {raw:8.0f} /s")
    for clients in client_counts:
        rate = statistics.median(actor_rates[clients])
        ratio = rate / raw
        print(f"actors, {clients:2d} client thread(s) : {rate:8.0f} /s  ratio to raw {ratio:.2f}")


if __name__ == "__main__":
    main()
