"""Price ticks: the prices a market accepts, from its `price_ranges` (A3.1, A5.3).

Each range `{start, end, step}` (dollar strings, YES prices) allows start, start + step, ...
up to end; a market's valid prices are the union of its ranges (e.g. `tapered_deci_cent`:
$0.001 steps below $0.10 and above $0.90, $0.01 between). Clients must snap prices to the
step of the band containing the price (A3.1). A NO price p is valid when the YES price 1 - p
is (YES + NO = $1, A7). A market that states no ranges gets the classic $0.01 grid.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from domain.models import PriceRange, Side
from domain.money import ONE, ZERO

CENT_GRID = (PriceRange(start=Decimal("0.01"), end=Decimal("0.99"), step=Decimal("0.01")),)


def _floor_in(price: Decimal, band: PriceRange) -> Decimal | None:
    """The highest price of `band` at or below `price`, if any."""
    if price < band.start:
        return None
    top = min(price, band.end)
    steps = ((top - band.start) / band.step).to_integral_value(rounding=ROUND_FLOOR)
    return band.start + steps * band.step


def floor_yes(price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The highest valid YES price at or below `price`."""
    found = [p for p in (_floor_in(price, band) for band in ranges or CENT_GRID) if p is not None]
    return max(found) if found else None


def ceil_yes(price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The lowest valid YES price at or above `price` (each band's span is a whole number of
    its steps, as in every structure of A3.1, so its grid reads the same from either end)."""
    mirrored = tuple(
        PriceRange(start=ONE - band.end, end=ONE - band.start, step=band.step)
        for band in ranges or CENT_GRID
    )
    below = floor_yes(ONE - price, mirrored)
    return None if below is None else ONE - below


def buy_limit(side: Side, price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The price to send for buying `side` at up to `price` (that side's price): the nearest
    valid price that pays no more, i.e. rounded down for YES and, through the YES price it is
    sent as, down for NO too. None when no valid price is at or below it."""
    if side is Side.YES:
        snapped = floor_yes(price, ranges)
        return snapped if snapped is not None and snapped > ZERO else None
    yes = ceil_yes(ONE - price, ranges)
    return None if yes is None or yes >= ONE else ONE - yes
