"""Closing a position: the reduce-only, immediate-or-cancel order that sells it at the bid.

Kalshi nets a YES and a NO contract of one market into $1 at once (exchange-apis.md A5.9), so
selling the side held at its best bid `b` is buying the other side at `1 - b`; on the V2 order
endpoint that is `side=ask` at YES price `b` to sell YES, `side=bid` at YES price `1 - b` to sell
NO (A5.9 (b): "everything is quoted from the YES side"). The order is `reduce_only`, which the
endpoint accepts only with `immediate_or_cancel`: it can close contracts held, never open any,
and whatever does not fill at once is cancelled, never left resting.
"""

from __future__ import annotations

from decimal import Decimal

from domain.base import Frozen
from domain.execution import opposite
from domain.models import OrderBook, Position, Side
from domain.money import ONE


class SaleOrder(Frozen):
    """Buy `count` of `buy_side` at `limit_price`: sells `count` of the other side at `bid`."""

    ticker: str
    held_side: Side
    bid: Decimal
    buy_side: Side
    limit_price: Decimal
    count: Decimal


def best_bid(book: OrderBook, side: Side) -> Decimal | None:
    """The best bid for `side` in `book`: what selling it now gets first."""
    bid = book.best_yes_bid if side is Side.YES else book.best_no_bid
    return bid if bid is not None and Decimal(0) < bid < ONE else None


def sale_order(position: Position, book: OrderBook) -> SaleOrder | None:
    """The order that sells all of `position` at the best bid of its side; None with no bid."""
    bid = best_bid(book, position.side)
    return None if bid is None else sale_at(position, bid)


def sale_at(position: Position, bid: Decimal) -> SaleOrder:
    """The order that sells all of `position` at `bid` or better."""
    return SaleOrder(
        ticker=position.ticker,
        held_side=position.side,
        bid=bid,
        buy_side=opposite(position.side),
        limit_price=ONE - bid,
        count=position.count,
    )
