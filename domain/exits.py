"""Exits: when a held position is sold before settlement, and why (pure: no I/O).

Each cycle a held position is valued against a fresh fair value (the forecast weighed against
the market, as an entry is: domain.evidence) and sold, reduce-only and immediate-or-cancel at
the best bid of the side held (domain.closing), for one of three reasons:

- TAKE_PROFIT: what a sale gets now, after its fee, beats what holding is worth (the fair value
  of the side held) by `take_profit_margin`: the market has moved past the bot's view.
- VIEW_CHANGED (only with a `stop_margin`): the fair value of the side held fell below the
  price paid for it (fees included) by `stop_margin`: the reason for the trade is gone. This is
  a stop on the bot's view, not on the price: a market that falls while the view holds is not
  sold. It sells below the bot's own fair value (else TAKE_PROFIT would have), so it trades
  expected P&L for a cap on the loss; `evaluate` measures the price.
- TIME_BEFORE_CLOSE: the market closes within `time_before_close` (off unless configured).

With no fair value (no forecast, or one refused as implausible) only the time exit can fire:
a view the bot does not trust is no reason to sell. With no bid nothing can be sold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from domain.base import Frozen
from domain.closing import best_bid
from domain.fees import FeeSchedule
from domain.halts import KILL_SWITCH_CODES, HaltCode
from domain.models import ExitReason, OrderBook, Position, Side
from domain.money import ONE, ZERO

PLACES = Decimal("0.000001")


# Halts under which exits go on: each stops new risk, and selling only takes risk off. A halt
# that says the book may be wrong (a drift, a failing reconciliation, an unexplained
# settlement) or that the venue refuses the bot stops exits too: a sale sized from a book that
# may be wrong could sell what is not held, and only a person should decide then (`close`).
EXITS_CONTINUE_UNDER = frozenset({HaltCode.PAUSED, *KILL_SWITCH_CODES})


def exits_stopped_by(halts: Iterable[HaltCode]) -> tuple[HaltCode, ...]:
    """The active halts that stop exits (empty: exits go on)."""
    return tuple(code for code in halts if code not in EXITS_CONTINUE_UNDER)


class ExitPolicy(Frozen):
    take_profit_margin: Decimal
    stop_margin: Decimal | None = None  # None: no stop on the view
    time_before_close: timedelta | None = None


class ExitDecision(Frozen):
    """Sell `count` of `side` at `bid` (or better) for `reason`."""

    ticker: str
    reason: ExitReason
    side: Side
    count: Decimal
    bid: Decimal
    fair: Decimal | None  # the fair value of the side held, when there was one
    paid: Decimal  # per contract, fees included
    detail: str


def paid_per_contract(position: Position) -> Decimal:
    return (position.cost / position.count).quantize(PLACES) if position.count else ZERO


def _short(value: Decimal) -> str:
    return f"{value.quantize(PLACES).normalize():f}"


def decide_exit(
    position: Position,
    book: OrderBook,
    fair_yes: Decimal | None,
    fees: FeeSchedule,
    policy: ExitPolicy,
    now: datetime,
    close_time: datetime,
) -> ExitDecision | None:
    """The exit `position` calls for now, or None to hold it.

    `fair_yes`: the fair probability of YES (None: no view). The proceeds compared are the
    bid less the taker fee of selling the whole position there, per contract.
    """
    bid = best_bid(book, position.side)
    if bid is None or position.count <= 0:
        return None
    paid = paid_per_contract(position)
    fair = None if fair_yes is None else (fair_yes if position.side is Side.YES else ONE - fair_yes)

    def exit_for(reason: ExitReason, detail: str) -> ExitDecision:
        return ExitDecision(
            ticker=position.ticker,
            reason=reason,
            side=position.side,
            count=position.count,
            bid=bid,
            fair=fair,
            paid=paid,
            detail=detail,
        )

    left = close_time - now
    if policy.time_before_close is not None and left <= policy.time_before_close:
        return exit_for(
            ExitReason.TIME_BEFORE_CLOSE,
            f"closes in {_minutes(left)} min, within {_minutes(policy.time_before_close)} min",
        )
    if fair is None:
        return None
    fee = fees.trade_fee(position.count, bid, is_taker=True) / position.count
    proceeds = bid - fee
    if proceeds > fair + policy.take_profit_margin:
        return exit_for(
            ExitReason.TAKE_PROFIT,
            f"bid {_short(bid)} less fee {_short(fee)} = {_short(proceeds)} beats the fair"
            f" value {_short(fair)} by more than {_short(policy.take_profit_margin)}",
        )
    if policy.stop_margin is not None and fair < paid - policy.stop_margin:
        return exit_for(
            ExitReason.VIEW_CHANGED,
            f"fair value {_short(fair)} is more than {_short(policy.stop_margin)} below the"
            f" {_short(paid)} paid",
        )
    return None


def _minutes(span: timedelta) -> str:
    return f"{max(span.total_seconds(), 0) / 60:.0f}"
