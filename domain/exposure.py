"""Risk per event: a cap on what one event can cost, and no two bets that cannot win together.

Markets of one event resolve together, so positions on one event are one bet. On a mutually
exclusive event (a bracket ladder, a match) at most one market resolves YES (A5.6: the event's
`mutually_exclusive`): YES on two legs cannot both win, and on a two-leg event NO on both cannot
either. When the venue does not say whether an event is mutually exclusive, or the event is not
(a threshold ladder, whose legs nest in a way the bot does not parse), a second position is
allowed only where every plausible reading lets both win: the same side of a non-exclusive
event; of an unknown event, nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain.base import Frozen
from domain.models import Side
from domain.money import ZERO
from domain.risk import DenyReason


class Holding(Frozen):
    """A position held or claimed, as far as per-event risk needs it."""

    ticker: str
    event_ticker: str
    side: Side | None  # None: an order in flight whose side the book does not say
    cost: Decimal


def can_win_together(
    one: Holding, other: Holding, mutually_exclusive: bool | None, legs: int
) -> bool:
    """Whether two positions on different markets of one event can both pay out."""
    if mutually_exclusive is None or one.side is None or other.side is None:
        return False
    if not mutually_exclusive:
        return one.side is other.side
    if one.side is Side.YES and other.side is Side.YES:
        return False  # only one leg resolves YES
    if one.side is Side.NO and other.side is Side.NO:
        return legs > 2  # a third leg can win
    return True  # YES on one leg, NO on another: both pay when the YES leg wins


def event_refusal(
    new: Holding,
    held: Iterable[Holding],
    max_event_exposure: Decimal,
    mutually_exclusive: bool | None,
    legs: int,
) -> DenyReason | None:
    """Why `new` may not join the positions `held` (any events), or None if it may."""
    same_event = [h for h in held if h.event_ticker == new.event_ticker]
    exposure = sum((h.cost for h in same_event), ZERO)
    if exposure + new.cost > max_event_exposure:
        return DenyReason.EVENT_EXPOSURE_CAP
    for holding in same_event:
        if holding.ticker == new.ticker:
            continue
        if not can_win_together(new, holding, mutually_exclusive, legs):
            return DenyReason.EVENT_CONFLICT
    return None
