"""The notices a running bot owes its operator, read from its book after a cursor.

Each look reads only what changed since the last one: fills and halts by row id, the parts'
health (one row a part) for those that turned unhealthy, and, once a UTC day, the day's
summary. It starts at the book's end: a restart does not resend the past.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from domain.health import Part
from domain.notices import (
    DaySummary,
    Notice,
    daily_notice,
    fill_notice,
    halt_notice,
    health_notice,
)
from infra.db.notices import NoticeRecords
from infra.db.reading import open_for_reading
from services.status_data import read_status


class NoticeFeed:
    def __init__(self, path: Path, now: datetime, *, daily_hour: int | None = 0) -> None:
        self.path = path
        self.daily_hour = daily_hour
        with open_for_reading(path) as db, db.read(NoticeRecords) as records:
            self.fill_cursor = records.last_fill_id()
            self.halt_cursor = records.last_halt_id()
            self.unhealthy = {h.part for h in records.health() if not h.healthy}
        self.summarised = self._due_day(now)  # the day a summary was last sent for

    def poll(self, now: datetime) -> list[Notice]:
        """The notices since the last poll, oldest first."""
        notices: list[Notice] = []
        with open_for_reading(self.path) as db, db.read(NoticeRecords) as records:
            for row_id, fill, bot in records.fills_after(self.fill_cursor):
                notices.append(fill_notice(fill, bot=bot))
                self.fill_cursor = row_id
            for row_id, halt in records.halts_after(self.halt_cursor):
                notices.append(halt_notice(halt))
                self.halt_cursor = row_id
            unhealthy: set[Part] = set()
            for part in records.health():
                if not part.healthy:
                    unhealthy.add(part.part)
                    if part.part not in self.unhealthy:
                        notices.append(health_notice(part))
            self.unhealthy = unhealthy
        day = self._due_day(now)
        if day is not None and day != self.summarised:
            notices.append(self._summary(day, now))
            self.summarised = day
        return notices

    def _due_day(self, now: datetime) -> datetime | None:
        """The last UTC day whose summary is due at `now` (None: summaries are off)."""
        if self.daily_hour is None:
            return None
        moment = now.astimezone(UTC) - timedelta(hours=self.daily_hour)
        return datetime.combine(moment.date(), time(), UTC) - timedelta(days=1)

    def _summary(self, day: datetime, now: datetime) -> Notice:
        status = read_status(self.path)
        with open_for_reading(self.path) as db, db.read(NoticeRecords) as records:
            fills, fees, cost = records.day_figures(day, day + timedelta(days=1))
        summary = DaySummary(
            day=day.date(),
            equity=status.equity,
            cash=status.bankroll,
            fills=fills,
            fees=fees,
            llm_cost=cost,
            halts=tuple(h.code.value for h in status.halts),
        )
        return daily_notice(summary, now)
