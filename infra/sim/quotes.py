"""The simulated market maker: a few levels a side around a noisy view of the hidden fair value.

The hidden fair value (`truth`) is the event's latent path read through the market's interval
(see `infra.sim.pricing`); the maker centres on it in log-odds, shrunk toward even by the
scenario's favourite-longshot bias, plus its own error (an AR(1) that moves at random times),
scaled by the scenario's `kalshi_noise`. Nothing clamps the centre: it goes toward 0 and 1 with
the truth, and a side whose best price would fall off the venue's ticks (below 1c, above 99c)
is left empty, as real books at the extremes are. Errors and sizes are pure functions of
(market seed, time), so the quotes at a given sim time are a function of the market, not of
the order in which requests arrived. An epoch is one `quote_interval_seconds` slice of sim time.
"""

from __future__ import annotations

import math
from decimal import Decimal

from infra.sim import pricing
from infra.sim.models import MarketState
from infra.sim.rng import hash_ints, unit

MIN_CENTS, MAX_CENTS = 1, 99
_LAST_SIDE_TAG = 0x1A57

Levels = dict[int, Decimal]  # price in cents -> size in contracts


def truth(market: MarketState, epoch: int) -> float:
    """The hidden probability that the market pays YES at the start of `epoch` (a test may pin
    it)."""
    if market.truth_override is not None:
        return market.truth_override
    path = market.path
    if path is None:
        return market.probability
    ts = epoch * path.epoch_seconds
    if market.market_type == "scalar":
        return pricing.scalar_fair_value(path, market.probability, ts)
    return pricing.fair_value(path, market.interval, ts)


def logit_error(market: MarketState, epoch: int) -> float:
    """How far the maker's centre is from the truth in log-odds at `epoch`: its bias toward
    even plus its own moving error."""
    fair = truth(market, epoch)
    bias = -market.longshot_bias * pricing.logit(fair)
    if not market.noise or market.path is None:
        return bias
    ts = epoch * market.path.epoch_seconds
    error = pricing.quote_error(market.mm_seed, market.created_ts, market.close_ts, ts)
    return bias + pricing.NOISE_LOGIT * market.noise * error


def fair_value(market: MarketState, epoch: int) -> float:
    """The market maker's fair YES probability at `epoch` (its quotes' centre)."""
    cache = market.fair_cache
    value = cache.get(epoch)
    if value is None:
        if len(cache) > 4:
            cache.clear()
        fair = truth(market, epoch)
        value = cache[epoch] = pricing.logistic(pricing.logit(fair) + logit_error(market, epoch))
    return value


def top_from_fair(market: MarketState, fair: float) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents around a fair value; a bid of 0 or an ask of 100
    means that side is empty (the price would be off the venue's ticks)."""
    spread = market.spread_cents
    bid = math.floor(fair * 100 - spread / 2 + 0.5)
    return max(0, min(MAX_CENTS, bid)), max(MIN_CENTS, min(MAX_CENTS + 1, bid + spread))


def top_of_book(market: MarketState, epoch: int) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents the market maker quotes at `epoch`."""
    return top_from_fair(market, fair_value(market, epoch))


def last_price(market: MarketState, epoch: int) -> int:
    """The price of the last trade by other traders by `epoch`: the bid or the ask, whichever
    side the last taker hit (a trade prints at a quote, never at the maker's centre)."""
    bid, ask = top_of_book(market, epoch)
    hit_bid = unit(market.mm_seed, epoch, _LAST_SIDE_TAG) < 0.5
    if ask > MAX_CENTS or (hit_bid and bid >= MIN_CENTS):
        return max(bid, MIN_CENTS)
    return ask


_HALF = Decimal("0.50")
_SIZES: dict[int, Decimal] = {}


def _size(market: MarketState, epoch: int, level_key: int) -> Decimal:
    """A level's size: mostly whole contracts, sometimes a half (fractional trading)."""
    base = market.size_scale * ((level_key >> 1) + 1)
    bits = hash_ints(market.mm_seed, epoch, level_key)
    whole = base // 2 + bits % base
    size = _SIZES.get(whole)
    if size is None:
        size = _SIZES[whole] = Decimal(whole)
    return size + _HALF if (bits >> 40) % 5 == 0 else size


def top_sizes(market: MarketState, epoch: int) -> tuple[Decimal, Decimal]:
    """Sizes of the best YES bid and best NO bid without building the whole book (a side
    `top_from_fair` leaves empty has no size: the caller checks the price)."""
    return _size(market, epoch, 0), _size(market, epoch, 1)


def quote(market: MarketState, epoch: int) -> tuple[Levels, Levels]:
    """The market maker's full book at `epoch`: (YES bids, NO bids), before any consumption."""
    if market.mm_book_epoch == epoch and market.mm_book is not None:
        return market.mm_book
    bid, ask = top_of_book(market, epoch)
    yes: Levels = {}
    no: Levels = {}
    for level in range(market.levels):
        if bid - level >= MIN_CENTS:
            yes[bid - level] = _size(market, epoch, level << 1)
        if ask + level <= MAX_CENTS:
            no[100 - (ask + level)] = _size(market, epoch, (level << 1) | 1)
    market.mm_book_epoch, market.mm_book = epoch, (yes, no)
    return yes, no
