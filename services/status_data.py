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
from domain.halts import Halt, MalformedRequest, OperatorCommand, describe
from domain.health import PartHealth
from domain.models import Execution, Heartbeat, PositionStats
from domain.money import count_str, exact_dollars
from infra.db.history import History, Trade, Valuation, grouped_exposure
from infra.db.integrity import check_ledger
from infra.db.reading import open_for_reading
from infra.lockfile import bot_running
from infra.operator import open_book

RECENT_REQUESTS = 5


class StatusData(Frozen):
    path: Path
    bankroll: Decimal
    ledger_rows: int
    ledger_ok: bool
    ledger_problem: str
    ledger_checked: str  # "in full", or the rows after the newest checkpoint
    api_cost_total: Decimal
    cash: CashCheck | None  # the last reconciliation's comparison with the venue
    halts: tuple[Halt, ...]
    held: tuple[Trade, ...]  # open positions, with their marks
    orders: tuple[Execution, ...]  # orders not known to be final
    stats: PositionStats
    heartbeat: Heartbeat | None
    running: bool  # a bot holds this book's lock now
    health: tuple[PartHealth, ...] = ()  # each part's last check (domain.health)
    requests: tuple[OperatorCommand | MalformedRequest, ...] = ()  # the newest first

    @property
    def trading(self) -> Literal["active", "halted"]:
        """New orders on the book: halted until a halt is lifted (a stopped bot starts so)."""
        return "halted" if self.halts else "active"

    @property
    def unhealthy(self) -> tuple[PartHealth, ...]:
        return tuple(part for part in self.health if not part.healthy)

    @property
    def valuation(self) -> Valuation:
        return Valuation.of(list(self.held))

    @property
    def exposure(self) -> Decimal:
        """What the open positions cost."""
        return sum((t.position.cost for t in self.held), Decimal(0))

    @property
    def equity(self) -> Decimal:
        """Cash plus the open positions at their marks (unmarked ones at $0)."""
        return self.bankroll + self.valuation.market_value

    def event_exposure(self) -> list[tuple[str, Decimal]]:
        """The cost of open positions per event, largest first."""
        return sorted(grouped_exposure(list(self.held)).items(), key=lambda item: -item[1])

    @property
    def halt_reason(self) -> str | None:
        return describe(self.halts) or None


def read_status(path: Path, *, full: bool = False) -> StatusData:
    """The book; its ledger checked from the newest checkpoint, or every row if `full`."""
    open_book(path)  # an older book is upgraded first, after a backup, as at start-up
    return read_current_status(path, full=full)


def read_current_status(path: Path, *, full: bool = False) -> StatusData:
    """`read_status` without the upgrade: a book at an older schema is refused, never changed
    (the dashboard beside a running bot reads and never writes)."""
    running = bot_running(path)
    with open_for_reading(path) as db, db.read(History) as repo:
        verdict = check_ledger(repo, full=full)
        chain = verdict.chain
        problem = verdict.problem or ("the ledger is empty" if not chain.rows else "")
        recent = repo.recent_cash_checks(limit=1)
        return StatusData(
            path=path,
            bankroll=chain.last_balance,
            ledger_rows=chain.rows,
            ledger_ok=not problem,
            ledger_problem=problem,
            ledger_checked=verdict.scope,
            api_cost_total=chain.api_cost,
            cash=recent[0] if recent else None,
            halts=tuple(repo.active_halts()),
            held=tuple(repo.held()),
            orders=tuple(repo.open_orders()),
            stats=repo.position_stats(),
            heartbeat=repo.heartbeat(),
            running=running,
            health=tuple(repo.health()),
            requests=tuple(repo.recent_operator_commands(RECENT_REQUESTS)),
        )


def _dollars(amount: Decimal | None) -> str | None:
    return None if amount is None else exact_dollars(amount)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def _position(t: Trade) -> dict[str, Any]:
    p = t.position
    return {
        "ticker": p.ticker,
        "side": p.side.value,
        "count": count_str(p.count),
        "cost": exact_dollars(p.cost),
        "status": p.status.value,
        "opened_at": _time(p.opened_at),
        "entry_price": exact_dollars(t.entry_price),
        "mark": _dollars(t.mark),
        "last_bid": _dollars(t.last_bid),
        "value": _dollars(None if t.mark is None else p.count * t.mark),
        "unrealized_pnl": _dollars(t.unrealized),
        "mark_stale": t.mark_stale,
        "marked_at": _time(t.snapshot.ts if t.snapshot else None),
        "closes_at": _time(t.snapshot.close_time if t.snapshot else None),
    }


def _order(e: Execution) -> dict[str, Any]:
    return {
        "client_order_id": e.client_order_id,
        "ticker": e.ticker,
        "side": e.side.value,
        "count": count_str(e.count),
        "limit_price": exact_dollars(e.limit_price),
        "reserved": exact_dollars(e.reserved),
        "status": e.status.value,
        "created_at": _time(e.created_at),
    }


def status_object(data: StatusData) -> dict[str, Any]:
    """The `status --json` object: every figure the text screen shows."""
    cash = data.cash
    valued = data.valuation
    heartbeat = data.heartbeat
    return {
        "database": str(data.path),
        "running": data.running,
        "bankroll": exact_dollars(data.bankroll),
        "equity": exact_dollars(data.equity),
        "market_value": exact_dollars(valued.market_value),
        "unrealized_pnl": exact_dollars(valued.unrealized_pnl),
        "unmarked_positions": valued.unmarked,
        "open_exposure": exact_dollars(data.exposure),
        "event_exposure": [
            {"event": event, "cost": exact_dollars(cost)} for event, cost in data.event_exposure()
        ],
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
        "ledger_checked": data.ledger_checked,
        "positions": [_position(t) for t in data.held],
        "open_orders": [_order(e) for e in data.orders],
        "closed_trades": data.stats.trades,
        "wins": data.stats.wins,
        "losses": data.stats.losses,
        "realized_pnl": exact_dollars(data.stats.realized_pnl),
        "heartbeat_at": _time(heartbeat.heartbeat_at if heartbeat else None),
        "heartbeat_cycle": heartbeat.cycle if heartbeat else None,
        "heartbeat_venue": heartbeat.venue if heartbeat else None,
        "last_success_at": _time(heartbeat.last_success_at if heartbeat else None),
        "last_error_at": _time(heartbeat.last_error_at if heartbeat else None),
        "last_error": heartbeat.last_error if heartbeat else None,
        "health": {
            "ok": not data.unhealthy,
            "parts": [
                {
                    "part": h.part.value,
                    "healthy": h.healthy,
                    "problem": h.problem,
                    "cycle": h.cycle,
                    "checked_at": _time(h.checked_at),
                    "last_healthy_at": _time(h.last_healthy_at),
                    "note": h.note,
                }
                for h in data.health
            ],
        },
        "operator_requests": [_request(r) for r in data.requests],
    }


def _request(r: OperatorCommand | MalformedRequest) -> dict[str, Any]:
    handled = {"handled_at": _time(r.handled_at), "outcome": r.outcome}
    if isinstance(r, MalformedRequest):
        return {
            "id": r.id,
            "malformed": r.problem,
            "requested_at": _time(r.requested_at),
            **handled,
        }
    return {
        "id": r.id,
        "action": r.action.value,
        "code": None if r.code is None else r.code.value,
        "ticker": r.ticker,
        "accepted": _dollars(r.accepted),
        "requested_at": _time(r.requested_at),
        "requested_by": r.requested_by.model_dump(),
        **handled,
    }


def status_json(data: StatusData) -> str:
    return json.dumps(status_object(data), indent=2)
