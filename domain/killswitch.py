"""The kill switch: stop opening positions when mark-to-market equity falls too far.

Equity is the book's cash plus its open positions at their marks (the best bid of the side held,
read from the venue at each check). A position without a current mark (no bid on its side, or
its order book could not be read) counts at zero: the conservative reading, which can only trip
the switch earlier, never later; the check names those positions instead of using an old mark.
Two limits, on by default (`KillSwitchLimits`):

- the daily loss: equity this far below the first equity seen this UTC day, either a fraction of
  that day's start (`max_daily_loss_fraction`, 0.05) or dollars (`max_daily_loss`), the smaller;
- `max_drawdown` (a fraction, 0.15): equity this far below the highest equity ever seen.

A breach halts new entries with its reason code until an operator resumes; reconciliation and
settlement go on. The day's start and the peak are kept in the book (`KillSwitchMemory`, owned by
Bankroll), so a restart forgets neither; a resume of the kill switch's halt forgets both, and
the limits are measured afresh from the next equity.
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
    """The current bids for one market."""

    yes_bid: Decimal | None = None
    no_bid: Decimal | None = None


class Equity(Frozen):
    cash: Decimal
    positions: Decimal  # open positions at their marks
    unmarked: tuple[str, ...] = ()  # `TICKER (why)`: positions without a mark, valued at zero

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


def equity(
    cash: Decimal,
    positions: Iterable[Position],
    quotes: dict[str, Quote],
    unreadable: dict[str, str] | None = None,
) -> Equity:
    """`unreadable`: ticker -> why its quote could not be had (the position counts at zero)."""
    value, unmarked = ZERO, []
    for p in positions:
        why = (unreadable or {}).get(p.ticker)
        quote = quotes.get(p.ticker)
        at = None if quote is None else mark(Side(p.side), quote.yes_bid, quote.no_bid)
        if at is not None:
            value += p.count * at
        elif why is not None:
            unmarked.append(f"{p.ticker} ({why})")
        else:
            unmarked.append(f"{p.ticker} (no bid for {p.side})")
    return Equity(cash=cash, positions=value, unmarked=tuple(unmarked))


class KillSwitchLimits(Frozen):
    """The kill switch's limits; a fraction of 1 (or None) is no limit."""

    max_daily_loss_fraction: Decimal | None = Decimal("0.05")  # of the day's starting equity
    max_daily_loss: Decimal | None = None  # dollars
    max_drawdown: Decimal | None = Decimal("0.15")  # of the peak

    @property
    def armed(self) -> bool:
        return self.max_daily_loss is not None or any(
            limit is not None and limit < 1
            for limit in (self.max_daily_loss_fraction, self.max_drawdown)
        )

    def daily_limit(self, day_start: Decimal) -> tuple[Decimal, str] | None:
        """The dollars of the day's loss that trip the switch, with the setting that says so."""
        found = []
        if self.max_daily_loss_fraction is not None and self.max_daily_loss_fraction < 1:
            found.append(
                (
                    max(day_start, ZERO) * self.max_daily_loss_fraction,
                    f"risk.max_daily_loss_fraction {self.max_daily_loss_fraction}",
                )
            )
        if self.max_daily_loss is not None:
            found.append((self.max_daily_loss, f"risk.max_daily_loss {self.max_daily_loss}"))
        return min(found, key=lambda limit: limit[0]) if found else None

    def describe(self) -> str:
        """One line for the start-up log."""
        if not self.armed:
            return "kill switch off"
        daily = []
        if self.max_daily_loss_fraction is not None and self.max_daily_loss_fraction < 1:
            daily.append(f"{self.max_daily_loss_fraction:%} of the day's starting equity")
        if self.max_daily_loss is not None:
            daily.append(f"${self.max_daily_loss}")
        drawdown = (
            f"{self.max_drawdown:%} below the peak"
            if self.max_drawdown is not None and self.max_drawdown < 1
            else "off"
        )
        return (
            f"kill switch on: daily loss {' or '.join(daily) or 'off'}"
            f"{', whichever is less' if len(daily) > 1 else ''}; drawdown {drawdown}"
        )


def breach(
    now: Decimal, day_start: Decimal, peak: Decimal, limits: KillSwitchLimits
) -> Breach | None:
    """The first limit `now` breaks, or None. `peak` and `day_start` include `now`'s history."""
    loss = day_start - now
    daily = limits.daily_limit(day_start)
    if daily is not None and loss >= daily[0]:
        return Breach(
            code="MAX_DAILY_LOSS",
            detail=f"equity {now:.2f} is {loss:.2f} below the day's start {day_start:.2f}"
            f" ({daily[1]}: {daily[0]:.2f})",
        )
    max_drawdown = limits.max_drawdown
    if max_drawdown is not None and max_drawdown < 1 and peak > 0:
        drawdown = (peak - now) / peak
        if drawdown >= max_drawdown:
            return Breach(
                code="MAX_DRAWDOWN",
                detail=f"equity {now:.2f} is {drawdown:.1%} below its peak {peak:.2f}"
                f" (risk.max_drawdown {max_drawdown})",
            )
    return None
