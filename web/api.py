"""The dashboard's figures as one JSON object: `status --json`'s object (the same service,
services.status_data, so the page and the command line agree to the cent), plus the equity
curve, the newest trades as `trades --json` gives them, the forecast scorecard and the LLM
spend against its budgets.

Money stays exact dollar strings; each money field also comes as `<field>_usd`, formatted by the
same function as every text view ("$1,234.56"), so the page does no money arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from commands.report import score_text, verdict
from commands.resume import OPERATOR_LIFTS
from commands.trades import parts, record
from commands.views import money
from domain.clock import format_utc
from domain.money import exact_dollars
from domain.scoring import Interval, ModelScore, scorecard
from infra.db.history import History
from infra.db.reading import open_for_reading
from infra.llm_usage import spent_since_read_only
from infra.settings import Settings
from services.status_data import StatusData, read_current_status, status_object

RECENT_TRADES = 50
EQUITY_POINTS = 400
MONEY_FIELDS = frozenset(
    {
        "bankroll",
        "equity",
        "market_value",
        "unrealized_pnl",
        "open_exposure",
        "api_cost_total",
        "venue_cash",
        "expected_cash",
        "cash_drift",
        "realized_pnl",
        "cost",
        "value",
        "fees",
        "pnl",
        "llm_cost",
        "net",
        "payout",
        "realized",
        "cash",
        "positions",
        "spent_today",
        "daily_budget",
        "cycle_budget",
        "total",
        "accepted",
        "proceeds",
    }
)


def _with_usd(value: Any) -> Any:
    """`value` with a `<field>_usd` beside every money field, at any depth."""
    if isinstance(value, list):
        return [_with_usd(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        out[key] = _with_usd(item)
        if key in MONEY_FIELDS and isinstance(item, str):
            out[f"{key}_usd"] = money(Decimal(item))
    return out


def _interval(interval: Interval | None) -> list[str] | None:
    return None if interval is None else [f"{interval[0]:f}", f"{interval[1]:f}"]


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _score(s: ModelScore) -> dict[str, Any]:
    return {
        "model": s.model,
        "prompt_version": s.prompt_version,
        "forecasts": s.forecasts,
        "events": s.events,
        "brier": _number(s.brier),
        "market_brier": _number(s.market_brier),
        "brier_skill": _number(s.brier_skill),
        "brier_skill_ci": _interval(s.brier_skill_ci),
        "log_loss_gain": _number(s.log_loss_gain),
        "log_loss_gain_ci": _interval(s.log_loss_gain_ci),
        "verdict": verdict(s),
        # As `report` prints them: "+0.0123 [-0.0100, +0.0350]".
        "brier_skill_text": score_text(s.brier_skill, s.brier_skill_ci),
        "log_loss_gain_text": score_text(s.log_loss_gain, s.log_loss_gain_ci),
        "trades": s.trades,
        "net": exact_dollars(s.net),
        "buckets": [
            {
                "low": _number(b.low),
                "high": _number(b.high),
                "count": b.count,
                "mean_forecast": _number(b.mean_forecast),
                "observed_rate": _number(b.observed_rate),
            }
            for b in s.buckets
        ],
    }


def _llm(settings: Settings, data: StatusData, calls: int, now: datetime) -> dict[str, Any]:
    """Spend against the budgets: today's (UTC, wall clock) from the usage file every bot of
    this data directory shares (infra.llm_usage), the book's total and calls."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    today = spent_since_read_only(settings.llm_usage_path, midnight)
    return {
        "spent_today": None if today is None else exact_dollars(today),
        "daily_budget": exact_dollars(settings.llm.daily_budget),
        "cycle_budget": exact_dollars(settings.llm.cycle_budget),
        "total": exact_dollars(data.api_cost_total),
        "calls": calls,
    }


def dashboard_object(settings: Settings, now: datetime, *, controls: bool) -> dict[str, Any]:
    """Everything the page shows, read from the book in read-only transactions."""
    path: Path = settings.database_path
    data = read_current_status(path)
    with open_for_reading(path) as db, db.read(History) as history:
        trades = history.trades(limit=RECENT_TRADES)
        total = history.count_trades()
        curve = history.equity_curve(points=EQUITY_POINTS)
        scores = scorecard(history.scored_forecasts(), history.trade_results(), history.api_costs())
        activity = history.activity()
    return _with_usd(
        {
            "generated_at": format_utc(now),
            "controls": controls,
            "resume_codes": list(OPERATOR_LIFTS),  # what `resume CODE` may name
            "status": status_object(data),
            "equity_curve": [
                {
                    "at": format_utc(p.ts),
                    "equity": exact_dollars(p.equity),
                    "cash": exact_dollars(p.cash),
                    "positions": exact_dollars(p.positions),
                    "unmarked": p.unmarked,
                }
                for p in curve
            ],
            "trades": [{**record(t), "parts": parts(t)} for t in reversed(trades)],
            "trades_total": total,
            "scorecard": [_score(s) for s in scores],
            "llm": _llm(settings, data, sum(activity.llm_calls.values()), now),
        }
    )


def max_cycle_age(settings: Settings) -> timedelta:
    """How old the last cycle may be before /healthz fails (domain.liveness)."""
    if settings.dashboard.max_cycle_age is not None:
        return timedelta(seconds=float(settings.dashboard.max_cycle_age))
    return timedelta(seconds=3 * settings.seconds_between_cycles + 60)
