"""Retention of the market snapshots: every scan kept for a while, then one per market per
period, compacted by Storage a bounded batch at a time so no write ever touches the whole table.

The work is driven by a durable cursor (`history_cursors`, name `market_snapshots`): every
snapshot at or below it is compacted. Each batch takes the next `batch` ids past the cursor that
are older than the full-detail window and deletes those with an earlier snapshot of the same
market in the same period (one index lookup each, on `(ticker, ts)`); the first of each period
stays. Snapshots are written in time order, so ids past the cursor were never compacted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects.sqlite import insert

from domain.base import Frozen
from domain.clock import format_utc
from infra.db.tables import HistoryCursorRow

SNAPSHOTS = "market_snapshots"

# The rows deleted in the window (cursor, end]: those with an earlier row of their market in
# their period (`:every` seconds, from the Unix epoch). The EXISTS is a search of the
# (ticker, ts) index, whose entries carry the rowid.
_COMPACT = text(
    """
    DELETE FROM market_snapshots
    WHERE id > :after AND id <= :end AND EXISTS (
        SELECT 1 FROM market_snapshots AS earlier
        WHERE earlier.ticker = market_snapshots.ticker
          AND earlier.ts >= strftime(
                '%Y-%m-%dT%H:%M:%S.000Z',
                (CAST(strftime('%s', substr(market_snapshots.ts, 1, 19)) AS INTEGER) / :every)
                    * :every,
                'unixepoch')
          AND earlier.ts <= market_snapshots.ts
          AND earlier.id < market_snapshots.id
    )
    """
)
_WINDOW_END = text(
    "SELECT max(id) FROM market_snapshots WHERE id > :after AND id <= :after + :batch"
    " AND ts < :before"
)


class SnapshotRetention(Frozen):
    """Every snapshot is kept for `full`; older ones, one per market per `every`."""

    full: timedelta
    every: timedelta
    batch: int = 10_000  # ids looked at a scan: well above a scan's own rows, so it catches up


def compact_snapshots(connection: Connection, retention: SnapshotRetention, now: datetime) -> int:
    """One bounded batch of compaction; returns how many snapshots it deleted."""
    cursor = HistoryCursorRow
    after = connection.execute(
        select(cursor.through_id).where(cursor.name == SNAPSHOTS)
    ).scalar_one_or_none()
    after = after or 0
    before = format_utc(now - retention.full)
    end = connection.execute(
        _WINDOW_END, {"after": after, "batch": retention.batch, "before": before}
    ).scalar()
    if end is None:
        return 0
    every = max(1, int(retention.every.total_seconds()))
    deleted = connection.execute(_COMPACT, {"after": after, "end": end, "every": every}).rowcount
    upsert = insert(cursor).values(name=SNAPSHOTS, through_id=end, updated_at=now)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[cursor.name],
            set_={
                "through_id": upsert.excluded.through_id,
                "updated_at": upsert.excluded.updated_at,
            },
        )
    )
    return deleted
