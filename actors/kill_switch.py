"""The kill switch in the running bot: each reconciliation marks the book to market and halts
new entries when equity breaks the daily loss or drawdown limit (domain.killswitch), on by default.

Equity is cash (the bankroll) plus the open positions at the best bid of the side held, read
from the venue's order book at this check: never an old mark. A book that cannot be read, or has
no bid on the side held, values that position at zero (the conservative reading) and the log
says which. The day's start and the peak are Bankroll's, kept in the book (`RecordEquity`), so
a restart mid-day forgets neither. A halt it raises is durable (Bankroll owns it) and is lifted
only by an operator's `resume`, which also forgets the day start and the peak: the limits are
then measured again from the next equity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.base import ask
from actors.directory import Directory
from domain.halts import HaltCode, operator_command
from domain.killswitch import Equity, KillSwitchLimits, KillSwitchMemory, Quote, breach, equity
from domain.messages import GetBankroll, GetExecutions, GetPositions, HaltTrading, RecordEquity
from domain.models import Execution, ExecutionStatus, Position, PositionStatus, reserved_left
from domain.money import ZERO
from infra.kalshi.errors import KalshiError
from infra.venue_client import VenueClient

HELD = (PositionStatus.OPEN, PositionStatus.RECOVERED)


IN_FLIGHT = tuple(status for status in ExecutionStatus if status.in_flight)


@dataclass
class KillSwitch:
    directory: Directory
    client: VenueClient
    log: Any
    limits: KillSwitchLimits
    book: str = ""  # the flag naming this bot's book (`--db PATH`), for the hint it logs

    def check(self) -> Equity | None:
        """Mark to market and halt on a breach; None when no limit is set."""
        if not self.limits.armed:
            return None
        bankroll = self.directory.get("bankroll")
        balance = ask(bankroll, GetBankroll()).balance
        storage = self.directory.get("storage")
        positions: tuple[Position, ...] = ask(storage, GetPositions(statuses=HELD))
        # The reservations of orders in flight are the bot's cash still (a resting maker
        # order's for as long as it rests), not a loss: what their fills spent is held.
        orders: tuple[Execution, ...] = ask(storage, GetExecutions(statuses=IN_FLIGHT))
        value = self._marked(balance + sum((reserved_left(e) for e in orders), ZERO), positions)
        memory: KillSwitchMemory = ask(bankroll, RecordEquity(equity=value.total, reading=value))
        now = value.total
        if value.unmarked:
            self.log.warning(
                "kill switch: {} position(s) valued at $0, without a current mark: {}",
                len(value.unmarked),
                ", ".join(value.unmarked),
            )
        self.log.debug(
            "equity {} (cash {} + positions {}); day start {}, peak {}",
            now,
            value.cash,
            value.positions,
            memory.day_start,
            memory.peak,
        )
        found = breach(now, memory.day_start, memory.peak, self.limits)
        if found is not None:
            unmarked = f"; valued at $0: {', '.join(value.unmarked)}" if value.unmarked else ""
            detail = (
                f"{found.detail}{unmarked}; resume with: {operator_command('resume', self.book)}"
            )
            ask(bankroll, HaltTrading(code=HaltCode(found.code), detail=detail[:500]))
        return value

    def _marked(self, cash: Decimal, positions: tuple[Position, ...]) -> Equity:
        """Each held market's current bids, from the venue (GET /markets/{ticker}/orderbook)."""
        quotes: dict[str, Quote] = {}
        unreadable: dict[str, str] = {}
        for p in positions:
            try:
                book = self.client.get_orderbook(p.ticker)
            except KalshiError as exc:
                unreadable[p.ticker] = f"order book unreadable: {exc}"
                continue
            quotes[p.ticker] = Quote(yes_bid=book.best_yes_bid, no_bid=book.best_no_bid)
        return equity(cash, positions, quotes, unreadable)
