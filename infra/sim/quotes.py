"""The simulated market maker: a few levels a side around a noisy view of the hidden fair value.

The hidden fair value (`truth`) is the event's latent path read through the market's interval
(see `infra.sim.pricing`); the maker centres on it plus its own slowly moving error, scaled by the
scenario's `kalshi_noise`. Errors and sizes are hashes of (market seed, epoch), so the quotes at a
given sim time are a pure function of the market, not of the order in which requests arrived. An
epoch is one `quote_interval_seconds` slice of sim time.
"""

from __future__ import annotations

from decimal import Decimal

from infra.sim import pricing
from infra.sim.models import MarketState
from infra.sim.rng import hash_ints

MIN_CENTS, MAX_CENTS = 1, 99

Levels = dict[int, Decimal]  # price in cents -> size in contracts


def truth(market: MarketState, epoch: int) -> float:
    """The hidden fair YES probability at the start of `epoch` (a test may pin it)."""
    if market.truth_override is not None:
        return market.truth_override
    path = market.path
    if path is None:
        return market.probability
    ts = epoch * path.epoch_seconds
    if market.market_type == "scalar":
        return pricing.scalar_fair_value(path, market.probability, ts)
    return pricing.fair_value(path, market.interval, ts)


def fair_value(market: MarketState, epoch: int) -> float:
    """The market maker's fair YES probability at `epoch`, kept within [0.02, 0.98]."""
    cache = market.fair_cache
    value = cache.get(epoch)
    if value is None:
        if len(cache) > 4:
            cache.clear()
        value = cache[epoch] = _fair_value(market, epoch)
    return value


def _fair_value(market: MarketState, epoch: int) -> float:
    noise = pricing.quote_error(market.mm_seed, epoch) * market.noise
    return min(0.98, max(0.02, truth(market, epoch) + noise))


def top_from_fair(market: MarketState, fair: float) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents around a fair value."""
    center = round(fair * 100)
    bid = max(MIN_CENTS, min(MAX_CENTS - 1, center - market.spread_cents // 2))
    ask = max(bid + 1, min(MAX_CENTS, bid + market.spread_cents))
    return bid, ask


def top_of_book(market: MarketState, epoch: int) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents the market maker quotes at `epoch`."""
    return top_from_fair(market, fair_value(market, epoch))


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
    """Sizes of the best YES bid and best NO bid without building the whole book (the top
    level always exists on both sides: see `top_from_fair`)."""
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
