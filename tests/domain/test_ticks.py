from decimal import Decimal

import pytest

from domain.models import BookLevel, OrderBook, PriceRange, Side, TradeSignal
from domain.sizing import SizingLimits, size_order
from domain.ticks import buy_limit

D = Decimal
TAPERED = (
    PriceRange(start=D("0.001"), end=D("0.10"), step=D("0.001")),
    PriceRange(start=D("0.10"), end=D("0.90"), step=D("0.01")),
    PriceRange(start=D("0.90"), end=D("0.999"), step=D("0.001")),
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
