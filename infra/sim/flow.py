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
Flow never moves the maker's own book: only the queue and the resting orders it reaches.
Everything is a hash of (market seed, epoch): the same run whatever the request pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from domain.money import COUNT_STEP, ZERO, floor_to_step
from infra.sim.models import MarketState
from infra.sim.rng import unit

_BUY, _SELL, _INFORMED_BUY, _INFORMED_SELL = 0xB0, 0x5E, 0x1B0, 0x15E


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


def _arrival(mean: float, *parts: int) -> Decimal:
    """An exponential amount with this mean (a bursty arrival), to the contract step."""
    if mean <= 0:
        return ZERO
    amount = -math.log(1.0 - unit(*parts)) * mean
    return floor_to_step(Decimal(repr(amount)), COUNT_STEP)


def flow_at(market: MarketState, epoch: int, seconds: float, scale: float, informed: float) -> Flow:
    mean = market.volume_per_hour * seconds / 3600.0 * scale
    plain, smart = mean * (1.0 - informed) / 2.0, mean * informed / 2.0
    seed = market.mm_seed
    return Flow(
        buy=_arrival(plain, seed, epoch, _BUY),
        sell=_arrival(plain, seed, epoch, _SELL),
        informed_buy=_arrival(smart, seed, epoch, _INFORMED_BUY),
        informed_sell=_arrival(smart, seed, epoch, _INFORMED_SELL),
    )
