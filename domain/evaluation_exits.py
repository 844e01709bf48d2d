"""Exits in an evaluation (pure): each trade held, valued at every later sight of its market
by the bot's exit rule (domain.exits), and sold at the bid when the rule says so.

A *sighting* is a market the bot could hold, seen at one later cycle: its book, the bot's view then
(the forecast weighed against the mid, as the Analyst values a position) and the hidden fair
value, for scoring only. A sale is immediate-or-cancel at the bid: no more than the bid's
displayed size sells, the rest is held and valued again at the next sighting. Each sale is a
`Trade` with `sale=True`, valued against the hidden fair value when it was made, so a strategy
"with exits" is its trades plus their sales, scored alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.evaluation import Decision, Trade
from domain.exits import ExitPolicy, decide_exit
from domain.models import OrderBook, Position, PositionStatus, Side
from domain.money import ZERO

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # an evaluation's sightings carry hours to close only
_NEVER = timedelta(days=3660)


def exit_sales(
    trades: Sequence[Trade], sightings: Sequence[Decision], policy: ExitPolicy, strategy: str
) -> list[Trade]:
    """The sales the exit rule makes out of `trades`, at the sightings after each was made."""
    seen: dict[tuple[int, str], list[Decision]] = defaultdict(list)
    for mark in sorted(sightings, key=lambda m: m.cycle):
        seen[(mark.run, mark.ticker)].append(mark)
    sales: list[Trade] = []
    for trade in trades:
        if trade.sale:
            continue
        held, cost = trade.count, trade.count * trade.price + trade.fee
        for mark in seen[(trade.decision.run, trade.decision.ticker)]:
            if held <= 0:
                break
            if mark.cycle <= trade.decision.cycle:
                continue
            position = Position(
                ticker=trade.decision.ticker,
                side=trade.side,
                count=held,
                cost=cost,
                status=PositionStatus.OPEN,
                opened_at=_EPOCH,
            )
            hours = mark.hours_to_close
            closes = _EPOCH + (_NEVER if hours is None else timedelta(hours=float(hours)))
            decision = decide_exit(position, mark.book, mark.bot, mark.fees, policy, _EPOCH, closes)
            if decision is None:
                continue
            sold = min(held, _bid_size(mark.book, trade.side, decision.bid))
            if sold <= 0:
                continue
            sales.append(
                Trade(
                    strategy=strategy,
                    decision=mark,
                    side=trade.side,
                    count=sold,
                    price=decision.bid,
                    fee=mark.fees.trade_fee(sold, decision.bid, is_taker=True),
                    sale=True,
                    exit_reason=decision.reason,
                )
            )
            cost -= cost * sold / held
            held -= sold
    return sales


def _bid_size(book: OrderBook, side: Side, bid: Decimal) -> Decimal:
    """Contracts bid for `side` at `bid` or better: what a sale there can fill at once."""
    bids = book.yes_bids if side is Side.YES else book.no_bids
    return sum((level.count for level in bids if level.price >= bid), ZERO)
