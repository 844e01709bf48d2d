"""The book's records a notice is made of, read after a cursor: what changed since the last
look, never a whole table (the fills and halts by their ids, the health's few rows)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from domain.halts import Halt
from domain.models import FillReport, LedgerReason
from domain.money import ZERO
from infra.db.repository import Repository, _fill, _to_domain
from infra.db.tables import FillRow, LedgerRow, TradingHaltRow
from infra.db.types import MicroDollars


class NoticeRecords(Repository):
    def last_fill_id(self) -> int:
        return int(self._connection.execute(select(func.max(FillRow.id))).scalar() or 0)

    def last_halt_id(self) -> int:
        return int(self._connection.execute(select(func.max(TradingHaltRow.id))).scalar() or 0)

    def fills_after(self, fill_id: int) -> list[tuple[int, FillReport, bool]]:
        """The fills booked after row `fill_id`: (row id, fill, placed by the bot)."""
        rows = self._all(select(FillRow).where(FillRow.id > fill_id).order_by(FillRow.id))
        return [(row["id"], _fill(row), row["client_order_id"] is not None) for row in rows]

    def halts_after(self, halt_id: int) -> list[tuple[int, Halt]]:
        """The halts raised after row `halt_id`, lifted since or not."""
        rows = self._all(
            select(TradingHaltRow).where(TradingHaltRow.id > halt_id).order_by(TradingHaltRow.id)
        )
        return [(row["id"], _to_domain(Halt, row)) for row in rows]

    def day_figures(self, start: datetime, end: datetime) -> tuple[int, Decimal, Decimal]:
        """Fills, their fees and the LLM's cost booked in [start, end)."""
        fills, fees = self._connection.execute(
            select(
                func.count(FillRow.id), type_coerce(func.sum(FillRow.fee), MicroDollars())
            ).where(FillRow.booked_at >= start, FillRow.booked_at < end)
        ).one()
        cost = self._connection.execute(
            select(type_coerce(func.sum(LedgerRow.change), MicroDollars())).where(
                LedgerRow.reason == LedgerReason.API_COST.value,
                LedgerRow.ts >= start,
                LedgerRow.ts < end,
            )
        ).scalar()
        return int(fills), fees or ZERO, ZERO if cost is None else -cost
