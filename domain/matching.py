"""How a simulated venue matches an order against a real market it cannot move (pure).

Shared by the paper exchange and the replay venue. Kalshi's book is bids on both sides (A5.5):
buying YES at up to P takes resting NO bids priced at 1 - P or more, at YES price 1 - (NO bid);
buying NO takes YES bids the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.models import OrderBook, PublicTrade, Side
from domain.money import ONE, ZERO


@dataclass(frozen=True, slots=True)
class Take:
    """Contracts taken at one level of the book, at the price of the side bought."""

    price: Decimal
    count: Decimal


def walk_book(book: OrderBook, side: Side, limit: Decimal, count: Decimal) -> tuple[Take, ...]:
    """Buy up to `count` of `side` at no more than `limit`, best level first, each level's
    displayed size at most (an immediate-or-cancel order against the book as fetched)."""
    opposite = book.no_bids if side is Side.YES else book.yes_bids
    takes: list[Take] = []
    left = count
    for level in sorted(opposite, key=lambda lv: lv.price, reverse=True):
        price = ONE - level.price
        if left <= 0 or price > limit:
            break
        taken = min(level.count, left)
        if taken > 0:
            takes.append(Take(price, taken))
            left -= taken
    return tuple(takes)


def displayed_at(book: OrderBook, side: Side, price: Decimal) -> Decimal:
    """The size already bid for `side` at `price`: ahead of a new order there (price-time)."""
    bids = book.yes_bids if side is Side.YES else book.no_bids
    return sum((level.count for level in bids if level.price == price), ZERO)


@dataclass(frozen=True, slots=True)
class QueueStep:
    """What one public trade did to a resting order: the queue ahead left, and its fill."""

    queue_ahead: Decimal
    filled: Decimal
    used: Decimal  # the trade's contracts this order's queue and fill took


def trade_through(
    trade: PublicTrade,
    side: Side,
    price: Decimal,
    queue_ahead: Decimal,
    remaining: Decimal,
    available: Decimal,
) -> QueueStep:
    """A resting bid for `side` at `price` meets one public trade (`available` of its contracts
    not taken by orders ahead of this one).

    Only a taker selling `side` (buying the other side) reaches a bid for `side`. A trade at a
    higher bid never reaches it. A trade at its price fills it only after the size displayed
    ahead of it there has traded. A trade below its price went through it: everything at its
    price, the queue ahead included, traded first. A block trade was matched off the book and
    reaches nobody. It always fills at its own price, never
    better (the caller books the fill at `price`).
    """
    unchanged = QueueStep(queue_ahead, ZERO, ZERO)
    if trade.is_block_trade or trade.taker_side is side or available <= 0 or remaining <= 0:
        return unchanged
    traded_at = trade.price(side)
    if traded_at > price:
        return unchanged
    if traded_at < price:
        filled = min(remaining, available)
        return QueueStep(ZERO, filled, filled)
    queued = min(queue_ahead, available)
    filled = min(remaining, available - queued)
    return QueueStep(queue_ahead - queued, filled, queued + filled)
