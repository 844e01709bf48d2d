"""Other traders: taker flow that trades through resting orders, queue priority, informed flow.

The reference is silent on who else trades; this is the sim's own model, built so that a
resting order is not free money:
- every re-quote, seeded taker flow arrives on both sides (about the market's
  `volume_per_hour`, times `flow_scale`); it hits the best prices first, so better-priced depth
  and the displayed size that was already queued at an order's price when it rested (price-time
  priority: A5.9 `queue_position`) fill before it;
- a share of that flow is informed (`informed_share`): it sells only to bids above the hidden
  fair value and buys only from asks below it, so a resting order fills most when it is wrong
  (adverse selection);
- the market maker's liquidity that takers consume comes back gradually (`refill_per_quote`,
  see infra.sim.book), not all at once at the next re-quote.
- other traders trade whole contracts, but on the share of markets whose traders trade
  fractions (infra.sim.quotes.trades_fractions).
Flow never moves the maker's own book: only the queue and the resting orders it reaches (a take
from the maker by an account does: infra.sim.quotes.impact).
Everything is a hash of (market seed, epoch): the same run whatever the request pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from domain.money import COUNT_STEP, ZERO, floor_to_step
from infra.sim.models import MarketState
from infra.sim.quotes import trades_fractions
from infra.sim.rng import unit

_BUY, _SELL, _INFORMED_BUY, _INFORMED_SELL, _ROUNDING = 0xB0, 0x5E, 0x1B0, 0x15E, 0x40D


@dataclass(frozen=True, slots=True)
class Flow:
    """Contracts that arrive to trade in one re-quote, by direction (YES side)."""

    buy: Decimal  # uninformed: lifts YES asks (fills resting NO bids)
    sell: Decimal  # uninformed: hits YES bids
    informed_buy: Decimal  # lifts only YES asks below the fair value
    informed_sell: Decimal  # hits only YES bids above the fair value

    def selling_to(self, bid_cents: int, fair: float) -> Decimal:
        """What reaches a YES bid at `bid_cents`."""
        return self.sell + (self.informed_sell if bid_cents > fair * 100 else ZERO)

    def buying_from(self, ask_cents: int, fair: float) -> Decimal:
        """What reaches a YES ask at `ask_cents` (a resting NO bid at 100 - it)."""
        return self.buy + (self.informed_buy if ask_cents < fair * 100 else ZERO)


def _arrival(mean: float, whole: bool, *parts: int) -> Decimal:
    """An exponential amount with this mean (a bursty arrival): to the contract step on a market
    that trades fractions, else rounded at random to whole contracts (which keeps the mean)."""
    if mean <= 0:
        return ZERO
    amount = -math.log(1.0 - unit(*parts)) * mean
    if whole:
        return Decimal(math.floor(amount + unit(*parts, _ROUNDING)))
    return floor_to_step(Decimal(repr(amount)), COUNT_STEP)


def flow_at(market: MarketState, epoch: int, seconds: float, scale: float, informed: float) -> Flow:
    mean = market.volume_per_hour * seconds / 3600.0 * scale
    plain, smart = mean * (1.0 - informed) / 2.0, mean * informed / 2.0
    seed, whole = market.mm_seed, not trades_fractions(market)
    return Flow(
        buy=_arrival(plain, whole, seed, epoch, _BUY),
        sell=_arrival(plain, whole, seed, epoch, _SELL),
        informed_buy=_arrival(smart, whole, seed, epoch, _INFORMED_BUY),
        informed_sell=_arrival(smart, whole, seed, epoch, _INFORMED_SELL),
    )
