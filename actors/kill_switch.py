"""The kill switch in the running bot: each reconciliation marks the book to market and halts
new entries when equity breaks `risk.max_daily_loss` or `risk.max_drawdown` (domain.killswitch).

Equity is cash (the bankroll) plus the open positions at the latest bids the scanner saw. The
day's start and the peak are kept in memory: a restart measures from the equity it starts with.
A halt it raises is durable (Bankroll owns it) and is lifted only by an operator's `resume`,
after which the limits are measured again from the equity at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from actors.base import ask
from actors.directory import Directory
from domain.clock import Clock
from domain.halts import HaltCode
from domain.killswitch import Equity, Quote, breach, equity
from domain.messages import GetBankroll, GetPositions, GetQuotes, HaltTrading
from domain.models import Position, PositionStatus

HELD = (PositionStatus.OPEN, PositionStatus.RECOVERED)


@dataclass
class KillSwitch:
    directory: Directory
    clock: Clock
    log: Any
    max_daily_loss: Decimal | None = None
    max_drawdown: Decimal | None = None
    day: date | None = None
    day_start: Decimal = Decimal(0)
    peak: Decimal = Decimal(0)

    @property
    def armed(self) -> bool:
        return self.max_daily_loss is not None or self.max_drawdown is not None

    def rearm(self) -> None:
        """After an operator's resume: measure from the equity at the next check."""
        self.day = None
        self.peak = Decimal(0)

    def check(self) -> Equity | None:
        """Mark to market and halt on a breach; None when no limit is set."""
        if not self.armed:
            return None
        storage = self.directory.get("storage")
        balance = ask(self.directory.get("bankroll"), GetBankroll()).balance
        positions: tuple[Position, ...] = ask(storage, GetPositions(statuses=HELD))
        tickers = tuple(p.ticker for p in positions)
        quotes: dict[str, Quote] = ask(storage, GetQuotes(tickers=tickers))
        value = equity(balance, positions, quotes)
        now = value.total
        today = self.clock.now().date()
        if today != self.day:
            self.day, self.day_start = today, now
        self.peak = max(self.peak, now)
        found = breach(now, self.day_start, self.peak, self.max_daily_loss, self.max_drawdown)
        self.log.debug(
            "equity {} (cash {} + positions {}, {} unmarked); day start {}, peak {}",
            now,
            value.cash,
            value.positions,
            value.unmarked,
            self.day_start,
            self.peak,
        )
        if found is not None:
            detail = f"{found.detail}; resume with: pm-trader resume"
            ask(
                self.directory.get("bankroll"),
                HaltTrading(code=HaltCode(found.code), detail=detail),
            )
        return value
