"""The examples of issue 10, one by one: absurd venue numbers never become money or rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from infra.kalshi import wire
from infra.kalshi.bounds import WireBounds
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.fields import Fields
from tests.infra.kalshi import payloads as p

EP = "GET /test"


def f(data: Any, bounds: WireBounds | None = None) -> Fields:
    return Fields(EP, data, "x", bounds)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"yes_bid_dollars": "0.4000001"}, "x.yes_bid_dollars", "finer than the stored unit"),
        ({"volume_fp": "12.345"}, "x.volume_fp", "finer than the stored unit"),
        ({"last_price_dollars": "999999999999999.999999"}, "x.last_price_dollars", "outside"),
        ({"volume_fp": None, "volume": 10**30}, "x.volume", "outside"),
        ({"yes_bid_dollars": "-0.40"}, "x.yes_bid_dollars", "outside [0, 1]"),
        ({"yes_ask_dollars": "5.00"}, "x.yes_ask_dollars", "outside [0, 1]"),
        ({"yes_bid_dollars": None, "yes_bid": -40}, "x.yes_bid", "outside [0, 1]"),
        ({"yes_bid_dollars": None, "yes_bid": 10**30}, "x.yes_bid", "outside any sane"),
        ({"open_interest_fp": "-3.00"}, "x.open_interest_fp", "outside"),
        ({"close_time": "9999-12-31T23:59:59-05:00"}, "x.close_time", "RFC 3339"),
    ],
)
def test_absurd_market_numbers_are_refused(changes: dict[str, Any], field: str, reason: str):
    with pytest.raises(MalformedResponse) as info:
        wire.parse_market(f(p.market(**changes)))
    assert info.value.field == field
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"market_exposure_dollars": "999999999999.00"}, "x.market_exposure_dollars"),
        ({"market_exposure_dollars": "-2.000000"}, "x.market_exposure_dollars"),
        ({"market_exposure_dollars": "2.2000001"}, "x.market_exposure_dollars"),
        ({"position_fp": str(10**30)}, "x.position_fp"),
        ({"position_fp": "-5.001"}, "x.position_fp"),
        ({"market_exposure_dollars": "6.000000"}, "x.market_exposure_dollars"),  # > 5 x $1 + fees
        ({"fees_paid_dollars": "-1.00"}, "x.fees_paid_dollars"),
    ],
)
def test_absurd_positions_are_refused(changes: dict[str, Any], field: str):
    with pytest.raises(MalformedResponse) as info:
        wire.parse_position(f({**p.POSITION_CURRENT, **changes}))
    assert info.value.field == field


def test_exposure_may_include_fees():
    """A5.8 does not say whether exposure includes fees: both readings are accepted."""
    position = wire.parse_position(f({**p.POSITION_CURRENT, "market_exposure_dollars": "5.090000"}))
    assert position.market_exposure == Decimal("5.09")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"revenue": 10**30}, "x.revenue"),
        ({"revenue": -100}, "x.revenue"),
        ({"yes_count_fp": "1e30"}, "x.yes_count_fp"),
        ({"fee_cost": "0.0000001"}, "x.fee_cost"),
    ],
)
def test_absurd_settlements_are_refused(changes: dict[str, Any], field: str):
    with pytest.raises(MalformedResponse) as info:
        wire.parse_settlement(f({**p.SETTLEMENT_CURRENT, **changes}))
    assert info.value.field == field


def test_absurd_balance_is_refused():
    with pytest.raises(MalformedResponse, match="balance_dollars"):
        wire.parse_balance(EP, {"balance_dollars": "999999999999.00"})


def test_ceilings_are_configurable():
    small = WireBounds(max_dollars=Decimal(100), max_contracts=Decimal(10))
    data = {**p.POSITION_CURRENT, "position_fp": "-11.00"}
    wire.parse_position(f(data))  # within the defaults
    with pytest.raises(MalformedResponse, match="outside"):
        wire.parse_position(f(data, small))
    with pytest.raises(MalformedResponse, match="outside"):
        wire.parse_balance(EP, {"balance_dollars": "100.01"}, small)


def test_bounds_themselves_are_checked():
    with pytest.raises(ValueError, match="max_dollars"):
        WireBounds(max_dollars=Decimal(10**13))


def test_one_bad_market_is_quarantined_with_endpoint_ticker_and_field():
    page = wire.parse_page(
        EP,
        p.markets_page([p.market("GOOD-1"), p.market("BAD-1", yes_bid_dollars="0.4000001")]),
        "markets",
        wire.parse_market,
        quarantine=True,
    )
    assert [m.ticker for m in page.items] == ["GOOD-1"]
    [bad] = page.quarantined
    assert (bad.endpoint, bad.ticker, bad.field) == (EP, "BAD-1", "markets[1].yes_bid_dollars")


def test_reconciliation_pages_fail_closed():
    """Positions are all or nothing: one bad record and the whole answer is refused."""
    payload = {
        "market_positions": [
            p.POSITION_CURRENT,
            {**p.POSITION_CURRENT, "ticker": "B", "market_exposure_dollars": "-1.00"},
        ],
        "cursor": "",
    }
    with pytest.raises(MalformedResponse, match=r"market_positions\[1\]"):
        wire.parse_page(EP, payload, "market_positions", wire.parse_position)
