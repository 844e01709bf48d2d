"""Mark-to-market: what an open position would fetch now, and its unrealised P&L.

A held contract is marked at the best bid of its own side: what selling it now would get (before
the exit fee). Kalshi quotes both sides' bids (exchange-apis.md A5.3: `yes_bid_dollars`,
`no_bid_dollars`). With no bid the mark is unknown, never guessed: the position is shown unmarked
and counts at zero in equity, the most conservative reading.
"""

from __future__ import annotations

from decimal import Decimal

from domain.models import Side
from domain.money import ONE, ZERO


def mark(side: Side, yes_bid: Decimal | None, no_bid: Decimal | None) -> Decimal | None:
    """The best bid of the side held, or None if there is none."""
    bid = yes_bid if side is Side.YES else no_bid
    return bid if bid is not None and bid > ZERO else None


def unrealized_pnl(count: Decimal, cost: Decimal, at: Decimal | None) -> Decimal | None:
    """Market value at the mark minus what the position cost (fees included)."""
    return None if at is None else count * at - cost


def price_paid(side: Side, yes_bid: Decimal | None, yes_ask: Decimal | None) -> Decimal | None:
    """The ask of `side` from a YES quote: YES costs the YES ask, NO costs 1 - the YES bid."""
    if side is Side.YES:
        return yes_ask
    return None if yes_bid is None else ONE - yes_bid


def side_probability(side: Side, yes_probability: Decimal) -> Decimal:
    """The probability that `side` wins, from a probability of YES."""
    return yes_probability if side is Side.YES else ONE - yes_probability
