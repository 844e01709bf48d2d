"""A forecast is evidence weighed against the market, never an order by itself.

The market's price is the prior: the Kalshi mid, halfway between the best YES bid and ask. A
forecast's departure from it, P(yes) - mid, is

- **refused** (`FORECAST_IMPLAUSIBLE`) when it is larger than the bound: `risk.max_disagreement`
  for any forecaster the track record lets bet (`domain.scoring.kelly_scale` above 0: unproven,
  or not shown worse than the market), 0 for one it does not. The bound does not shrink with
  the scale: the scale rises from the unproven end with evidence of skill, and a bound that
  followed it would believe an unproven forecaster less than the bound it was configured with.
  An answer that far from a market is far likelier wrong, or steered by hostile text, than
  right, so it is not shrunk into a trade: it is not traded at all.
- **shrunk** toward the mid by the forecast's confidence inside the bound: the view traded on is
  mid + confidence x departure, a linear pool of the forecast and the market. For the offline
  forecaster the confidence is the Polymarket link's, so a doubtful link counts for less. The
  confidence can only pull the view back to the market, never push it further: an answer that
  claims confidence 1 gains nothing.

Since bid <= mid <= ask, the side bought at its ask is never valued more than the bound above
its price: buying YES, view - ask <= view - mid <= bound; buying NO at 1 - bid,
(1 - view) - (1 - bid) <= mid - view <= bound.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from domain.base import Frozen
from domain.money import ONE, ZERO
from domain.risk import DenyReason
from domain.sizing import NoTrade

PLACES = Decimal("0.000001")


class Weighed(Frozen):
    """A forecast weighed against the market: the view the bot may trade on."""

    mid: Decimal
    forecast: Decimal  # P(yes) as the forecaster said it
    confidence: Decimal
    bound: Decimal  # the largest departure from the mid allowed for this forecaster
    view: Decimal  # mid + confidence x (forecast - mid), rounded toward the mid

    @property
    def departure(self) -> Decimal:
        return self.forecast - self.mid


def mid_of(yes_bid: Decimal | None, yes_ask: Decimal | None) -> Decimal | None:
    """The market's probability: the mid of a two-sided market, else none."""
    return None if yes_bid is None or yes_ask is None else (yes_bid + yes_ask) / 2


def bound_for(max_disagreement: Decimal, track_record: Decimal = ONE) -> Decimal:
    """The bound for a forecaster whose record scales its bets by `track_record`: the
    configured bound while it may bet at all, else no departure believed."""
    return max_disagreement.quantize(PLACES) if track_record > 0 else ZERO


def pooled(mid: Decimal, probability: Decimal, confidence: Decimal) -> Decimal:
    """mid + confidence x (probability - mid), rounded toward the mid: never further from it
    than the forecast."""
    return mid + (confidence * (probability - mid)).quantize(PLACES, rounding=ROUND_DOWN)


def _short(value: Decimal) -> str:
    return f"{value.quantize(PLACES).normalize():f}"


def weigh(
    ticker: str,
    probability: Decimal,
    confidence: Decimal,
    yes_bid: Decimal | None,
    yes_ask: Decimal | None,
    bound: Decimal,
) -> Weighed | NoTrade:
    """The view to trade on, or why the forecast is not traded."""
    mid = mid_of(yes_bid, yes_ask)
    if mid is None:
        return NoTrade(
            ticker=ticker,
            reason=DenyReason.NO_PRICE,
            detail="no two-sided market: no prior to weigh the forecast against",
        )
    departure = probability - mid
    if abs(departure) > bound:
        return NoTrade(
            ticker=ticker,
            reason=DenyReason.FORECAST_IMPLAUSIBLE,
            detail=f"P(yes) {_short(probability)} is {_short(abs(departure))} from the mid"
            f" {_short(mid)}, beyond the bound {_short(bound)}",
        )
    return Weighed(
        mid=mid,
        forecast=probability,
        confidence=confidence,
        bound=bound,
        view=pooled(mid, probability, confidence),
    )
