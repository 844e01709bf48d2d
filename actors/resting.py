"""The Executor's resting (maker) orders: their lifecycle after they were placed.

A maker order (execution mode `maker`, domain.sizing) is sent post-only and good-till-canceled
with an expiry, after its intent and reservation were recorded (the Executor's order flow). Once
it rests, Positions books its fills as they arrive (actors.positions, `OrderResting`); here it is
- re-priced: cancelled and replaced when the touch (the best bid of its side, not counting the
  order itself) moves so that the price to rest at differs by `reprice_tolerance` or more, as
  far as the edge after the maker fee still allows (an order partly filled is only cancelled:
  its market is held);
- cancelled: at its age limit (the venue expires it too), on every halt (pause, the kill switch,
  the guards), on `close`/`flatten` of its market, and when the bot shuts down;
- limited: at most `max_resting` at once (the Executor refuses more).
A cancelled order is booked from the venue's record of it (fills and all) like any order; if
that cannot be done now it stays in flight for the Reconciler, which also cancels, at start-up,
every resting order a crash left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from http import HTTPStatus
from typing import Any

from domain.execution import OrderOutcome, resolve_order
from domain.messages import ExecuteSignal
from domain.models import Execution, OrderBook, Side
from domain.money import CENT, ONE, ZERO
from domain.ticks import improve_bid
from infra.kalshi.errors import KalshiError, VenueRefused
from infra.settings import ExecutionSettings
from infra.venue_client import VenueClient

Book = Callable[[Execution, OrderOutcome, str], bool]


@dataclass
class Resting:
    """One order resting at the venue, and what it was priced from (None after a restart:
    then it is only aged and cancelled, never re-priced)."""

    execution: Execution  # as recorded, with its venue order id
    signal: ExecuteSignal | None
    min_edge: Decimal = ZERO


def touch_without(book: OrderBook, order: Execution) -> Decimal | None:
    """The best bid of the order's side, not counting what the order itself rests there."""
    levels = book.yes_bids if order.side is Side.YES else book.no_bids
    left = order.count - order.filled_count
    prices = [
        level.price for level in levels if level.price != order.limit_price or level.count > left
    ]
    return max(prices) if prices else None


def reprice(entry: Resting, book: OrderBook, tolerance: Decimal) -> Decimal | None:
    """The price to move the order to, or None to leave it. ZERO: cancel it (no price at or
    above the touch, below the ask, keeps the minimum edge after the maker fee)."""
    order, message = entry.execution, entry.signal
    if message is None or order.filled_count > 0:
        return None
    ask = book.ask(order.side)
    if ask is None:
        return None
    touch = touch_without(book, order)
    if touch is None:
        return None  # the order is the only bid: nothing to follow (never chase the ask)
    target = improve_bid(order.side, touch, ask, ())
    if target is None:
        return ZERO
    signal = message.signal
    view = signal.probability if order.side is Side.YES else ONE - signal.probability
    fee_per_contract = signal.fee / signal.count
    ceiling = (view - fee_per_contract - entry.min_edge).quantize(CENT, rounding=ROUND_FLOOR)
    if ceiling < touch:
        return ZERO  # the edge is gone at the touch: behind it, it would fill only when wrong
    target = min(target, ceiling)
    return target if abs(target - order.limit_price) >= tolerance else None


class RestingOrders:
    """The Executor's resting orders, keyed by market (one order in flight per market)."""

    def __init__(
        self,
        client: VenueClient,
        settings: ExecutionSettings,
        log: Any,
        book: Book,
    ) -> None:
        self.client = client
        self.settings = settings
        self.log = log
        self.book = book
        self.orders: dict[str, Resting] = {}

    def __len__(self) -> int:
        return len(self.orders)

    def add(self, entry: Resting) -> None:
        self.orders[entry.execution.ticker] = entry

    def keep_only(self, resting: set[str]) -> None:
        """Forget the orders the book no longer holds as resting (client order ids): booked
        meanwhile by the Reconciler (filled, expired, or cancelled at start-up)."""
        gone = [t for t, e in self.orders.items() if e.execution.client_order_id not in resting]
        for ticker in gone:
            del self.orders[ticker]

    def cancel(self, ticker: str, why: str) -> str:
        """Cancel the market's resting order and book it from the venue's record. Returns what
        came of it in a few words ("" when nothing rests there)."""
        entry = self.orders.pop(ticker, None)
        if entry is None:
            return ""
        order = entry.execution
        assert order.venue_order_id is not None
        try:
            self.client.cancel_order(order.venue_order_id)
        except VenueRefused as refused:
            if refused.status != HTTPStatus.NOT_FOUND:
                self.orders[ticker] = entry
                return f"{ticker}: resting order not cancelled ({refused}); it rests still"
            # Not resting any more: filled, expired or cancelled by the venue meanwhile; booked
            # from its record below.
            why = "it had already ended at the venue"
        except KalshiError as exc:
            self.orders[ticker] = entry  # tried again at the next pass
            self.log.warning(
                "{} resting order {} not cancelled: {}", ticker, order.venue_order_id, exc
            )
            return f"{ticker}: resting order not cancelled ({exc}); it rests still"
        try:
            report = self.client.get_order(order.venue_order_id)
            fills = self.client.get_fills(order_id=order.venue_order_id)
            outcome = resolve_order(order, report, fills)
        except (KalshiError, ValueError) as exc:
            self.log.warning(
                "{} order {} cancelled, booked at reconciliation: {}",
                ticker,
                order.client_order_id,
                exc,
            )
            return f"{ticker}: resting order cancelled ({why}), booked at reconciliation"
        if outcome is None:
            return f"{ticker}: resting order cancelled ({why}), booked at reconciliation"
        self.book(order, outcome, report.order_id)
        line = (
            f"{ticker}: cancelled resting order {order.client_order_id} ({why}):"
            f" {outcome.filled_count} of {order.count} filled"
        )
        self.log.info("{}", line)
        return line

    def cancel_all(self, why: str) -> int:
        """Cancel every resting order; returns how many are left resting (cancel failed)."""
        for ticker in sorted(self.orders):
            self.cancel(ticker, why)
        return len(self.orders)

    def due(self, now: datetime) -> list[str]:
        """Markets whose order reached its age limit."""
        return [
            t
            for t, e in self.orders.items()
            if e.execution.expires_at is not None and e.execution.expires_at <= now
        ]
