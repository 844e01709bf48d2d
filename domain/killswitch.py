"""The kill switch: stop opening positions when mark-to-market equity falls too far.

Equity is the book's cash plus its open positions at their marks (the best bid of the side held;
a position with no bid counts at zero, the conservative reading). Two limits, each optional:

- `max_daily_loss` (dollars): equity this far below the first equity seen this UTC day;
- `max_drawdown` (a fraction, e.g. 0.20): equity this far below the highest equity ever seen.

A breach halts new entries with its reason code until an operator resumes; reconciliation and
settlement go on. The equity history that the limits are measured against is kept in the book,
so a restart does not forget the day's start or the peak.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime

from domain.base import Frozen
from domain.marks import mark
from domain.models import Position, Side
from domain.money import ZERO


class Quote(Frozen):
    """The latest bids for one market."""

    yes_bid: Decimal | None = None
    no_bid: Decimal | None = None


class Equity(Frozen):
    cash: Decimal
    positions: Decimal  # open positions at their marks
    unmarked: int  # open positions with no bid on their side (valued at zero)

    @property
    def total(self) -> Decimal:
        return self.cash + self.positions


class KillSwitchMemory(Frozen):
    """What the limits are measured against, kept in the book (Bankroll writes it)."""

    day: date  # the UTC day `day_start` belongs to
    day_start: Decimal  # the first equity seen that day
    peak: Decimal  # the highest equity seen since the book began (or the last resume)
    updated_at: AwareDatetime

    def after(self, now: Decimal, today: date, at: AwareDatetime) -> KillSwitchMemory:
        """This memory once `now` is seen on `today`: a new day starts from `now`."""
        day_start = self.day_start if today == self.day else now
        return KillSwitchMemory(
            day=today, day_start=day_start, peak=max(self.peak, now), updated_at=at
        )


def first_memory(now: Decimal, today: date, at: AwareDatetime) -> KillSwitchMemory:
    return KillSwitchMemory(day=today, day_start=now, peak=now, updated_at=at)


class Breach(Frozen):
    code: str  # a HaltCode value: MAX_DAILY_LOSS or MAX_DRAWDOWN
    detail: str


def equity(cash: Decimal, positions: Iterable[Position], quotes: dict[str, Quote]) -> Equity:
    value, unmarked = ZERO, 0
    for p in positions:
        quote = quotes.get(p.ticker, Quote())
        at = mark(Side(p.side), quote.yes_bid, quote.no_bid)
        if at is None:
            unmarked += 1
        else:
            value += p.count * at
    return Equity(cash=cash, positions=value, unmarked=unmarked)


def breach(
    now: Decimal,
    day_start: Decimal,
    peak: Decimal,
    max_daily_loss: Decimal | None,
    max_drawdown: Decimal | None,
) -> Breach | None:
    """The first limit `now` breaks, or None. `peak` and `day_start` include `now`'s history."""
    loss = day_start - now
    if max_daily_loss is not None and loss >= max_daily_loss:
        return Breach(
            code="MAX_DAILY_LOSS",
            detail=f"equity {now:.2f} is {loss:.2f} below the day's start {day_start:.2f}"
            f" (risk.max_daily_loss {max_daily_loss})",
        )
    if max_drawdown is not None and peak > 0:
        drawdown = (peak - now) / peak
        if drawdown >= max_drawdown:
            return Breach(
                code="MAX_DRAWDOWN",
                detail=f"equity {now:.2f} is {drawdown:.1%} below its peak {peak:.2f}"
                f" (risk.max_drawdown {max_drawdown})",
            )
    return None
