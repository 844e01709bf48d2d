"""Storage keeps the history's upkeep in step with its growth (issue 21): it compacts the market
snapshots as it stores each scan (one bounded batch per scan, in the scan's own transaction),
and checks the ledger and records a checkpoint every so many rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from actors.base import ask, ping
from actors.storage import Storage
from domain.messages import CommitWork, InsertSnapshots, LedgerRow
from domain.models import LedgerReason, Market, MarketStatus
from infra.db.repository import Database
from infra.db.retention import SnapshotRetention

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_each_scan_stored_compacts_the_old_snapshots(db_path: Path) -> None:
    retention = SnapshotRetention(full=timedelta(hours=6), every=timedelta(hours=1))
    storage = Storage.start(db_path, retention=retention)
    markets = (Market(ticker="KX-1", event_ticker="EV", status=MarketStatus.ACTIVE, close_time=T0),)
    try:
        ping(storage)
        for step in range(12 * 6):  # every ten minutes for twelve hours
            scan = InsertSnapshots(ts=T0 + timedelta(minutes=10 * step), markets=markets)
            ask(storage, CommitWork(writes=(scan,)))
    finally:
        storage.stop(timeout=10)
    with Database.open(db_path) as db, db.read() as repo:
        times = [ts for (ts,) in repo.connection.execute(text("SELECT ts FROM market_snapshots"))]
    # The last scan was at 11:50: from 05:50 on every one is kept, before it one an hour.
    assert times[:6] == [f"2026-03-01T0{h}:00:00.000Z" for h in range(6)]
    assert times[6:8] == ["2026-03-01T05:50:00.000Z", "2026-03-01T06:00:00.000Z"]
    assert len(times) == 6 + 37


def test_storage_records_a_ledger_checkpoint_every_so_many_rows(db_path: Path) -> None:
    storage = Storage.start(db_path, checkpoint_every=3)
    try:
        ping(storage)
        for n in range(1, 8):
            row = LedgerRow(
                ts=T0, change=Decimal(1), reason=LedgerReason.RELEASE, balance=Decimal(n)
            )
            ask(storage, CommitWork(ledger=row))
    finally:
        storage.stop(timeout=10)
    with Database.open(db_path) as db, db.read() as repo:
        checkpoint = repo.ledger_checkpoint()
    assert checkpoint is not None
    assert (checkpoint.through_id, checkpoint.rows, checkpoint.balance) == (6, 6, Decimal(6))
