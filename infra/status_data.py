"""What `status` shows, read from the book in one transaction: the same figures for the text
screen and for `status --json` (issue 9, deliverable 9).

Money is given as exact dollar strings ("1000.00", "-0.0042"), never floats; a figure that was
never measured (the venue's cash before the first reconciliation) is null.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from domain.base import Frozen
from domain.cash import CashCheck
from domain.clock import format_utc
from domain.halts import Halt, OperatorCommand, describe
from domain.models import Heartbeat, Position, PositionStats
from domain.money import count_str, exact_dollars
from infra.db.integrity import chain_problem
from infra.db.reading import open_for_reading
from infra.operator import open_book

RECENT_REQUESTS = 5


class StatusData(Frozen):
    path: Path
    bankroll: Decimal
    ledger_rows: int
    ledger_ok: bool
    ledger_problem: str
    api_cost_total: Decimal
    cash: CashCheck | None  # the last reconciliation's comparison with the venue
    halts: tuple[Halt, ...]
    positions: tuple[Position, ...]  # held: open or recovered
    stats: PositionStats
    heartbeat: Heartbeat | None
    requests: tuple[OperatorCommand, ...] = ()  # the newest operator requests first

    @property
    def trading(self) -> Literal["active", "halted"]:
        return "halted" if self.halts else "active"

    @property
    def halt_reason(self) -> str | None:
        return describe(self.halts) or None


def read_status(path: Path) -> StatusData:
    open_book(path)  # an older book is upgraded first, after a backup, as at start-up
    with open_for_reading(path) as db, db.read() as repo:
        chain = repo.ledger_chain()
        problem = chain_problem(repo, chain) or ("the ledger is empty" if not chain.rows else "")
        recent = repo.recent_cash_checks(limit=1)
        return StatusData(
            path=path,
            bankroll=chain.last_balance,
            ledger_rows=chain.rows,
            ledger_ok=not problem,
            ledger_problem=problem,
            api_cost_total=repo.api_cost_total(),
            cash=recent[0] if recent else None,
            halts=tuple(repo.active_halts()),
            positions=tuple(repo.open_positions()),
            stats=repo.position_stats(),
            heartbeat=repo.heartbeat(),
            requests=tuple(repo.recent_operator_commands(RECENT_REQUESTS)),
        )


def _dollars(amount: Decimal | None) -> str | None:
    return None if amount is None else exact_dollars(amount)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def status_object(data: StatusData) -> dict[str, Any]:
    """The `status --json` object: the keys issue 9 names, and a few more."""
    cash = data.cash
    return {
        "database": str(data.path),
        "bankroll": exact_dollars(data.bankroll),
        "api_cost_total": exact_dollars(data.api_cost_total),
        "venue_cash": _dollars(cash.venue_cash if cash else None),
        "expected_cash": _dollars(cash.expected_cash if cash else None),
        "cash_drift": _dollars(cash.drift if cash else None),
        "cash_verdict": cash.verdict.value if cash else None,
        "cash_checked_at": _time(cash.ts if cash else None),
        "trading": data.trading,
        "halt_reason": data.halt_reason,
        "halts": [
            {"code": h.code.value, "detail": h.detail, "raised_at": _time(h.raised_at)}
            for h in data.halts
        ],
        "ledger_ok": data.ledger_ok,
        "ledger_rows": data.ledger_rows,
        "ledger_problem": data.ledger_problem or None,
        "positions": [
            {
                "ticker": p.ticker,
                "side": p.side.value,
                "count": count_str(p.count),
                "cost": exact_dollars(p.cost),
                "status": p.status.value,
                "opened_at": _time(p.opened_at),
            }
            for p in data.positions
        ],
        "closed_trades": data.stats.trades,
        "realized_pnl": exact_dollars(data.stats.realized_pnl),
        "heartbeat_at": _time(data.heartbeat.heartbeat_at if data.heartbeat else None),
        "operator_requests": [
            {
                "id": r.id,
                "action": r.action.value,
                "code": None if r.code is None else r.code.value,
                "ticker": r.ticker,
                "requested_at": _time(r.requested_at),
                "handled_at": _time(r.handled_at),
                "outcome": r.outcome,
            }
            for r in data.requests
        ],
    }


def status_json(data: StatusData) -> str:
    return json.dumps(status_object(data), indent=2)
