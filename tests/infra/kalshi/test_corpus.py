"""Every real captured Kalshi answer (tests/corpus/kalshi) parses with the bot's own parsers,
and what the parsers make of it matches what the raw JSON says.

The raw JSON is read here independently of the parsers, with plain dict access and Decimal. The
readings of money and counts follow the venue's documented rule (a current `*_dollars` or `*_fp`
field when it has a value, else the legacy integer cents or count).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from domain.book import venue_order
from domain.fold import sequence_listing
from domain.models import Side
from infra.kalshi import wire
from infra.kalshi.client import CREATE_ORDER_PATH, KalshiClient
from infra.kalshi.errors import AuthenticationError, VenueRefused, parse_error_body
from infra.kalshi.fields import Fields
from tests.corpus_data import (
    KALSHI,
    book_records,
    event_records,
    kalshi,
    kalshi_files,
    market_records,
    series_records,
)
from tests.infra.kalshi.recording_server import RecordingServer, Reply

Raw = dict[str, Any]


def dollars(raw: Raw, current: str, legacy: str | None = None) -> Decimal | None:
    value = raw.get(current)
    if value not in (None, ""):
        return Decimal(value)
    if legacy is not None and raw.get(legacy) not in (None, ""):
        return Decimal(raw[legacy]) / 100
    return None


def contracts(raw: Raw, *names: str) -> Decimal | None:
    for name in names:
        if raw.get(name) not in (None, ""):
            return Decimal(str(raw[name]))
    return None


def fields(source: str, raw: Any) -> Fields:
    return Fields(f"corpus {source}", raw, "")


def levels(raw: list[list[Any]] | None) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(price), Decimal(str(count))) for price, count in raw or []]


# ------------------------------------------------------------------------------ markets


def test_every_market_record_reads_as_its_raw_json() -> None:
    records = market_records()
    assert len(records) > 300  # what the corpus holds (README): a market page is not a sample of 3
    for source, raw in records:
        market = wire.parse_market(fields(source, raw))
        actual = {
            "ticker": market.ticker,
            "event": market.event_ticker,
            "status": market.status.value,
            "result": market.result.value,
            "yes_bid": market.yes_bid,
            "yes_ask": market.yes_ask,
            "no_bid": market.no_bid,
            "no_ask": market.no_ask,
            "last": market.last_price,
            "volume": market.volume,
            "open_interest": market.open_interest,
            "settlement": market.settlement_value,
            "combo": market.is_combo,
            "bands": [(b.start, b.end, b.step) for b in market.price_ranges],
        }
        expected = {
            "ticker": raw["ticker"],
            "event": raw["event_ticker"],
            "status": raw["status"],
            "result": raw.get("result") or "",
            "yes_bid": dollars(raw, "yes_bid_dollars", "yes_bid"),
            "yes_ask": dollars(raw, "yes_ask_dollars", "yes_ask"),
            "no_bid": dollars(raw, "no_bid_dollars", "no_bid"),
            "no_ask": dollars(raw, "no_ask_dollars", "no_ask"),
            "last": dollars(raw, "last_price_dollars", "last_price"),
            "volume": contracts(raw, "volume_fp", "volume") or 0,
            "open_interest": contracts(raw, "open_interest_fp", "open_interest") or 0,
            "settlement": dollars(raw, "settlement_value_dollars", "settlement_value"),
            "combo": bool(raw.get("mve_collection_ticker")) or raw["ticker"].startswith("KXMVE"),
            "bands": [
                (Decimal(b["start"]), Decimal(b["end"]), Decimal(b["step"]))
                for b in raw.get("price_ranges") or []
            ],
        }
        assert actual == expected, f"{source}: {raw['ticker']}"


def test_the_real_bands_touch_0_and_1_and_the_bot_reads_them() -> None:
    """What the venue sends (issue 18): every captured band runs from $0 to $1."""
    bands = {
        tuple((b["start"], b["end"], b["step"]) for b in raw["price_ranges"])
        for _, raw in market_records()
    }
    assert bands == {
        (("0.0000", "1.0000", "0.0100"),),  # linear_cent
        (("0.0000", "1.0000", "0.0010"),),  # deci_cent (combos)
    }


# ------------------------------------------------------------------------ events, series


def test_every_event_record_reads_as_its_raw_json() -> None:
    records = event_records()
    assert len(records) == 5 + 5 + 1 + 32 + 8
    for source, raw in records:
        event = wire.parse_event(fields(source, raw))
        assert (
            event.event_ticker,
            event.series_ticker,
            event.mutually_exclusive,
            len(event.markets),
        ) == (
            raw["event_ticker"],
            raw.get("series_ticker"),
            bool(raw.get("mutually_exclusive")),
            len(raw.get("markets") or []),
        ), f"{source}: {raw['event_ticker']}"


def test_an_event_answer_keeps_its_markets_beside_the_event() -> None:
    """GET /events/{ticker} (starter): `{event, markets}`, the markets outside the event."""
    body = kalshi("starter/event-KXELONMARS-99.json")
    event = wire.parse_event(wire.unwrap("GET /events/KXELONMARS-99", body, "event"))
    assert event.event_ticker == body["event"]["event_ticker"]
    page = wire.parse_page("GET /events/KXELONMARS-99", body, "markets", wire.parse_market)
    assert [m.ticker for m in page.items] == [m["ticker"] for m in body["markets"]]


def test_every_series_record_reads_as_its_raw_json() -> None:
    records = series_records()
    seen = set()
    for source, raw in records:
        series = wire.parse_series(fields(source, raw))
        assert (series.series_ticker, series.fee_type.value, series.fee_multiplier) == (
            raw["ticker"],
            raw["fee_type"],
            Decimal(str(raw["fee_multiplier"])),
        ), source
        seen.add((raw["fee_type"], Decimal(str(raw["fee_multiplier"]))))
    assert seen == {
        ("quadratic", Decimal(1)),
        ("quadratic", Decimal("0.5")),
        ("quadratic_with_maker_fees", Decimal(1)),
        ("quadratic_with_maker_fees", Decimal("0.5")),
    }


# ------------------------------------------------------------------------ books, trades


def test_every_order_book_reads_as_its_raw_json() -> None:
    for source, ticker, body in book_records():
        book = wire.parse_orderbook(f"corpus {source}", body, ticker)
        sides = body.get("orderbook_fp") or body["orderbook"]
        assert [(lv.price, lv.count) for lv in book.yes_bids] == levels(sides.get("yes_dollars"))
        assert [(lv.price, lv.count) for lv in book.no_bids] == levels(sides.get("no_dollars"))


def test_every_public_trade_reads_as_its_raw_json() -> None:
    body = kalshi("starter/trades-KXELONMARS-99.json")
    page = wire.parse_page("corpus trades", body, "trades", wire.parse_trade)
    assert [
        (t.trade_id, t.ticker, t.count, t.yes_price, t.taker_side.value) for t in page.items
    ] == [
        (
            raw["trade_id"],
            raw["ticker"],
            contracts(raw, "count_fp", "count"),
            dollars(raw, "yes_price_dollars", "yes_price"),
            raw["taker_side"],
        )
        for raw in body["trades"]
    ]


# ------------------------------------------------------------------------------ portfolio

_BOOK_SIDE = {"bid": "yes", "ask": "no"}
_LEGACY_SIDE = {
    ("yes", "buy"): "yes",
    ("no", "sell"): "yes",
    ("no", "buy"): "no",
    ("yes", "sell"): "no",
}


def _bought(raw: Raw) -> str:
    if "book_side" in raw:
        return _BOOK_SIDE[raw["book_side"]]
    return _LEGACY_SIDE[(raw["side"], raw.get("action", "buy"))]


@pytest.mark.parametrize(
    "name", ["starter/portfolio-fills.json", "cockpit/portfolio-fills-redacted.json"]
)
def test_every_fill_reads_as_its_raw_json(name: str) -> None:
    body = kalshi(name)
    page = wire.parse_page(f"corpus {name}", body, "fills", wire.parse_fill)
    assert [(f.fill_id, f.count, f.yes_price, f.fee, f.side.value) for f in page.items] == [
        (
            raw.get("fill_id") or raw["trade_id"],
            contracts(raw, "count_fp", "count"),
            dollars(raw, "yes_price_dollars", "yes_price") or Decimal(raw["yes_price_fixed"]),
            Decimal(raw.get("fee_cost") or 0),
            _bought(raw),
        )
        for raw in body["fills"]
    ]


def test_fills_are_listed_newest_first_and_share_timestamps_so_the_listing_orders_them() -> None:
    """Issue 19, point 7: the venue lists fills newest first, and one order's fills against
    several makers share a timestamp to the microsecond (three here): only the listing orders
    them, so each is numbered within its timestamp from the end of the listing."""
    body = kalshi("starter/portfolio-fills.json")
    page = wire.parse_page("corpus fills", body, "fills", wire.parse_fill)
    times = [f.created_time for f in page.items]
    assert times == sorted(times, reverse=True)
    listed = sequence_listing(page.items)
    shared = [f for f in listed if times.count(f.created_time) > 1]
    assert [f.seq for f in shared] == [2, 1, 0]
    assert sorted(listed, key=venue_order) == list(reversed(listed))


def test_a_no_bought_on_the_ask_side_keeps_its_sub_cent_fee() -> None:
    body = kalshi("cockpit/portfolio-fills-redacted.json")
    raw = next(f for f in body["fills"] if f["fee_cost"] == "0.094100")
    fill = wire.parse_fill(fields("fills", raw))
    assert (raw["book_side"], raw["outcome_side"]) == ("ask", "no")
    assert (fill.side, fill.fee, fill.yes_price) == (Side.NO, Decimal("0.0941"), Decimal("0.84"))


@pytest.mark.parametrize(
    "name", ["starter/portfolio-settlements.json", "cockpit/portfolio-settlements-redacted.json"]
)
def test_every_settlement_reads_as_its_raw_json(name: str) -> None:
    body = kalshi(name)
    page = wire.parse_page(f"corpus {name}", body, "settlements", wire.parse_settlement)
    assert [
        (s.ticker, s.market_result.value, s.yes_count, s.no_count, s.revenue, s.fee_cost, s.value)
        for s in page.items
    ] == [
        (
            raw["ticker"],
            raw["market_result"],
            contracts(raw, "yes_count_fp", "yes_count"),
            contracts(raw, "no_count_fp", "no_count"),
            dollars(raw, "revenue_dollars", "revenue"),
            Decimal(raw.get("fee_cost") or 0),
            dollars(raw, "value_dollars", "value"),
        )
        for raw in body["settlements"]
    ]


def _fees(raw: Raw) -> Decimal:
    return (dollars(raw, "taker_fees_dollars", "taker_fees") or 0) + (
        dollars(raw, "maker_fees_dollars", "maker_fees") or 0
    )


def test_every_order_reads_as_its_raw_json() -> None:
    raws = [*kalshi("starter/portfolio-orders.json")["orders"]]
    raws.append(kalshi("starter/portfolio-order.json")["order"])
    for raw in raws:
        order = wire.parse_order(fields("orders", raw))
        assert (
            order.order_id,
            order.status.value,
            order.yes_price,
            order.fill_count,
            order.remaining_count,
            order.fees,
        ) == (
            raw["order_id"],
            raw["status"],
            dollars(raw, "yes_price_dollars", "yes_price"),
            contracts(raw, "fill_count_fp", "fill_count"),
            contracts(raw, "remaining_count_fp", "remaining_count"),
            _fees(raw),
        )


def test_every_position_and_the_balance_read_as_their_raw_json() -> None:
    body = kalshi("starter/portfolio-positions.json")
    page = wire.parse_page("positions", body, "market_positions", wire.parse_position)
    assert [(p.ticker, p.position, p.market_exposure) for p in page.items] == [
        (
            raw["ticker"],
            contracts(raw, "position_fp", "position"),
            dollars(raw, "market_exposure_dollars", "market_exposure"),
        )
        for raw in body["market_positions"]
    ]
    balance = kalshi("starter/portfolio-balance.json")
    assert wire.parse_balance("balance", balance).balance == dollars(
        balance, "balance_dollars", "balance"
    )


def test_the_exchange_status_reads_as_its_raw_json() -> None:
    raw = kalshi("starter/exchange-status.json")
    status = wire.parse_exchange_status("status", raw)
    assert (status.exchange_active, status.trading_active) == (
        raw["exchange_active"],
        raw["trading_active"],
    )


# ------------------------------------------------------------------------ orders, errors

REAL_ERRORS = {
    "starter/error-403-total-resting-order-value.json": 403,
    "cockpit/error-400-invalid-status-filter.json": 400,
    "cockpit/error-409-rfq-already-exists.json": 409,
}


@pytest.mark.parametrize("name", sorted(REAL_ERRORS))
def test_every_real_error_body_reads_as_its_raw_json(name: str) -> None:
    raw_bytes = (KALSHI / name).read_bytes()
    error = json.loads(raw_bytes)["error"]
    body = parse_error_body(raw_bytes)
    assert (body.code, body.message, body.details) == (
        error["code"],
        error["message"],
        error.get("details", ""),
    )


def test_the_v1_create_and_cancel_answers_read_as_their_raw_json() -> None:
    created = kalshi("starter/create-order.json")["order"]
    ack = wire.parse_order_ack("create", {"order": created}, created["client_order_id"])
    assert (ack.order_id, ack.fill_count, ack.remaining_count) == (
        created["order_id"],
        Decimal(created["fill_count"]),
        Decimal(created["remaining_count"]),
    )
    canceled = kalshi("starter/cancel-order.json")
    order_id = canceled["order"]["order_id"]
    assert wire.parse_cancel("cancel", canceled, order_id).reduced_by == Decimal(
        canceled["reduced_by"]
    )


def test_the_hand_written_v2_answers_read_as_written() -> None:
    """Not evidence of the venue (hand-written/README): the V2 shapes as one client
    transcribed them from a capture it did not publish."""
    answers = kalshi("hand-written/create-order-v2-cockpit.json")
    for name in ("create_ioc_unfilled_201", "create_ioc_filled_201", "create_gtc_resting_201"):
        raw = answers[name]
        ack = wire.parse_order_ack(name, raw, raw["client_order_id"])
        assert (ack.order_id, ack.fill_count, ack.remaining_count, ack.average_fill_price) == (
            raw["order_id"],
            Decimal(raw["fill_count"]),
            Decimal(raw["remaining_count"]),
            dollars(raw, "average_fill_price"),
        )
    cancel = answers["cancel_200"]
    assert wire.parse_cancel("cancel", cancel, cancel["order_id"]).reduced_by == Decimal(
        cancel["reduced_by"]
    )
    assert parse_error_body(json.dumps(answers["duplicate_client_order_id_409"])).code == (
        "order_already_exists"
    )


# The order the V1 capture describes (starter/create-order.json): buy YES 2 at 30 cents.
CAPTURED = kalshi("starter/create-order.json")["order"]


def _place(client: KalshiClient) -> Any:
    return client.create_order(
        CAPTURED["ticker"],
        Side.YES,
        Decimal(CAPTURED["yes_price_dollars"]),
        Decimal(CAPTURED["initial_count"]),
        CAPTURED["client_order_id"],
    )


def test_the_executor_path_reads_the_real_create_answer(
    server: RecordingServer, client: KalshiClient
) -> None:
    server.route(
        "POST", CREATE_ORDER_PATH, Reply(201, (KALSHI / "starter/create-order.json").read_bytes())
    )
    ack = _place(client)
    assert (ack.order_id, ack.remaining_count) == (
        CAPTURED["order_id"],
        Decimal(CAPTURED["remaining_count"]),
    )


def test_a_409_duplicate_finds_the_real_order_it_names(
    server: RecordingServer, client: KalshiClient
) -> None:
    """The 409 body is the hand-written one (no real capture of it exists); the order found by
    lookup is the real captured one (in a one-page envelope written here)."""
    duplicate = kalshi("hand-written/create-order-v2-cockpit.json")["duplicate_client_order_id_409"]
    server.route("POST", CREATE_ORDER_PATH, Reply(409, duplicate))
    found = kalshi("starter/portfolio-order.json")["order"]
    server.route("GET", "/portfolio/orders", Reply(200, {"orders": [found], "cursor": ""}))
    ack = _place(client)
    assert (ack.order_id, ack.client_order_id) == (found["order_id"], found["client_order_id"])


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("cockpit/error-409-rfq-already-exists.json", VenueRefused),
        ("cockpit/error-400-invalid-status-filter.json", VenueRefused),
        ("starter/error-403-total-resting-order-value.json", AuthenticationError),
    ],
)
def test_a_real_error_body_on_create_is_a_refusal_naming_the_venue_code(
    server: RecordingServer, client: KalshiClient, name: str, error: type[Exception]
) -> None:
    """Another 409 code than `order_already_exists` is a plain refusal: no lookup is made."""
    raw = (KALSHI / name).read_bytes()
    server.route("POST", CREATE_ORDER_PATH, Reply(REAL_ERRORS[name], raw))
    with pytest.raises(error) as caught:
        _place(client)
    assert caught.value.code == json.loads(raw)["error"]["code"]  # type: ignore[attr-defined]
    assert [r.method for r in server.requests] == ["POST"]


def test_the_executor_path_reads_the_real_cancel_answer(
    server: RecordingServer, client: KalshiClient
) -> None:
    canceled = kalshi("starter/cancel-order.json")
    order_id = canceled["order"]["order_id"]
    server.route(
        "DELETE",
        f"{CREATE_ORDER_PATH}/{order_id}",
        Reply(200, (KALSHI / "starter/cancel-order.json").read_bytes()),
    )
    assert client.cancel_order(order_id).reduced_by == Decimal(canceled["reduced_by"])


# ------------------------------------------------------------------------------ coverage


def test_every_corpus_file_is_read_by_a_test_here() -> None:
    read = {source for source, _ in market_records()}
    read |= {source for source, _ in event_records()}
    read |= {source for source, _ in series_records()}
    read |= {source for source, _, _ in book_records()}
    read |= set(REAL_ERRORS)
    read |= {
        "starter/trades-KXELONMARS-99.json",
        "starter/portfolio-fills.json",
        "cockpit/portfolio-fills-redacted.json",
        "starter/portfolio-settlements.json",
        "cockpit/portfolio-settlements-redacted.json",
        "starter/portfolio-orders.json",
        "starter/portfolio-order.json",
        "starter/portfolio-positions.json",
        "starter/portfolio-balance.json",
        "starter/exchange-status.json",
        "starter/create-order.json",
        "starter/cancel-order.json",
        "hand-written/create-order-v2-cockpit.json",
    }
    assert sorted(read) == kalshi_files()
