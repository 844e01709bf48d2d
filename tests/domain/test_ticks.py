from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.models import BookLevel, OrderBook, PriceRange, Side, TradeSignal
from domain.sizing import SizingLimits, size_order
from domain.ticks import buy_limit

D = Decimal
# The bands as the venue sends them (tests/corpus/kalshi): ends are bounds touching $0 and $1.
LINEAR = (PriceRange(start=D(0), end=D(1), step=D("0.01")),)
DECI = (PriceRange(start=D(0), end=D(1), step=D("0.001")),)
TAPERED = (
    PriceRange(start=D(0), end=D("0.10"), step=D("0.001")),
    PriceRange(start=D("0.10"), end=D("0.90"), step=D("0.01")),
    PriceRange(start=D("0.90"), end=D(1), step=D("0.001")),
)


@pytest.mark.parametrize(
    ("side", "price", "ranges", "limit"),
    [
        (Side.YES, D("0.4567"), (), D("0.45")),  # no ranges stated: the $0.01 grid
        (Side.YES, D("0.0567"), TAPERED, D("0.056")),  # the deci-cent tail
        (Side.YES, D("0.4567"), TAPERED, D("0.45")),  # the cent middle
        (Side.YES, D("0.45"), TAPERED, D("0.45")),  # on a tick: unchanged
        (Side.NO, D("0.0567"), TAPERED, D("0.056")),  # NO 0.0567 = YES 0.9433 -> YES 0.944
        (Side.NO, D("0.4567"), TAPERED, D("0.45")),  # YES 0.5433 -> 0.55
        (Side.NO, D("0.9567"), (), D("0.95")),
        (Side.YES, D("0.0005"), TAPERED, None),  # below the lowest tick
        (Side.YES, D("0.4567"), LINEAR, D("0.45")),
        (Side.YES, D("1"), LINEAR, D("0.99")),  # the band's end is a bound, never a price
        (Side.YES, D("0.9999"), DECI, D("0.999")),
        (Side.YES, D("0.009"), LINEAR, None),  # $0 is not a price
        (Side.NO, D("1"), LINEAR, D("0.99")),  # YES 0 -> 0.01
        (Side.NO, D("0.0567"), DECI, D("0.056")),
        (Side.YES, D("0.9995"), TAPERED, D("0.999")),
    ],
)
def test_a_buy_limit_snaps_to_the_tick_that_pays_no_more(
    side: Side, price: Decimal, ranges: tuple[PriceRange, ...], limit: Decimal | None
) -> None:
    assert buy_limit(side, price, ranges) == limit


def test_sizing_sends_an_on_tick_limit_never_above_the_ask() -> None:
    """A book quoting off the market's grid (e.g. a cent-grid market shown a sub-penny ask)."""
    book = OrderBook(
        ticker="T",
        yes_bids=(BookLevel(price=D("0.30"), count=D(100)),),
        no_bids=(BookLevel(price=D("0.5955"), count=D(100)),),  # YES ask 0.4045
    )
    signal = size_order("T", D("0.70"), book, D(1000), SizingLimits())
    assert isinstance(signal, TradeSignal)
    assert signal.limit_price == D("0.40")


_STEPS = st.sampled_from([D("0.001"), D("0.005"), D("0.01"), D("0.02"), D("0.05")])


@st.composite
def _layouts(draw: st.DrawFn) -> tuple[PriceRange, ...]:
    """Any band layout: cut points on a $0.01 grid from $0 to $1, each band its own step."""
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=3)))
    edges = [D(0), *(D(c) / 100 for c in cuts), D(1)]
    return tuple(PriceRange(start=a, end=b, step=draw(_STEPS)) for a, b in pairwise(edges))


@settings(max_examples=60, deadline=None)
@given(
    ranges=_layouts(),
    side=st.sampled_from(Side),
    price=st.decimals(min_value=0, max_value=1, places=4),
)
def test_a_limit_is_a_step_strictly_inside_and_pays_no_more(
    ranges: tuple[PriceRange, ...], side: Side, price: Decimal
) -> None:
    limit = buy_limit(side, price, ranges)
    if limit is None:
        return
    assert D(0) < limit < D(1)
    assert limit <= price
    yes = limit if side is Side.YES else 1 - limit
    assert any(
        band.start <= yes <= band.end and (yes - band.start) % band.step == 0 for band in ranges
    )
