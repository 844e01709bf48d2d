"""How fast a recorded session replays, and how much the recorder stores per cycle.

1. Records a session: the real actors on the embedded simulator (its clock moved by hand,
   `--cycle-minutes` of simulated time between cycles, the planted-edge scenario so the bot
   trades and settles), offline forecasts, into a real SQLite book with the recorder on.
2. Measures what the recorder added to the file (SQLite's own page accounting, `dbstat`):
   bytes per cycle, beside the scanner's snapshots of every market (not the recorder's).
3. Replays it as a user would (`main.py replay` in a subprocess) and reports the replay speed:
   recorded (simulated) hours per second of wall time, both as the replay logs it (the cycles
   only) and for the whole process (start-up, migration and reports included); and checks that
   the replay placed the same orders and booked the same ledger.

Run from the repository root: `.venv/bin/python -m bench.replay` (options: `--cycles N`,
`--cycle-minutes M`, `--markets N`).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from actors.system import TradingSystem
from infra.db.migrate import migrate
from infra.settings import load_settings
from infra.venue import connect

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RECORDER_TABLES = ("recording_blobs", "recorded_scans", "recorded_markets", "recorded_llm_calls")
SPEED = re.compile(r"in ([\d.]+) s: ([\d.]+) recorded hours a second")


def record(path: Path, cycles: int, cycle_minutes: float, markets: int) -> None:
    settings = load_settings(venue="sim", db=path, sim={"markets": markets})
    migrate(path)
    venue = connect(settings, scale_clock=lambda: 0.0, start_time=START, scenario="polymarket-edge")
    system = TradingSystem(settings, venue, path)
    try:
        system.start()
        if not system.reconcile(enable_trading=True).ok:
            raise SystemExit("start-up reconciliation failed")
        for number in range(1, cycles + 1):
            if system.run_cycle(number, 60.0) is None:
                raise SystemExit(f"cycle {number} did not complete")
            assert venue.sim is not None
            venue.sim.advance(cycle_minutes * 60)
    finally:
        system.stop()
        venue.close()


def sizes(path: Path) -> dict[str, int]:
    """Bytes of pages per table, indexes counted with their table."""
    with sqlite3.connect(path) as db:
        indexes = dict(db.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'"))
        found: dict[str, int] = {}
        for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = indexes.get(name, name)
            found[table] = found.get(table, 0) + size
    return found


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=48)
    parser.add_argument("--cycle-minutes", type=float, default=60.0)
    parser.add_argument("--markets", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        recording, out = Path(folder) / "recorded.db", Path(folder) / "replay.db"
        started = time.perf_counter()
        record(recording, args.cycles, args.cycle_minutes, args.markets)
        print(f"recorded {args.cycles} cycles in {time.perf_counter() - started:.1f} s")

        table = sizes(recording)
        recorder = sum(table.get(name, 0) for name in RECORDER_TABLES)
        snapshots = table.get("market_snapshots", 0)
        [(analysed, held)] = query(
            recording,
            "SELECT sum(role = 'candidate'), sum(role = 'held') FROM recorded_markets",
        )
        [(blobs,)] = query(recording, "SELECT count(*) FROM recording_blobs")
        print(
            f"recorder: {recorder:,} bytes, {recorder / args.cycles:,.0f} bytes a cycle"
            f" ({analysed} analysed and {held} held market-cycles, {blobs} distinct blobs);"
            f" the scanner's snapshots of every market: {snapshots / args.cycles:,.0f} bytes a"
            " cycle"
        )

        started = time.perf_counter()
        command = ["replay", "--db", str(recording), "--out", str(out), "--log-level", "info"]
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
            env={"PMT_LLM__PROVIDER": "offline", "PATH": "/usr/bin:/bin"},
        )
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"replay failed ({result.returncode}):\n{result.stderr[-3000:]}")
        speed = SPEED.search(result.stderr)
        assert speed is not None, result.stderr[-2000:]
        hours = args.cycles * args.cycle_minutes / 60
        print(
            f"replay: {args.cycles} cycles in {speed.group(1)} s of cycles ="
            f" {speed.group(2)} recorded hours a second; whole process {wall:.1f} s ="
            f" {hours / wall:.1f} recorded hours a second"
        )
        same = "SELECT ticker, side, limit_price, count, filled_count, fees FROM executions"
        ledger = "SELECT reason, change, balance FROM bankroll_history ORDER BY id"
        print(
            f"same orders: {query(recording, same) == query(out, same)}"
            f" ({len(query(out, same))}); same ledger:"
            f" {query(recording, ledger) == query(out, ledger)} ({len(query(out, ledger))} rows)"
        )


if __name__ == "__main__":
    main()
