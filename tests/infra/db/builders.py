"""Domain objects with sensible defaults, for repository tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.models import Execution, ExecutionStatus, Position, PositionStatus, Side

T0 = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def execution(**overrides: Any) -> Execution:
    fields: dict[str, Any] = {
        "client_order_id": "coid-1",
        "correlation_id": "corr-1",
        "ticker": "KXTEST-26MAR01-T50",
        "side": Side.YES,
        "limit_price": Decimal("0.56"),
        "count": Decimal("10.00"),
        "reserved": Decimal("5.67"),
        "status": ExecutionStatus.INTENT,
        "created_at": T0,
        "updated_at": T0,
    }
    return Execution(**(fields | overrides))


def position(**overrides: Any) -> Position:
    fields: dict[str, Any] = {
        "ticker": "KXTEST-26MAR01-T50",
        "side": Side.YES,
        "count": Decimal("10.00"),
        "cost": Decimal("5.67"),
        "status": PositionStatus.OPEN,
        "opened_at": T0,
    }
    return Position(**(fields | overrides))
