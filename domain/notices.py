"""What the bot tells its operator away from the screen (webhook, Slack, Telegram): one notice
per fill, halt, unhealthy part and day, in words a trader reads on a phone.

Pure: the notices are built from the book's own records (domain values), so what a notice says
is what the book holds. A notice never carries a credential, a URL or a file path.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.clock import format_utc
from domain.halts import Halt
from domain.health import PartHealth
from domain.models import FillReport
from domain.money import usd


class NoticeKind(StrEnum):
    FILL = "fill"
    HALT = "halt"
    HEALTH = "health"
    DAILY = "daily"


class Notice(Frozen):
    kind: NoticeKind
    title: str
    text: str
    at: AwareDatetime

    def payload(self) -> dict[str, str]:
        """The generic webhook's JSON body."""
        return {
            "kind": self.kind.value,
            "title": self.title,
            "text": self.text,
            "at": format_utc(self.at),
        }


def fill_notice(fill: FillReport, *, bot: bool) -> Notice:
    """A fill the book booked: the bot's own order, or a trade placed beside it."""
    who = "" if bot else " (placed outside the bot)"
    return Notice(
        kind=NoticeKind.FILL,
        title=f"Filled {fill.count.normalize():f} {fill.side.value.upper()} {fill.ticker}",
        text=f"{fill.count.normalize():f} {fill.side.value.upper()} at {usd(fill.price)}"
        f" on {fill.ticker}, fee {usd(fill.fee)}{who}",
        at=fill.created_time,
    )


def halt_notice(halt: Halt) -> Notice:
    return Notice(
        kind=NoticeKind.HALT,
        title=f"Trading halted: {halt.code.value}",
        text=f"{halt.detail} (new orders stop until it is lifted: `pm-trader status`)",
        at=halt.raised_at,
    )


def health_notice(part: PartHealth) -> Notice:
    return Notice(
        kind=NoticeKind.HEALTH,
        title=f"Unhealthy: {part.part.value}",
        text=f"{part.part.value} failed its check in cycle {part.cycle}: {part.problem}",
        at=part.checked_at,
    )


class DaySummary(Frozen):
    """A UTC day's figures, as `status` reads them at the day's end."""

    day: date
    equity: Decimal
    cash: Decimal
    fills: int
    fees: Decimal
    llm_cost: Decimal
    halts: tuple[str, ...] = ()


def daily_notice(summary: DaySummary, at: datetime) -> Notice:
    halted = f"; halted: {', '.join(summary.halts)}" if summary.halts else ""
    return Notice(
        kind=NoticeKind.DAILY,
        title=f"Daily summary {summary.day.isoformat()}",
        text=f"equity {usd(summary.equity)} (cash {usd(summary.cash)}); {summary.fills} fill(s),"
        f" fees {usd(summary.fees)}, LLM cost {usd(summary.llm_cost)}{halted}",
        at=at,
    )
