"""Price ticks: the prices a market accepts, from its `price_ranges` (A3.1, A5.3).

Each band `{start, end, step}` (dollar strings, YES prices) is a grid start, start + step, ...
up to end. Its ends are bounds, not prices: the venue sends `linear_cent` as one band from
$0 to $1 by $0.01 and `tapered_deci_cent` as three ($0.001 below $0.10 and above $0.90, $0.01
between, the outer ones touching $0 and $1). A market's valid prices are the points of any of
its bands strictly inside ($0, $1). Clients snap a price onto that grid (A3.1). A NO price p
is valid when the YES price 1 - p is (YES + NO = $1, A7). A market that states no bands gets
the classic $0.01 grid.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from domain.models import PriceRange, Side
from domain.money import ONE, ZERO

CENT_GRID = (PriceRange(start=ZERO, end=ONE, step=Decimal("0.01")),)
_NUDGE = Decimal("0.00001")  # finer than any tick: "strictly above / below" a price


def _valid(price: Decimal) -> bool:
    return ZERO < price < ONE


def _floor_in(price: Decimal, band: PriceRange) -> Decimal | None:
    """The highest valid price of `band` at or below `price`, if any."""
    top = min(price, band.end)
    if top < band.start:
        return None
    point = band.start + ((top - band.start) / band.step).to_integral_value(ROUND_FLOOR) * band.step
    if point >= ONE:
        point -= band.step
    return point if _valid(point) else None


def _ceil_in(price: Decimal, band: PriceRange) -> Decimal | None:
    """The lowest valid price of `band` at or above `price`, if any."""
    bottom = max(price, band.start)
    if bottom > band.end:
        return None
    steps = ((bottom - band.start) / band.step).to_integral_value(ROUND_CEILING)
    point = band.start + steps * band.step
    if point <= ZERO:
        point += band.step
    return point if _valid(point) and point <= band.end else None


def floor_yes(price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The highest valid YES price at or below `price`."""
    found = [p for p in (_floor_in(price, band) for band in ranges or CENT_GRID) if p is not None]
    return max(found) if found else None


def ceil_yes(price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The lowest valid YES price at or above `price`."""
    found = [p for p in (_ceil_in(price, band) for band in ranges or CENT_GRID) if p is not None]
    return min(found) if found else None


def buy_limit(side: Side, price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The price to send for buying `side` at up to `price` (that side's price): the nearest
    valid price that pays no more, i.e. rounded down for YES and, through the YES price it is
    sent as, down for NO too. Always strictly inside ($0, $1); None when no valid price is at
    or below it."""
    if side is Side.YES:
        return floor_yes(price, ranges)
    yes = ceil_yes(ONE - price, ranges)
    return None if yes is None else ONE - yes


def improve_bid(
    side: Side, bid: Decimal | None, ask: Decimal, ranges: tuple[PriceRange, ...]
) -> Decimal | None:
    """A resting buy of `side` that does not cross (post-only): one tick above the best bid of
    that side if that is still below the ask, else at the bid (joining it); with no bid, one
    tick below the ask. Prices are that side's; None when no valid price is below the ask."""
    below_ask = buy_limit(side, ask - _NUDGE, ranges)
    if below_ask is None:
        return None
    if bid is None:
        return below_ask
    if side is Side.YES:
        above = ceil_yes(bid + _NUDGE, ranges)
    else:
        yes = floor_yes(ONE - bid - _NUDGE, ranges)
        above = None if yes is None else ONE - yes
    if above is not None and above < ask:
        return above
    return min(bid, below_ask)
