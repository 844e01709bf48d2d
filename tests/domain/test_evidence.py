"""A forecast is evidence weighed against the market (issue 20): refused beyond the bound,
shrunk toward the mid by its confidence inside it, so no side is ever bought at a view more than
the bound above its price."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.evidence import Weighed, bound_for, weigh
from domain.marks import side_probability
from domain.models import BookLevel, OrderBook
from domain.risk import DenyReason
from domain.sizing import NoTrade, SizingLimits, size_order

D = Decimal
BOUND = D("0.15")


def test_the_default_run_s_claimed_edge_is_refused() -> None:
    """`make run` bought at P(yes) 0.879 against an ask of 0.03: now refused, not traded."""
    refused = weigh("T", D("0.879"), D("0.9"), D("0.02"), D("0.03"), BOUND)
    assert isinstance(refused, NoTrade)
    assert refused.reason is DenyReason.FORECAST_IMPLAUSIBLE
    assert refused.detail == "P(yes) 0.879 is 0.854 from the mid 0.025, beyond the bound 0.15"


def test_inside_the_bound_the_view_is_pulled_to_the_mid_by_the_confidence() -> None:
    weighed = weigh("T", D("0.60"), D("0.5"), D("0.48"), D("0.52"), BOUND)
    assert isinstance(weighed, Weighed)
    assert (weighed.mid, weighed.view, weighed.departure) == (D("0.50"), D("0.55"), D("0.10"))
    # Confidence only pulls back: at 1 the view is the forecast, never beyond it.
    full = weigh("T", D("0.60"), D(1), D("0.48"), D("0.52"), BOUND)
    assert isinstance(full, Weighed)
    assert full.view == D("0.60")


def test_the_bound_is_the_configured_one_while_the_record_lets_the_forecaster_bet() -> None:
    assert bound_for(BOUND) == BOUND  # unproven: the configured bound
    assert bound_for(BOUND, D("0.25")) == BOUND  # bets at the unproven end: still believed
    assert bound_for(BOUND, D(0)) == 0  # shown worse than the market: no departure believed
    assert bound_for(BOUND, D(2)) == BOUND  # never beyond the configured bound
    refused = weigh("T", D("0.60"), D(1), D("0.48"), D("0.52"), bound_for(BOUND, D(0)))
    assert isinstance(refused, NoTrade)


def test_a_one_sided_market_has_no_prior() -> None:
    refused = weigh("T", D("0.60"), D(1), None, D("0.52"), BOUND)
    assert isinstance(refused, NoTrade)
    assert refused.reason is DenyReason.NO_PRICE


PRICES = st.integers(min_value=1, max_value=99).map(lambda cents: D(cents) / 100)


@settings(max_examples=200, deadline=None)
@given(
    probability=st.decimals(min_value=0, max_value=1, places=6),
    confidence=st.decimals(min_value=0, max_value=1, places=6),
    bid=PRICES,
    spread=st.integers(min_value=1, max_value=20).map(lambda cents: D(cents) / 100),
    bound=st.decimals(min_value=D("0.01"), max_value=D("0.5"), places=3),
)
def test_no_side_is_bought_at_a_view_more_than_the_bound_above_its_price(
    probability: Decimal, confidence: Decimal, bid: Decimal, spread: Decimal, bound: Decimal
) -> None:
    ask = bid + spread
    if ask >= 1:
        return
    book = OrderBook(
        ticker="T",
        yes_bids=(BookLevel(price=bid, count=D(1000)),),
        no_bids=(BookLevel(price=1 - ask, count=D(1000)),),
    )
    weighed = weigh("T", probability, confidence, bid, ask, bound)
    if isinstance(weighed, NoTrade):
        assert abs(probability - (bid + ask) / 2) > bound
        return
    signal = size_order("T", weighed.view, book, D(1000), SizingLimits(min_edge=D(0)))
    if isinstance(signal, NoTrade):
        return
    assert side_probability(signal.side, weighed.view) - signal.limit_price <= bound
    assert side_probability(signal.side, probability) - signal.limit_price <= bound
