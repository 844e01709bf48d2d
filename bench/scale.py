"""A year of history at the cost of day one (issue 21, point 5, the book's part).

Builds two books in bulk SQL: a day-one book (1,440 one-minute cycles) and a year-old one (525,600
cycles' worth at the default retention: every snapshot of the last `history.full_snapshot_days`,
one a market a day before that; every forecast, order, position and ledger row), then times on
each the work that runs every cycle or every command, and prints year / day-one for each (the
goal is within 1.5x), and each book's size on disk. Then the bot's RSS over a long run
(bench/rss.py; the goal is flat).

Run from the repository root: `.venv/bin/python -m bench.scale [--markets 400] [--rss-cycles 500]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from actors.storage import CHECKPOINT_EVERY, _commit
from bench import rss
from commands.run import _check_ledger
from domain.messages import CommitWork, InsertSnapshots, LedgerRow, ResolveForecasts
from domain.models import LedgerReason, Market, MarketResult, MarketStatus
from infra.db.integrity import verify_ledger
from infra.db.migrate import check_database, migrate
from infra.db.repository import Database
from infra.db.retention import SnapshotRetention, compact_snapshots
from infra.db.scorecard import ScorecardCache
from infra.settings import HistorySettings
from main import main as program

START = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 1_440  # one-minute cycles
YEAR = 525_600
MICRO = 1_000_000
TS = "strftime('%Y-%m-%dT%H:%M:%S.000Z', {start} + ({minute}) * 60, 'unixepoch')"

# Per cycle, on average (the measured book: 300k forecasts, 1M ledger rows, 20k
# trades a year), as one row every `n` cycles.
EVERY_FORECAST = 2  # 262k a year
EVERY_LEDGER = 1  # twice a cycle: 1.05M a year
EVERY_TRADE = 26  # 20k a year
UNVERIFIED = CHECKPOINT_EVERY // 2  # ledger rows after the newest checkpoint


def _numbers(name: str, count: int) -> str:
    return (
        f"WITH RECURSIVE {name}(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM {name}"
        f" WHERE n < {count - 1})"
    )


def _snapshots(db: Database, scans: list[int], markets: int) -> None:
    """One snapshot a market at each minute in `scans` (ascending), tickers turning over
    weekly; written in time order, as the scanner writes them."""
    start = int(START.timestamp())
    ts = TS.format(start=start, minute="scan.minute")
    with db.unit_of_work() as repo:
        repo.connection.exec_driver_sql("CREATE TEMP TABLE scan (minute INTEGER)")
        repo.connection.exec_driver_sql(
            "INSERT INTO scan VALUES (?)", [(minute,) for minute in scans]
        )
        repo.connection.exec_driver_sql(
            f"""{_numbers("market", markets)}
            INSERT INTO market_snapshots (ts, venue, ticker, event_ticker, status, yes_bid,
                yes_ask, no_bid, no_ask, last_price, volume, open_interest, close_time, raw)
            SELECT {ts}, 'kalshi', printf('KX-%d-%d', scan.minute / 10080, market.n),
                   printf('EV-%d-%d', scan.minute / 10080, market.n / 4), 'active',
                   400000, 450000, 550000, 600000, 420000, 100000, 50000,
                   {TS.format(start=start, minute="(scan.minute / 10080 + 1) * 10080")}, NULL
            FROM scan, market ORDER BY scan.minute, market.n"""
        )
        repo.connection.exec_driver_sql("DROP TABLE scan")


def _history(db: Database, path: Path, cycles: int, markets: int) -> None:
    """Forecasts (resolved once their week is over), LLM calls, orders, positions, P&L and a
    chained ledger, spread evenly over `cycles`."""
    start = int(START.timestamp())
    forecasts = cycles // EVERY_FORECAST
    trades = max(1, cycles // EVERY_TRADE)
    ledger = cycles * 2 // EVERY_LEDGER
    statements = [
        f"""{_numbers("f", forecasts)}
        INSERT INTO forecasts (ticker, made_at, cycle, model, prompt_version, offline,
            probability, confidence, rationale, cost, yes_bid, yes_ask, polymarket_price,
            close_time, outcome, resolved_at)
        SELECT printf('KX-%d-%d', f.n * {EVERY_FORECAST} / 10080, f.n % {markets}),
               {TS.format(start=start, minute=f"f.n * {EVERY_FORECAST}")}, f.n, 'claude',
               'v1', 0, 550000, 700000, 'why', 3000, 400000, 450000, NULL,
               {TS.format(start=start, minute=f"(f.n * {EVERY_FORECAST} / 10080 + 1) * 10080")},
               CASE WHEN f.n * {EVERY_FORECAST} / 10080 < {cycles} / 10080
                    THEN (CASE f.n % 2 WHEN 0 THEN 'yes' ELSE 'no' END) END,
               CASE WHEN f.n * {EVERY_FORECAST} / 10080 < {cycles} / 10080
                    THEN {TS.format(start=start, minute=cycles)} END
        FROM f""",
        """INSERT INTO llm_calls (call_id, ts, ticker, cycle, provider, model, prompt_version,
            input_tokens, output_tokens, cost, outcome)
        SELECT 'call-' || id, made_at, ticker, cycle, 'anthropic', model, prompt_version,
               900, 200, cost, 'ok' FROM forecasts""",
        f"""{_numbers("t", trades)}
        INSERT INTO executions (client_order_id, correlation_id, ticker, side, limit_price,
            count, reserved, status, filled_count, fill_cost, fees, created_at, updated_at,
            forecast_id)
        SELECT 'order-' || t.n, 'corr-' || t.n, f.ticker, 'yes', 450000, 1000, 4600000,
               'filled', 1000, 4500000, 70000, f.made_at, f.made_at, f.id
        FROM t JOIN forecasts f ON f.id = 1 + t.n * {EVERY_TRADE // EVERY_FORECAST}""",
        """INSERT INTO positions (ticker, side, count, cost, status, client_order_id,
            opened_at, closed_at, payout)
        SELECT e.ticker, 'yes', 1000, 4570000,
               CASE WHEN f.outcome IS NULL THEN 'open' ELSE 'closed' END, e.client_order_id,
               e.created_at, f.resolved_at,
               CASE f.outcome WHEN 'yes' THEN 10000000 WHEN 'no' THEN 0 END
        FROM executions e JOIN forecasts f ON f.id = e.forecast_id
        WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.ticker = e.ticker
                          AND p.status = 'open')""",
        """INSERT INTO pnl_history (ts, ticker, position_id, cost, payout, realized_pnl, note,
            kind, count, fees)
        SELECT closed_at, ticker, id, cost, payout, payout - cost, 'settled', 'settlement',
               count, 0 FROM positions WHERE status = 'closed'""",
        _ledger(start, 0, ledger - UNVERIFIED),
    ]
    with db.unit_of_work() as repo:
        for statement in statements:
            repo.connection.exec_driver_sql(statement)
    # The bot records a checkpoint every CHECKPOINT_EVERY rows: a book it stopped writing to
    # has up to that many after the newest one (here, half).
    verify_ledger(path, START + timedelta(minutes=cycles))
    with db.unit_of_work() as repo:
        repo.connection.exec_driver_sql(_ledger(start, ledger - UNVERIFIED, UNVERIFIED))


def _ledger(start: int, first: int, count: int) -> str:
    """Ledger rows `first` to `first + count - 1`: the seed, then a reserve and its release
    each cycle."""
    return f"""{_numbers("l", count)}
        INSERT INTO bankroll_history (ts, change, reason, balance, ref_type, ref_id)
        SELECT {TS.format(start=start, minute="k.n / 2")},
               CASE WHEN k.n = 0 THEN {1_000_000 * MICRO}
                    WHEN k.n % 2 = 1 THEN -{MICRO} ELSE {MICRO} END,
               CASE WHEN k.n = 0 THEN 'initial' WHEN k.n % 2 = 1 THEN 'reserve'
                    ELSE 'release' END,
               {1_000_000 * MICRO} - CASE k.n % 2 WHEN 1 THEN {MICRO} ELSE 0 END,
               'execution', 'order-' || (k.n / 2)
        FROM (SELECT l.n + {first} AS n FROM l) AS k"""


def build(path: Path, cycles: int, markets: int, history: HistorySettings) -> None:
    """A book `cycles` minutes old, holding what the default retention keeps of it."""
    migrate(path)
    full = int((history.full or timedelta(days=366)).total_seconds() // 60)
    every = int(history.every.total_seconds() // 60)
    first_full = max(0, cycles - full)
    scans = [*range(0, first_full, every), *range(first_full, cycles)]
    with Database.open(path) as db:
        _snapshots(db, scans, markets)
        _history(db, path, cycles, markets)
        with db.unit_of_work() as repo:  # the compaction cursor, where the bot's would be
            last_old = repo.connection.execute(
                text("SELECT count(*) FROM market_snapshots WHERE id <= :n"),
                {"n": len(range(0, first_full, every)) * markets},
            ).scalar()
            repo.connection.execute(
                text("INSERT INTO history_cursors VALUES ('market_snapshots', :n, :at)"),
                {"n": last_old, "at": "2026-01-01T00:00:00.000Z"},
            )


def cycle_storage(
    db: Database, cycles: int, markets: int, history: HistorySettings, cache: ScorecardCache
) -> None:
    """A cycle's Storage work, rolled back: the scan's snapshots and a compaction batch, a
    reservation and its release, a market resolving, the scorecard's inputs (kept by `cache`,
    as Storage keeps them) and the markets due a resolution."""
    now = START + timedelta(minutes=cycles)
    week = cycles // 10080
    scan = [
        Market(
            ticker=f"KX-{week}-{n}",
            event_ticker=f"EV-{week}-{n // 4}",
            status=MarketStatus.ACTIVE,
            close_time=now + timedelta(days=3),
            yes_bid=Decimal("0.40"),
            yes_ask=Decimal("0.45"),
        )
        for n in range(markets)
    ]
    retention = SnapshotRetention(full=history.full or timedelta(days=3660), every=history.every)
    with db.unit_of_work() as repo:
        last = repo.last_ledger_entry()
        assert last is not None
        change = Decimal(-1)
        reserve = LedgerRow(
            ts=now, change=change, reason=LedgerReason.RESERVE, balance=last.balance + change
        )
        release = LedgerRow(
            ts=now, change=-change, reason=LedgerReason.RELEASE, balance=last.balance
        )
        works = [
            CommitWork(writes=(InsertSnapshots(ts=now, markets=tuple(scan)),)),
            CommitWork(ledger=reserve),
            CommitWork(ledger=release),
            CommitWork(
                writes=(
                    ResolveForecasts(
                        ticker=f"KX-{week - 1}-1", outcome=MarketResult.YES, resolved_at=now
                    ),
                )
            ),
        ]
        results = _commit(repo, works)
        compact_snapshots(repo.connection, retention, now)
        cache.committed(works, results)
        cache.inputs(repo)
        repo.unresolved_forecast_tickers(now, 50)
        repo.connection.rollback()


def command(*argv: str) -> Callable[[Path], object]:
    def run(path: Path) -> object:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = program([*argv, "--db", str(path)])
        assert code == 0, f"{argv} exited {code}"
        return code

    return run


def startup_checks(path: Path) -> object:
    check_database(path)
    return verify_ledger(path, START)


def forget_checkpoints(path: Path) -> Callable[[], None]:
    """Undoes the checkpoints a measured check records, so each run of it reads what a
    restart would: the rows after the book's newest checkpoint as built."""
    with closing(sqlite3.connect(path)) as book:
        kept = book.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_checkpoints").fetchone()[0]

    def forget() -> None:
        with closing(sqlite3.connect(path)) as book, book:
            book.execute("DELETE FROM ledger_checkpoints WHERE id > ?", (kept,))

    return forget


def timed(what: Callable[[], object], repeat: int, reset: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        what()
        times.append(time.perf_counter() - start)
        reset()
    return statistics.median(times)


def on_disk(path: Path) -> float:
    """The book's size in MB, with its WAL."""
    return sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=400)
    parser.add_argument("--days", type=int, default=365, help="the old book's age")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--books", type=Path, help="keep the books here, built once")
    parser.add_argument("--rss-cycles", type=int, default=500, help="0: no RSS run")
    args = parser.parse_args()
    history = HistorySettings()
    ages = {"day one": DAY, "year": args.days * DAY}
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.books or Path(scratch)
        books = {}
        for name, cycles in ages.items():
            books[name] = directory / f"{name.replace(' ', '-')}-{cycles}-{args.markets}.db"
            if books[name].exists():
                migrate(books[name])  # a kept book, brought to this revision
                continue
            start = time.perf_counter()
            build(books[name], cycles, args.markets, history)
            print(f"built the {name} book in {time.perf_counter() - start:.1f} s")
        caches = {path: ScorecardCache() for path in books.values()}
        open_books = {path: Database.open(path) for path in books.values()}  # as Storage's
        resets = {path: forget_checkpoints(path) for path in books.values()}
        measures: dict[str, Callable[[Path, int], object]] = {
            "a cycle's Storage work": lambda p, c: cycle_storage(
                open_books[p], c, args.markets, history, caches[p]
            ),
            "status --json": lambda p, _c: command("status", "--json")(p),
            "trades --json": lambda p, _c: command("trades", "--json")(p),
            "start-up checks": lambda p, _c: startup_checks(p),
            "end-of-run ledger check": lambda p, _c: _check_ledger(p, START),
        }
        print(f"\n{'measure':<26}{'day one':>10}{'year':>10}{'ratio':>8}  goal 1.5x")
        for label, measure in measures.items():
            for name, cycles in ages.items():  # warm: imports, Storage's scorecard cache
                measure(books[name], cycles)
                resets[books[name]]()
            seconds = {
                name: timed(
                    lambda n=name, m=measure: m(books[n], ages[n]), args.repeat, resets[books[name]]
                )
                for name in ages
            }
            ratio = seconds["year"] / seconds["day one"]
            verdict = "ok" if ratio <= 1.5 else "OVER"
            print(
                f"{label:<26}{seconds['day one'] * 1e3:>8.1f}ms{seconds['year'] * 1e3:>8.1f}ms"
                f"{ratio:>7.2f}x  {verdict}"
            )
        sizes = {name: on_disk(path) for name, path in books.items()}
        print(
            f"{'the book on disk':<26}{sizes['day one']:>8.0f}MB{sizes['year']:>8.0f}MB"
            f"{sizes['year'] / sizes['day one']:>7.1f}x  goal: a year within a few GB"
            " (snapshots, forecasts, orders, ledger; not the recorder's 14 days)"
        )
        for db in open_books.values():
            db.close()
    if args.rss_cycles:
        memory = rss.run(args.rss_cycles, args.markets)
        print(
            f"\nRSS over {args.rss_cycles} cycles of {args.markets} markets: cycle 50"
            f" {memory.at(50):.1f} MB, cycle {args.rss_cycles} {memory.at(args.rss_cycles):.1f} MB;"
            f" {memory.slope * 1e3:+.1f} kB a cycle over the second half (goal: flat)"
        )


if __name__ == "__main__":
    main()
