from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.models import MarketResult, MarketStatus, OrderStatus, Side
from infra.kalshi import wire
from infra.kalshi.errors import MalformedResponse
from infra.kalshi.fields import Fields
from infra.kalshi.models import SelfTradePrevention, TimeInForce
from infra.kalshi.transport import decode_json
from infra.unknown_values import UNKNOWN_VALUES
from tests.infra.kalshi import payloads as p
from tests.logs import capture_logs

EP = "GET /test"


def f(data: Any, where: str = "x") -> Fields:
    return Fields(EP, data, where)


def malformed(field: str) -> Any:
    """pytest.raises for a MalformedResponse naming `field`."""
    return pytest.raises(MalformedResponse, match=re.escape(f"field '{field}'"))


# ---------------------------------------------------------------------------- markets


def test_current_market():
    market = wire.parse_market(f(p.market()))
    assert market.ticker == "KXHIGHNY-26OCT01-T60"
    assert market.status is MarketStatus.ACTIVE
    assert market.yes_bid == Decimal("0.5600")
    assert market.yes_ask == Decimal("0.5800")
    assert market.no_bid == Decimal("0.4200")
    assert market.spread == Decimal("0.0200")
    assert market.volume == Decimal("12345.50")
    assert market.open_interest == Decimal("8000.00")
    assert market.subtitle == "61° or above"
    assert market.rules.startswith("If the highest")
    assert market.close_time == datetime(2026, 10, 2, 3, 59, tzinfo=UTC)
    assert market.result is MarketResult.NONE


@pytest.mark.parametrize(
    "sign",
    [
        {"mve_collection_ticker": "KXMVECROSSCATEGORY-R"},
        {"mve_selected_legs": [{"event_ticker": "E", "market_ticker": "E-1", "side": "yes"}]},
        {"ticker": "KXMVESPORTS-26OCT01ABC-1"},
    ],
)
def test_any_sign_of_a_combo_market_marks_it(sign: dict[str, Any]):
    """A5.3 combo fields, or a combo ticker (part C gotcha 7)."""
    assert wire.parse_market(f(p.market(**sign))).is_combo
    assert not wire.parse_market(
        f(p.market(mve_collection_ticker="", mve_selected_legs=[]))
    ).is_combo


def test_legacy_market_in_cents():
    market = wire.parse_market(f(p.legacy_market()))
    assert market.yes_bid == Decimal("0.56")
    assert market.no_ask == Decimal("0.44")
    assert market.last_price == Decimal("0.57")
    assert market.volume == Decimal(1200)
    assert market.subtitle == "legacy subtitle"


def test_null_current_field_falls_back_to_legacy():
    market = wire.parse_market(f(p.market(yes_bid_dollars=None, yes_bid=12)))
    assert market.yes_bid == Decimal("0.12")


def test_current_field_wins_over_legacy():
    market = wire.parse_market(f(p.market(yes_bid=99)))
    assert market.yes_bid == Decimal("0.5600")


def test_market_without_quotes_or_volume():
    data = p.market()
    for key in ("yes_bid_dollars", "yes_ask_dollars", "volume_fp", "last_price_dollars"):
        del data[key]
    market = wire.parse_market(f(data))
    assert market.yes_bid is None
    assert market.spread is None
    assert market.volume == 0


def test_six_decimal_dollars_kept_exactly():
    market = wire.parse_market(f(p.market(yes_bid_dollars="0.123456")))
    assert market.yes_bid == Decimal("0.123456")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ticker": None}, "x.ticker"),
        ({"ticker": ""}, "x.ticker"),
        ({"ticker": 12}, "x.ticker"),
        ({"close_time": None}, "x.close_time"),
        ({"close_time": "yesterday"}, "x.close_time"),
        ({"close_time": 1790856000}, "x.close_time"),
        ({"status": 3}, "x.status"),  # not text; an unknown word is read past (below)
        ({"status": None}, "x.status"),
        ({"yes_bid_dollars": 0.56}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": Decimal("0.56")}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": 56}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": "fifty"}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": "NaN"}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": "Infinity"}, "x.yes_bid_dollars"),
        ({"yes_bid_dollars": None, "yes_bid": "56"}, "x.yes_bid"),
        ({"yes_bid_dollars": None, "yes_bid": 56.0}, "x.yes_bid"),
        ({"yes_bid_dollars": None, "yes_bid": True}, "x.yes_bid"),
        ({"volume_fp": 10.5}, "x.volume_fp"),
        ({"volume_fp": "-1.00"}, "x.volume_fp"),
        ({"volume_fp": ["1"]}, "x.volume_fp"),
        ({"result": "maybe"}, "x.result"),
        ({"title": 5}, "x.title"),
        ({"event_ticker": None}, "x.event_ticker"),
    ],
)
def test_malformed_market(changes: dict[str, Any], field: str):
    with malformed(field) as info:
        wire.parse_market(f(p.market(**changes)))
    assert info.value.endpoint == EP
    assert info.value.field == field


def test_market_not_an_object():
    with malformed("markets[0]"):
        wire.parse_page(EP, {"markets": [["KX"]], "cursor": ""}, "markets", wire.parse_market)


def test_float_on_the_wire_is_refused():
    """JSON numbers with a fraction decode to Decimal, and dollar fields refuse numbers."""
    raw = b'{"market": ' + _json(p.market(yes_bid_dollars="@")).replace(b'"@"', b"0.56") + b"}"
    payload = decode_json(EP, raw)
    assert payload["market"]["yes_bid_dollars"] == Decimal("0.56")
    with pytest.raises(MalformedResponse, match="expected a decimal string, got number"):
        wire.parse_market_response(EP, payload)


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


def test_decode_json_refuses_garbage_and_nan():
    with pytest.raises(MalformedResponse, match="not JSON") as info:
        decode_json(EP, b"<html>bad gateway</html>")
    assert info.value.field == "<body>"
    with pytest.raises(MalformedResponse, match="not JSON"):
        decode_json(EP, b'{"x": NaN}')
    with pytest.raises(MalformedResponse, match="not JSON"):
        decode_json(EP, b'{"markets": [')


# ------------------------------------------------------------------------------ pages


def test_page_with_cursor():
    page = wire.parse_page(EP, p.markets_page([p.market()], "abc"), "markets", wire.parse_market)
    assert [m.ticker for m in page.items] == ["KXHIGHNY-26OCT01-T60"]
    assert page.cursor == "abc"


@pytest.mark.parametrize("cursor", ["", None])
def test_last_page(cursor: str | None):
    payload = {"markets": [p.market()], "cursor": cursor}
    assert wire.parse_page(EP, payload, "markets", wire.parse_market).cursor is None
    del payload["cursor"]
    assert wire.parse_page(EP, payload, "markets", wire.parse_market).cursor is None


def test_null_list_is_empty_but_missing_list_is_malformed():
    assert (
        wire.parse_page(EP, {"markets": None, "cursor": ""}, "markets", wire.parse_market).items
        == ()
    )
    with malformed("markets"):
        wire.parse_page(EP, {"cursor": ""}, "markets", wire.parse_market)
    with malformed("markets"):
        wire.parse_page(EP, {"markets": {"a": 1}}, "markets", wire.parse_market)


def test_page_with_one_bad_item_is_rejected_entirely():
    items = [p.market("A"), p.market("B"), p.market("C", close_time="soon")]
    with malformed("markets[2].close_time"):
        wire.parse_page(EP, p.markets_page(items, "next"), "markets", wire.parse_market)


def test_page_not_an_object_and_bad_cursor():
    with pytest.raises(MalformedResponse, match="expected an object, got array"):
        wire.parse_page(EP, [p.market()], "markets", wire.parse_market)
    with malformed("cursor"):
        wire.parse_page(EP, {"markets": [], "cursor": 5}, "markets", wire.parse_market)


# -------------------------------------------------------------------------- orderbook


def test_current_orderbook():
    book = wire.parse_orderbook(EP, p.ORDERBOOK_CURRENT, "T")
    assert book.best_yes_bid == Decimal("0.4200")
    assert book.best_no_bid == Decimal("0.5600")
    assert book.best_yes_ask == Decimal("0.4400")
    assert book.best_no_ask == Decimal("0.5800")
    assert book.yes_bids[1].count == Decimal("5.50")


@pytest.mark.parametrize("payload", [p.ORDERBOOK_LEGACY_CENTS, p.ORDERBOOK_LEGACY_DOLLARS])
def test_legacy_orderbooks(payload: dict[str, Any]):
    book = wire.parse_orderbook(EP, payload, "T")
    assert book.best_yes_bid == Decimal("0.42")
    assert book.best_no_bid == Decimal("0.56")
    assert book.yes_bids[0].count == Decimal(10)


@pytest.mark.parametrize("side", [None, [], "absent"])
def test_empty_orderbook_sides(side: Any):
    book_fp: dict[str, Any] = {"yes_dollars": [["0.10", "1.00"]]}
    if side != "absent":
        book_fp["no_dollars"] = side
    book = wire.parse_orderbook(EP, {"orderbook_fp": book_fp}, "T")
    assert book.no_bids == ()
    assert book.best_yes_ask is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "orderbook_fp"),
        ({"orderbook_fp": []}, "orderbook_fp"),
        ({"orderbook_fp": {"yes_dollars": [["0.42"]]}}, "orderbook_fp.yes_dollars[0]"),
        ({"orderbook_fp": {"yes_dollars": [[0.42, "1.00"]]}}, "orderbook_fp.yes_dollars[0].price"),
        (
            {"orderbook_fp": {"yes_dollars": [["1.0000", "1.00"]]}},
            "orderbook_fp.yes_dollars[0].price",
        ),
        (
            {"orderbook_fp": {"yes_dollars": [["0.0000", "1.00"]]}},
            "orderbook_fp.yes_dollars[0].price",
        ),
        ({"orderbook_fp": {"no_dollars": [["0.42", "-1.00"]]}}, "orderbook_fp.no_dollars[0].count"),
        ({"orderbook_fp": {"no_dollars": "0.42"}}, "orderbook_fp.no_dollars"),
        ({"orderbook": {"yes": [["40", 1]]}}, "orderbook.yes[0].price_cents"),
    ],
)
def test_malformed_orderbook(payload: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_orderbook(EP, payload, "T")


# ----------------------------------------------------------------------------- orders


def test_current_order():
    report = wire.parse_order(f(p.order()))
    assert report.side is Side.YES
    assert report.status is OrderStatus.EXECUTED
    assert report.yes_price == Decimal("0.5600")
    assert report.fill_count == Decimal("10.00")
    assert report.initial_count == Decimal("10.00")
    assert report.fill_cost == Decimal("5.600000")
    assert report.fees == Decimal("0.1800")  # maker fees null -> 0
    assert report.client_order_id == "cid-1"
    assert report.action == "buy"


def test_legacy_order():
    report = wire.parse_order(f(p.LEGACY_ORDER))
    assert report.side is Side.NO
    assert report.status is OrderStatus.RESTING
    assert report.yes_price == Decimal("0.60")
    assert (report.fill_count, report.remaining_count, report.initial_count) == (2, 3, 5)
    assert report.fill_cost == Decimal("0.80")
    assert report.fees == Decimal("0.02")


def test_order_variants():
    data = p.order(status="pending", yes_price_dollars=None, no_price_dollars="0.3000")
    del data["initial_count_fp"]
    report = wire.parse_order(f(data))
    assert report.status is OrderStatus.RESTING
    assert report.yes_price == Decimal("0.7000")
    assert report.initial_count == Decimal("10.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_id": None}, "x.order_id"),
        ({"status": "weird"}, "x.status"),
        ({"outcome_side": "maybe"}, "x.outcome_side"),
        ({"outcome_side": None}, "x.outcome_side"),
        ({"yes_price_dollars": None, "no_price_dollars": None}, "x.yes_price_dollars"),
        ({"fill_count_fp": None}, "x.fill_count_fp"),
        ({"fill_count_fp": 1.5}, "x.fill_count_fp"),
        ({"remaining_count_fp": "-1.00"}, "x.remaining_count_fp"),
        ({"taker_fees_dollars": 0.18}, "x.taker_fees_dollars"),
        ({"created_time": "not a time"}, "x.created_time"),
    ],
)
def test_malformed_order(changes: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_order(f(p.order(**changes)))


def test_create_ack():
    ack = wire.parse_order_ack(EP, p.copy_of(p.CREATE_ACK), "cid-1")
    assert ack.order_id == "ord-1"
    assert ack.fill_count == Decimal("10.00")
    assert ack.remaining_count == Decimal("0.00")
    assert ack.average_fill_price == Decimal("0.5600")
    assert ack.average_fee_paid == Decimal("0.0180")
    assert ack.ts_ms == 1790856000123


def test_create_ack_without_fills_or_echo():
    payload = {"order_id": "o", "fill_count": "0.00", "remaining_count": "5.00"}
    ack = wire.parse_order_ack(EP, payload, "mine")
    assert ack.client_order_id == "mine"
    assert ack.average_fill_price is None


def test_create_ack_full_order_shape():
    ack = wire.parse_order_ack(EP, {"order": p.order()}, "cid-1")
    assert ack.order_id == "ord-1"
    assert ack.fill_count == Decimal("10.00")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**p.CREATE_ACK, "client_order_id": "someone-else"}, "client_order_id"),
        ({**p.CREATE_ACK, "order_id": None}, "order_id"),
        ({**p.CREATE_ACK, "fill_count": 10.0}, "fill_count"),
        ({**p.CREATE_ACK, "remaining_count": None}, "remaining_count"),
        ({**p.CREATE_ACK, "average_fill_price": 0.56}, "average_fill_price"),
        ({**p.CREATE_ACK, "ts_ms": "123"}, "ts_ms"),
        ({"error": {"code": "deprecated_v1_order_endpoint"}}, "error"),
        ({"order": p.order(client_order_id="other")}, "order.client_order_id"),
    ],
)
def test_malformed_create_ack(payload: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_order_ack(EP, payload, "cid-1")


def test_cancel_ack_current_and_legacy():
    ack = wire.parse_cancel(EP, p.copy_of(p.CANCEL_ACK), "ord-1")
    assert ack.reduced_by == Decimal("4.00")
    legacy = {"order": p.order(status="canceled"), "reduced_by": 4, "reduced_by_fp": "4.00"}
    assert wire.parse_cancel(EP, legacy, "ord-1").reduced_by == Decimal(4)
    with malformed("order_id"):
        wire.parse_cancel(EP, p.copy_of(p.CANCEL_ACK), "ord-2")


# ------------------------------------------------------------------------------ fills


def test_current_fill():
    fill = wire.parse_fill(f(p.FILL_CURRENT))
    assert fill.side is Side.NO
    assert fill.count == Decimal("10.00")
    assert fill.price == Decimal("0.4400")
    assert fill.fee == Decimal("0.1800")
    assert fill.created_time == datetime(2026, 10, 1, 12, tzinfo=UTC)


def test_legacy_fill():
    fill = wire.parse_fill(f(p.FILL_LEGACY))
    assert fill.side is Side.YES
    assert fill.count == 3
    assert fill.yes_price == Decimal("0.56")
    assert fill.no_price == Decimal("0.44")
    assert fill.is_taker is False
    assert fill.fee == 0
    assert fill.created_time == datetime.fromtimestamp(1761955200, tz=UTC)


def test_fill_with_fixed_prices_and_trade_id_only():
    data = {
        "trade_id": "t1",
        "order_id": "o1",
        "market_ticker": "M",
        "side": "no",
        "count_fp": "1.00",
        "no_price_fixed": "0.3000",
        "created_time": "2026-01-01T00:00:00Z",
    }
    fill = wire.parse_fill(f(data))
    assert (fill.fill_id, fill.ticker) == ("t1", "M")
    assert fill.yes_price == Decimal("0.7000")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fill_id": None, "trade_id": None}, "x.fill_id"),
        ({"count_fp": None}, "x.count_fp"),
        ({"yes_price_dollars": None, "no_price_dollars": None}, "x.yes_price_dollars"),
        ({"created_time": None, "ts": None}, "x.created_time"),
        ({"created_time": None, "ts": "1790856000"}, "x.ts"),
        ({"fee_cost": 0.18}, "x.fee_cost"),
        ({"is_taker": "yes"}, "x.is_taker"),
    ],
)
def test_malformed_fill(changes: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_fill(f({**p.FILL_CURRENT, **changes}))


# -------------------------------------------------------------------------- positions


def test_current_position_negative_is_no():
    position = wire.parse_position(f(p.POSITION_CURRENT))
    assert position.position == Decimal("-5.00")
    assert position.side is Side.NO
    assert position.count == Decimal("5.00")
    assert position.market_exposure == Decimal("2.200000")
    assert position.fees_paid == Decimal("0.090000")
    assert position.total_traded == Decimal("12.500000")


def test_legacy_position_in_cents():
    position = wire.parse_position(f(p.POSITION_LEGACY))
    assert position.position == 7
    assert position.side is Side.YES
    assert position.market_exposure == Decimal("3.92")
    assert position.realized_pnl == Decimal("-0.15")
    assert position.fees_paid == Decimal("0.09")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"position_fp": None}, "x.position_fp"),
        ({"position_fp": -5.0}, "x.position_fp"),
        ({"market_exposure_dollars": None}, "x.market_exposure_dollars"),
        ({"ticker": None}, "x.ticker"),
    ],
)
def test_malformed_position(changes: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_position(f({**p.POSITION_CURRENT, **changes}))


def test_positions_page_uses_market_positions_not_positions():
    payload = {"market_positions": [p.POSITION_CURRENT], "event_positions": [], "cursor": ""}
    page = wire.parse_page(EP, payload, "market_positions", wire.parse_position)
    assert len(page.items) == 1
    with malformed("market_positions"):
        wire.parse_page(
            EP, {"positions": [p.POSITION_CURRENT]}, "market_positions", wire.parse_position
        )


# ------------------------------------------------------------------------ settlements


def test_current_settlement_revenue_cents_to_dollars():
    settlement = wire.parse_settlement(f(p.SETTLEMENT_CURRENT))
    assert settlement.revenue == Decimal("10.00")
    assert settlement.market_result is MarketResult.YES
    assert settlement.yes_count == Decimal("10.00")
    assert settlement.yes_total_cost == Decimal("5.600000")
    assert settlement.fee_cost == Decimal("0.1800")
    assert settlement.event_ticker == "KXHIGHNY-26OCT01"


def test_legacy_void_settlement():
    settlement = wire.parse_settlement(f(p.SETTLEMENT_LEGACY))
    assert settlement.market_result is MarketResult.VOID
    assert settlement.no_count == 4
    assert settlement.no_total_cost == Decimal("1.76")
    assert settlement.revenue == Decimal("1.76")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"revenue": None}, "x.revenue"),
        ({"revenue": "1000"}, "x.revenue"),
        ({"revenue": 10.0}, "x.revenue"),
        ({"market_result": "unknown"}, "x.market_result"),
        ({"settled_time": None}, "x.settled_time"),
        ({"yes_count_fp": None}, "x.yes_count_fp"),
    ],
)
def test_malformed_settlement(changes: dict[str, Any], field: str):
    with malformed(field):
        wire.parse_settlement(f({**p.SETTLEMENT_CURRENT, **changes}))


# -------------------------------------------------------------------- balance, status


def test_balance_prefers_dollars():
    balance = wire.parse_balance(EP, p.copy_of(p.BALANCE_CURRENT))
    assert balance.balance == Decimal("1234.5678")
    assert balance.portfolio_value == Decimal("1500.00")


def test_legacy_balance_in_cents():
    assert wire.parse_balance(EP, {"balance": 10050}).balance == Decimal("100.50")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "balance_dollars"),
        ({"balance": 100.5}, "balance"),
        ({"balance_dollars": 100.5}, "balance_dollars"),
        ({"balance_dollars": "1e999999999999"}, "balance_dollars"),
    ],
)
def test_malformed_balance(payload: dict[str, Any], field: str):
    with pytest.raises(MalformedResponse) as info:
        wire.parse_balance(EP, payload)
    assert info.value.field == field


def test_exchange_status():
    status = wire.parse_exchange_status(EP, p.copy_of(p.EXCHANGE_STATUS))
    assert status.exchange_active is True
    assert status.trading_active is False
    assert status.estimated_resume_time == datetime(2026, 10, 1, 9, tzinfo=UTC)
    with malformed("trading_active"):
        wire.parse_exchange_status(EP, {"exchange_active": True})


def test_event_with_nested_markets():
    event = wire.parse_event(f({**p.EVENT, "markets": [p.market()]}))
    assert event.mutually_exclusive is True
    assert event.markets[0].ticker == "KXHIGHNY-26OCT01-T60"
    assert wire.parse_event(f(p.EVENT)).markets == ()
    with malformed("x.markets[0].status"):
        wire.parse_event(f({**p.EVENT, "markets": [p.market(status=None)]}))


# ----------------------------------------------------------------------- request body


def test_buy_yes_is_a_bid_at_the_yes_price():
    body = wire.build_create_order_body(
        ticker="T",
        side=Side.YES,
        price=Decimal("0.56"),
        count=Decimal(10),
        client_order_id="cid",
    )
    assert body == {
        "ticker": "T",
        "client_order_id": "cid",
        "side": "bid",
        "count": "10.00",
        "price": "0.5600",
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
    }


def test_buy_no_is_an_ask_at_one_minus_the_no_price():
    body = wire.build_create_order_body(
        ticker="T",
        side=Side.NO,
        price=Decimal("0.44"),
        count=Decimal("2.5"),
        client_order_id="cid",
        time_in_force=TimeInForce.GOOD_TILL_CANCELED,
        self_trade_prevention=SelfTradePrevention.MAKER,
        post_only=True,
        expiration_time=1790900000,
        subaccount=0,
    )
    assert body["side"] == "ask"
    assert body["price"] == "0.5600"
    assert body["count"] == "2.50"
    assert body["time_in_force"] == "good_till_canceled"
    assert body["self_trade_prevention_type"] == "maker"
    assert body["post_only"] is True
    assert body["expiration_time"] == 1790900000
    assert body["subaccount"] == 0
    assert "reduce_only" not in body


def test_sub_penny_price():
    body = wire.build_create_order_body(
        ticker="T", side=Side.NO, price=Decimal("0.005"), count=Decimal(1), client_order_id="c"
    )
    assert body["price"] == "0.9950"


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"price": Decimal(0)}, "strictly between"),
        ({"price": Decimal(1)}, "strictly between"),
        ({"price": 0.5}, "never float"),
        ({"count": Decimal(0)}, "positive"),
        ({"count": Decimal("1.005")}, "two decimal places"),
        ({"price": Decimal("0.12345")}, "4 decimal places"),
        ({"client_order_id": ""}, "client_order_id"),
        ({"ticker": ""}, "ticker"),
        ({"expiration_time": 5}, "expiration_time"),
        ({"reduce_only": True, "time_in_force": TimeInForce.FILL_OR_KILL}, "reduce_only"),
        ({"time_in_force": "good_till_time"}, "good_till_time"),
    ],
)
def test_invalid_order_requests(changes: dict[str, Any], match: str):
    arguments: dict[str, Any] = {
        "ticker": "T",
        "side": Side.YES,
        "price": Decimal("0.5"),
        "count": Decimal(1),
        "client_order_id": "cid",
        **changes,
    }
    with pytest.raises(ValueError, match=match):
        wire.build_create_order_body(**arguments)


def test_price_ranges_are_read_and_checked():
    ranges = [  # tapered_deci_cent as the venue sends it: the outer bands touch $0 and $1
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ]
    market = wire.parse_market(f(p.market(price_ranges=ranges)))
    assert [(r.start, r.end, r.step) for r in market.price_ranges] == [
        (Decimal(band["start"]), Decimal(band["end"]), Decimal(band["step"])) for band in ranges
    ]
    for bad in (
        {"start": "0.5", "end": "0.4", "step": "0.01"},
        {"start": "-0.1", "end": "0.4", "step": "0.01"},
        {"start": "0.0", "end": "1.1", "step": "0.01"},
        {"start": "0.0", "end": "1.0", "step": "0"},
    ):
        with pytest.raises(MalformedResponse, match="price range"):
            wire.parse_market(f(p.market(price_ranges=[bad])))


def test_a_market_status_the_bot_does_not_know_is_read_past_and_counted():
    """A new status is not a broken market (issue 18): it is never open and never final, is
    logged once, and is counted where a health check can read it."""
    UNKNOWN_VALUES.reset()
    with capture_logs() as warnings:
        page = wire.parse_page(
            EP,
            p.markets_page([p.market("A", status="paused"), p.market("B", status="paused")]),
            "markets",
            wire.parse_market,
            quarantine=True,
        )
    assert [m.status for m in page.items] == [MarketStatus.UNKNOWN] * 2
    assert not page.quarantined
    assert not any(m.is_open for m in page.items)
    assert UNKNOWN_VALUES.counts() == {"kalshi market.status=paused": 2}
    assert len([w for w in warnings if "'paused'" in w]) == 1
    with malformed("x.result"):  # a result is money: an unknown one still refuses the record
        wire.parse_market(f(p.market(result="half")))
    UNKNOWN_VALUES.reset()
