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
# How the spread widens (spread_at): a cent per e-fold of volume below TYPICAL_VOLUME contracts
# an hour (the catalogue's median; tighter above it), up to EXTREME_CENTS toward 0 and 1, and
# up to CLOSING_CENTS over the last CLOSING_HOURS.
TYPICAL_VOLUME, EXTREME_CENTS, CLOSING_CENTS, CLOSING_HOURS = 20.0, 1.0, 2.0, 1.0
# Price impact (impact): cents a take of `size_scale` contracts moves the centre, and the most
# one take moves it (under a typical half spread: a round trip never pays).
IMPACT_CENTS, IMPACT_CAP_CENTS = 1.0, 2.0
_INSIDE = 1e-4  # an impact never pushes the centre to 0 or 1
_LAST_SIDE_TAG, _FRACTIONAL_TAG = 0x1A57, 0xF4AC
FRACTIONAL_SHARE = 0.2

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
        centre = pricing.logistic(pricing.logit(fair) + logit_error(market, epoch))
        if market.impacts:
            centre = min(1.0 - _INSIDE, max(_INSIDE, centre + impact(market, epoch)))
        value = cache[epoch] = centre
    return value


def impact(market: MarketState, epoch: int) -> float:
    """How far takes from the maker have moved its centre at `epoch`: each take moves it
    IMPACT_CENTS per `size_scale` contracts (at most IMPACT_CAP_CENTS) toward the taker's side
    from the next re-quote on, then decays as the take refills (refill_per_quote a re-quote)."""
    keep = 1.0 - market.refill_per_quote
    total = 0.0
    for at, shift in market.impacts:
        if at < epoch:
            total += shift * keep ** (epoch - at - 1)
    return total


def record_impact(market: MarketState, epoch: int, buys_yes: bool, qty: float) -> None:
    """A take from the maker: remember its impact, forget the ones that have decayed away."""
    cents = min(IMPACT_CAP_CENTS, IMPACT_CENTS * qty / market.size_scale)
    keep = 1.0 - market.refill_per_quote
    market.impacts = [
        (at, shift)
        for at, shift in market.impacts
        if abs(shift) * keep ** max(0, epoch - at - 1) > 1e-5
    ]
    market.impacts.append((epoch, (cents if buys_yes else -cents) / 100.0))
    market.fair_cache.clear()
    market.mm_book_epoch, market.mm_book = -1, None


def spread_at(market: MarketState, fair: float, epoch: int) -> int:
    """The maker's spread in cents: its catalogue spread, wider on a thin market and tighter on
    a busy one (a cent per e-fold of volume from TYPICAL_VOLUME), wider toward the extremes
    (where a cent is a large share of the price) and in the last CLOSING_HOURS before the close
    (when the outcome is being learnt and informed traders are most active)."""
    thin = math.log(TYPICAL_VOLUME / max(1, market.volume_per_hour))
    extreme = 1.0 - 4.0 * fair * (1.0 - fair)
    closing = 0.0
    if market.path is not None:
        left = (market.close_ts - epoch * market.path.epoch_seconds) / 3600.0
        closing = min(1.0, max(0.0, 1.0 - left / CLOSING_HOURS))
    widening = round(thin + EXTREME_CENTS * extreme + CLOSING_CENTS * closing)
    return max(1, market.spread_cents + widening)


def top_from_fair(market: MarketState, fair: float, epoch: int) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents around a fair value; a bid of 0 or an ask of 100
    means that side is empty (the price would be off the venue's ticks)."""
    spread = spread_at(market, fair, epoch)
    bid = math.floor(fair * 100 - spread / 2 + 0.5)
    return max(0, min(MAX_CENTS, bid)), max(MIN_CENTS, min(MAX_CENTS + 1, bid + spread))


def top_of_book(market: MarketState, epoch: int) -> tuple[int, int]:
    """(best YES bid, best YES ask) in cents the market maker quotes at `epoch`."""
    return top_from_fair(market, fair_value(market, epoch), epoch)


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


def trades_fractions(market: MarketState) -> bool:
    """Whether the market's other traders trade fractions of a contract (every market may since
    April 2026, exchange-apis.md; most traders still trade whole ones): FRACTIONAL_SHARE do."""
    return unit(market.mm_seed, _FRACTIONAL_TAG) < FRACTIONAL_SHARE


def _size(market: MarketState, epoch: int, level_key: int) -> Decimal:
    """A level's size: whole contracts, and on a market that trades fractions sometimes a
    half."""
    base = market.size_scale * ((level_key >> 1) + 1)
    bits = hash_ints(market.mm_seed, epoch, level_key)
    whole = base // 2 + bits % base
    size = _SIZES.get(whole)
    if size is None:
        size = _SIZES[whole] = Decimal(whole)
    return size + _HALF if (bits >> 40) % 5 == 0 and trades_fractions(market) else size


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
