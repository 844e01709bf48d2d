"""Evidence of an edge that has power: the forecaster's trades marked to the market later.

A forecast's *markout* is what one contract of the taker trade its view calls for (the side
whose ask, plus the fee, is below the view) is worth when marked at that side's Kalshi mid an
hour later (`HORIZON`), per contract, after the fee. The mean markout of every forecast of a
forecaster, with its 95% interval clustered by event (Student's t on G - 1 degrees of freedom:
forecasts of one market, or of one event, are one cluster, so asking again adds no false
confidence), is the evidence that scales Kelly (domain.scoring.kelly_scale).

Why not the settlement: a contract's payout is 0 or 1, so P&L against it (or Brier skill, or
log-loss) carries the whole uncertainty of the event, and a few cents of edge drown in it for
hundreds of events: under the simulator's planted edge Brier skill's interval straddles 0 at
`evaluate`'s defaults. The mid an hour later carries only what happened in that hour, while the
quote errors a good forecaster sees through have had time to wash out: the same edge shows with
a far narrower interval (bench/adversary.py, 20 seeds of `evaluate`'s defaults: +2.7c [+2.3c,
+3.1c] a contract under the planted edge, above zero in every group of 5 seeds, where Brier
skill's interval is [-0.019, +0.021]; -2.8c [-3.1c, -2.4c] under `kalshi-truth`). A forecaster
with no information marks out at minus the spread and the fee, so the evidence says it loses;
one whose views the market later agrees with marks out above zero.

What it cannot see: a mispricing the market keeps for longer than the horizon (a favourite-
longshot bias, or quote errors that persist for hours: on a simulator whose errors lasted 15%
of a market's life the markout called the planted edge a loss). That only the settlement shows;
Brier skill and realised P&L stay reported beside it, and the horizon is the first thing to
revisit when real markets' errors prove slower.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.fees import FeeSchedule, max_cost
from domain.models import Side
from domain.money import ONE

HORIZON = timedelta(hours=1)
CONTRACTS = Decimal(10)  # the fee per contract is read at this size (the venue rounds per order)
PLACES = Decimal("0.000001")


def called_for(
    view: Decimal, yes_bid: Decimal, yes_ask: Decimal, fees: FeeSchedule
) -> tuple[Side, Decimal] | None:
    """The side a view calls for buying and its cost per contract (ask plus fee), if the view
    beats that cost."""
    for side, ask, worth in ((Side.YES, yes_ask, view), (Side.NO, ONE - yes_bid, ONE - view)):
        if not 0 < ask < 1:
            continue
        cost = max_cost(CONTRACTS, ask, fees) / CONTRACTS
        if worth > cost:
            return side, cost
    return None


def markout(
    view: Decimal,
    yes_bid: Decimal,
    yes_ask: Decimal,
    later_mid: Decimal | None,
    fees: FeeSchedule,
) -> Decimal | None:
    """Per contract: the called-for side's mid later less what it cost; None when the view
    calls for no trade or there is no later mid."""
    trade = called_for(view, yes_bid, yes_ask, fees)
    if trade is None or later_mid is None:
        return None
    side, cost = trade
    later = later_mid if side is Side.YES else ONE - later_mid
    return (later - cost).quantize(PLACES)
