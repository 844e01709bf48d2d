"""The market snapshots' retention (issue 21): every scan kept for a while, then one per market
per period, compacted a bounded batch at a time from a durable cursor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from domain.models import Market, MarketStatus
from infra.db.migrate import migrate
from infra.db.repository import Database, Repository
from infra.db.retention import SnapshotRetention, compact_snapshots
from tests.infra.db.builders import T0, at
from tests.infra.db.test_query_plans import full_scans

MINUTES = 10
DAYS = 3
NOW = T0 + timedelta(days=DAYS)
MARKETS = [
    Market(ticker=f"KX-{n}", event_ticker="EV", status=MarketStatus.ACTIVE, close_time=NOW)
    for n in range(3)
]


def scanned(database: Database) -> Database:
    """Three markets scanned every ten minutes for three days."""
    with database.unit_of_work() as repo:
        for step in range(DAYS * 24 * 60 // MINUTES):
            repo.insert_market_snapshots(at(step * MINUTES * 60), MARKETS)
    return database


def kept(database: Database) -> list[tuple[str, str]]:
    with database.read() as repo:
        return [
            (ticker, ts)
            for ticker, ts in repo.connection.execute(
                text("SELECT ticker, ts FROM market_snapshots ORDER BY ticker, ts")
            )
        ]


def compact(database: Database, retention: SnapshotRetention) -> int:
    with database.unit_of_work() as repo:
        return compact_snapshots(repo.connection, retention, NOW)


HOURLY = SnapshotRetention(full=timedelta(days=1), every=timedelta(hours=1), batch=1_000_000)


def test_old_snapshots_thin_to_the_first_of_each_period_and_recent_ones_stay(
    database: Database,
) -> None:
    before = kept(scanned(database))
    deleted = compact(database, HOURLY)
    after = kept(database)
    cutoff = "2026-03-03T12:00:00.123Z"  # NOW less a day
    recent = [row for row in before if row[1] >= cutoff]
    assert [row for row in after if row[1] >= cutoff] == recent
    old = [row for row in after if row[1] < cutoff]
    # 48 hours before the cutoff, one a market each: the first scan of the hour (hh:00:00.123).
    assert len(old) == 3 * 48
    assert {ts[14:] for _, ts in old} == {"00:00.123Z"}
    assert deleted == len(before) - len(after) == 3 * 48 * 5


def test_batches_are_bounded_and_reach_the_same_book(database: Database, tmp_path: Path) -> None:
    small = HOURLY.replace(batch=100)
    first = compact(scanned(database), small)
    assert 0 < first <= 100
    for _ in range(12):  # 864 old ids: nine batches, then nothing more to do
        compact(database, small)
    assert compact(database, small) == 0
    migrate(tmp_path / "whole.db")
    with Database.open(tmp_path / "whole.db") as whole:
        compact(scanned(whole), HOURLY)
        assert kept(database) == kept(whole)


def test_compaction_reads_through_indexes(database: Database) -> None:
    def batch(repo: Repository) -> object:
        return compact_snapshots(repo.connection, HOURLY.replace(batch=500), NOW)

    assert full_scans(scanned(database), batch, write=True) == []


def test_a_second_batch_starts_where_the_first_stopped(database: Database) -> None:
    compact(scanned(database), HOURLY.replace(batch=300))
    with database.read() as repo:
        cursor = repo.connection.execute(
            text("SELECT through_id FROM history_cursors WHERE name = 'market_snapshots'")
        ).scalar()
    assert cursor == 300
