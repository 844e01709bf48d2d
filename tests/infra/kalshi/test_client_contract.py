"""Contract tests: the exact requests the client sends, against a recording HTTP server."""

from __future__ import annotations

import base64
import random
import socket
import threading
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from loguru import logger

from domain.fees import FeeType
from domain.models import Side
from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from infra.kalshi.client import DEMO_URL, PRODUCTION_URL, KalshiClient
from infra.kalshi.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    MalformedResponse,
    TransientError,
    VenueRefused,
)
from infra.kalshi.models import TimeInForce
from infra.kalshi.ratelimit import Bucket, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from tests.infra.kalshi import payloads as p
from tests.infra.kalshi.conftest import Sleeps
from tests.infra.kalshi.keys import FIXED_MOMENT, KEY_ID, FixedClock, rsa_key
from tests.infra.kalshi.recording_server import Recorded, RecordingServer, Reply
from tests.logs import capture_logs

ORDERS = "/portfolio/events/orders"
TICKER = "KXHIGHNY-26OCT01-T60"
CONFLICT = {"error": {"code": "order_already_exists", "message": "order already exists"}}


def verify_signature(request: Recorded) -> None:
    headers = request.headers
    message = f"{headers['KALSHI-ACCESS-TIMESTAMP']}{request.method}{request.path}".encode()
    rsa_key().public_key().verify(
        base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]),
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def orders_page(*orders: dict[str, Any], cursor: str = "") -> Reply:
    return Reply(200, {"orders": list(orders), "cursor": cursor})


def buy(client: KalshiClient, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "ticker": TICKER,
        "side": Side.YES,
        "price": Decimal("0.56"),
        "count": Decimal(10),
        "client_order_id": "cid-1",
        **changes,
    }
    return client.create_order(**arguments)


EXPECTED_BODY = {
    "ticker": TICKER,
    "client_order_id": "cid-1",
    "side": "bid",
    "count": "10.00",
    "price": "0.5600",
    "time_in_force": "immediate_or_cancel",
    "self_trade_prevention_type": "taker_at_cross",
}


def test_urls():
    assert PRODUCTION_URL == "https://external-api.kalshi.com/trade-api/v2"
    assert DEMO_URL == "https://external-api.demo.kalshi.co/trade-api/v2"


# ------------------------------------------------------------------------------ headers


def test_private_get_is_signed_over_the_full_path(client: KalshiClient, server: RecordingServer):
    server.route("GET", "/portfolio/balance", Reply(200, p.BALANCE_CURRENT))
    assert client.get_balance().balance == Decimal("1234.5678")
    (request,) = server.requests
    assert request.path == "/trade-api/v2/portfolio/balance"
    assert request.headers["KALSHI-ACCESS-KEY"] == KEY_ID
    assert request.headers["KALSHI-ACCESS-TIMESTAMP"] == "1790856000123"
    verify_signature(request)
    assert "Origin" not in request.headers
    assert request.headers["User-Agent"].startswith("pm-trader/")


def test_query_string_is_not_signed(client: KalshiClient, server: RecordingServer):
    server.route("GET", "/portfolio/orders", orders_page(p.order()))
    client.get_orders(ticker=TICKER, status="resting")
    (request,) = server.requests
    assert request.query == {"ticker": [TICKER], "status": ["resting"], "limit": ["1000"]}
    verify_signature(request)  # over /trade-api/v2/portfolio/orders only


def test_public_reads_are_not_signed(client: KalshiClient, server: RecordingServer):
    server.route("GET", "/markets", Reply(200, p.markets_page([p.market()])))
    server.route("GET", "/exchange/status", Reply(200, p.EXCHANGE_STATUS))
    client.get_all_markets()
    client.get_exchange_status()
    for request in server.requests:
        assert not any(key.startswith("KALSHI-") for key in request.headers)


def test_without_credentials_private_calls_fail_before_sending(server: RecordingServer):
    client = KalshiClient(server.base_url, None, TokenBucketLimiter())
    with pytest.raises(AuthenticationError, match="KALSHI_API_KEY_ID"):
        client.get_balance()
    with pytest.raises(AuthenticationError):
        buy(client)
    assert server.requests == []
    client.close()


def test_every_request_goes_through_the_limiter(
    client: KalshiClient, server: RecordingServer, limiter: TokenBucketLimiter
):
    server.route("GET", "/portfolio/balance", Reply(200, p.BALANCE_CURRENT))
    server.route("POST", ORDERS, Reply(201, p.CREATE_ACK))
    server.route("DELETE", f"{ORDERS}/ord-1", Reply(200, p.CANCEL_ACK))
    client.get_balance()
    buy(client)
    client.cancel_order("ord-1")
    assert limiter.admitted(Bucket.READ) == 1
    assert limiter.admitted(Bucket.WRITE) == 2


def test_logs_never_carry_headers_or_signatures(client: KalshiClient, server: RecordingServer):
    server.route("GET", "/portfolio/balance", Reply(200, p.BALANCE_CURRENT))
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message}")
    try:
        client.get_balance()
    finally:
        logger.remove(sink)
    (request,) = server.requests
    text = "".join(lines)
    assert "GET /portfolio/balance -> 200" in text
    assert request.headers["KALSHI-ACCESS-SIGNATURE"] not in text
    assert "KALSHI-ACCESS" not in text


# ------------------------------------------------------------------------------ orders


def test_create_order_body_and_headers(client: KalshiClient, server: RecordingServer):
    server.route("POST", ORDERS, Reply(201, p.CREATE_ACK))
    ack = buy(client)
    assert ack.order_id == "ord-1"
    assert ack.fill_count == Decimal("10.00")
    (request,) = server.requests
    assert request.path == "/trade-api/v2/portfolio/events/orders"
    assert request.json == EXPECTED_BODY
    assert request.headers["Content-Type"] == "application/json"
    verify_signature(request)


def test_buy_no_is_sent_as_an_ask_at_the_yes_price(client: KalshiClient, server: RecordingServer):
    server.route("POST", ORDERS, Reply(201, p.CREATE_ACK))
    buy(client, side=Side.NO, price=Decimal("0.44"), time_in_force=TimeInForce.FILL_OR_KILL)
    body = server.requests[0].json
    assert (body["side"], body["price"], body["time_in_force"]) == ("ask", "0.5600", "fill_or_kill")


def test_refusal_is_raised_unchanged_without_lookup(client: KalshiClient, server: RecordingServer):
    refusal = {
        "error": {
            "code": "available_balance_too_low",
            "message": "insufficient balance",
            "details": "need 5.60",
        }
    }
    server.route("POST", ORDERS, Reply(400, refusal))
    with pytest.raises(VenueRefused) as info:
        buy(client)
    assert (info.value.status, info.value.code) == (400, "available_balance_too_low")
    assert (info.value.message, info.value.details) == ("insufficient balance", "need 5.60")
    assert [r.method for r in server.requests] == ["POST"]


def test_auth_failure_on_create_is_not_retried(client: KalshiClient, server: RecordingServer):
    server.route(
        "POST",
        ORDERS,
        Reply(
            401,
            {"error": {"code": "authentication_error", "details": "INCORRECT_API_KEY_SIGNATURE"}},
        ),
    )
    with pytest.raises(AuthenticationError, match="INCORRECT_API_KEY_SIGNATURE"):
        buy(client)
    assert len(server.requests) == 1


STALE = Reply(
    401,
    {
        "error": {
            "code": "header_timestamp_expired",
            "message": "header timestamp expired",
            "details": "TIMESTAMP_EXPIRED",
        }
    },
)


def test_a_stale_timestamp_is_signed_again_once_for_a_read_and_an_order(
    client: KalshiClient, server: RecordingServer, sleeps
):
    """A machine that stalled between signing and the venue's check is not an authentication
    failure: the refused request did nothing, so it is signed afresh and sent once more."""
    server.route("GET", "/portfolio/balance", STALE, Reply(200, p.BALANCE_CURRENT))
    server.route("POST", ORDERS, STALE, Reply(201, p.CREATE_ACK))
    assert client.get_balance().balance == Decimal("1234.5678")
    assert buy(client).order_id == "ord-1"
    assert [(r.method, r.route) for r in server.requests] == [
        ("GET", "/portfolio/balance"),
        ("GET", "/portfolio/balance"),
        ("POST", ORDERS),
        ("POST", ORDERS),
    ]
    for request in server.requests:
        verify_signature(request)
    assert sleeps.calls == []  # at once: waiting would only make the next stamp older


def test_a_second_stale_timestamp_is_the_authentication_failure(
    client: KalshiClient, server: RecordingServer
):
    server.route("GET", "/portfolio/balance", STALE, STALE, Reply(200, p.BALANCE_CURRENT))
    with pytest.raises(AuthenticationError, match="header_timestamp_expired"):
        client.get_balance()
    assert len(server.requests) == 2


def test_5xx_then_found_by_client_order_id(client: KalshiClient, server, sleeps):
    server.route("POST", ORDERS, Reply(500, {"msg": "internal"}))
    server.route("GET", "/portfolio/orders", orders_page(p.order(client_order_id="cid-1")))
    ack = buy(client)
    assert (ack.order_id, ack.client_order_id) == ("ord-1", "cid-1")
    assert ack.fill_count == Decimal("10.00")
    assert len(server.calls("POST", ORDERS)) == 1
    lookup = server.calls("GET", "/portfolio/orders")[0]
    assert lookup.param("ticker") == TICKER
    verify_signature(lookup)
    assert sleeps.calls == []  # first lookup is immediate


def test_5xx_and_never_found_is_ambiguous(client: KalshiClient, server, sleeps):
    server.route("POST", ORDERS, Reply(503, {"error": {"code": "service_unavailable"}}))
    server.route("GET", "/portfolio/orders", orders_page(p.order("other", "cid-other")))
    with pytest.raises(AmbiguousOutcome) as info:
        buy(client)
    assert info.value.client_order_id == "cid-1"
    assert info.value.ticker == TICKER
    assert "3 lookups" in str(info.value)
    assert len(server.calls("POST", ORDERS)) == 1  # never resent
    assert len(server.calls("GET", "/portfolio/orders")) == 3
    assert sleeps.calls == [0.5, 1.0]


def test_lookup_survives_transient_errors(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(502, b"<html>bad gateway</html>"))
    server.route(
        "GET",
        "/portfolio/orders",
        Reply(500, {"msg": "x"}),
        Reply(500, {"msg": "x"}),
        Reply(500, {"msg": "x"}),  # first lookup gives up after 3 read attempts
        orders_page(p.order()),
    )
    assert buy(client).order_id == "ord-1"
    assert len(server.calls("POST", ORDERS)) == 1


def test_lookup_reads_every_page(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(500))

    def pages(request: Recorded) -> Reply:
        if request.param("cursor") is None:
            return orders_page(p.order("a", "cid-a"), p.order("b", "cid-b"), cursor="c2")
        return orders_page(p.order("ord-1", "cid-1"))

    server.route("GET", "/portfolio/orders", pages)
    assert buy(client).order_id == "ord-1"
    cursors = [r.param("cursor") for r in server.calls("GET", "/portfolio/orders")]
    assert cursors == [None, "c2"]


def test_found_order_that_differs_is_ambiguous(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(500))
    server.route("GET", "/portfolio/orders", orders_page(p.order(yes_price_dollars="0.9000")))
    with pytest.raises(AmbiguousOutcome, match="differs"):
        buy(client)


def test_409_already_exists_returns_the_existing_order(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(409, CONFLICT))
    server.route("GET", "/portfolio/orders", orders_page(p.order()))
    ack = buy(client)
    assert ack.order_id == "ord-1"
    assert len(server.calls("POST", ORDERS)) == 1


def test_409_for_a_different_order_is_a_refusal(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(409, CONFLICT))
    server.route("GET", "/portfolio/orders", orders_page(p.order(initial_count_fp="3.00")))
    with pytest.raises(VenueRefused) as info:
        buy(client)
    assert (info.value.status, info.value.code) == (409, "order_already_exists")


def test_409_but_not_found_is_ambiguous(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(409, CONFLICT))
    server.route("GET", "/portfolio/orders", orders_page())
    with pytest.raises(AmbiguousOutcome, match="exists"):
        buy(client)


def test_timeout_then_found(client: KalshiClient, server):
    release = threading.Event()
    server.route("POST", ORDERS, Reply(201, p.CREATE_ACK, hang=release))
    server.route("GET", "/portfolio/orders", orders_page(p.order()))
    try:
        ack = buy(client)
    finally:
        release.set()
    assert ack.order_id == "ord-1"
    assert len(server.calls("POST", ORDERS)) == 1


def test_timeout_then_not_found_is_ambiguous(client: KalshiClient, server):
    release = threading.Event()
    server.route("POST", ORDERS, Reply(201, p.CREATE_ACK, hang=release))
    server.route("GET", "/portfolio/orders", orders_page())
    try:
        with pytest.raises(AmbiguousOutcome, match="no answer"):
            buy(client)
    finally:
        release.set()
    assert len(server.calls("POST", ORDERS)) == 1


def test_dropped_connection_after_sending_is_looked_up(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(drop=True))
    server.route("GET", "/portfolio/orders", orders_page(p.order()))
    assert buy(client).order_id == "ord-1"
    assert len(server.calls("POST", ORDERS)) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        {"order_id": "ord-1"},  # counts missing
        {**p.CREATE_ACK, "client_order_id": "someone-else"},
        {
            "error": {
                "code": "deprecated_v1_order_endpoint",
                "message": "Please switch to the V2 endpoints",
            }
        },
    ],
)
def test_unusable_success_answer_is_looked_up(client: KalshiClient, server, body: Any):
    server.route("POST", ORDERS, Reply(201, body))
    server.route("GET", "/portfolio/orders", orders_page(p.order()))
    assert buy(client).order_id == "ord-1"
    assert len(server.calls("POST", ORDERS)) == 1


def test_429_is_resent_with_the_same_client_order_id(client: KalshiClient, server, sleeps):
    server.route(
        "POST", ORDERS, Reply(429, {"error": "too many requests"}), Reply(201, p.CREATE_ACK)
    )
    assert buy(client).order_id == "ord-1"
    posts = server.calls("POST", ORDERS)
    assert [r.json for r in posts] == [EXPECTED_BODY, EXPECTED_BODY]
    assert len(sleeps.calls) == 1
    assert server.calls("GET", "/portfolio/orders") == []


def test_429_storm_gives_up_as_not_placed(client: KalshiClient, server):
    server.route("POST", ORDERS, Reply(429, {"error": "too many requests"}))
    with pytest.raises(TransientError, match="was not placed") as info:
        buy(client)
    assert not isinstance(info.value, AmbiguousOutcome)
    assert info.value.rate_limited
    assert len(server.calls("POST", ORDERS)) == 3


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_means_not_placed(limiter: TokenBucketLimiter):
    client = KalshiClient(
        f"http://127.0.0.1:{closed_port()}/trade-api/v2",
        RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT)),
        limiter,
        retry=RetryPolicy(attempts=2, base_delay=0),
        sleeper=Sleeps(),
        rng=random.Random(0),
    )
    with pytest.raises(TransientError, match="was not placed") as info:
        buy(client)
    assert not isinstance(info.value, AmbiguousOutcome)
    with pytest.raises(TransientError, match="could not connect"):
        client.get_market("X")
    client.close()


def test_cancel(client: KalshiClient, server):
    server.route("DELETE", f"{ORDERS}/ord-1", Reply(200, p.CANCEL_ACK))
    ack = client.cancel_order("ord-1")
    assert ack.reduced_by == Decimal("4.00")
    (request,) = server.requests
    assert request.path == "/trade-api/v2/portfolio/events/orders/ord-1"
    verify_signature(request)


def test_cancel_unknown_order(client: KalshiClient, server):
    server.route("DELETE", f"{ORDERS}/nope", Reply(404, {"error": {"code": "not_found"}}))
    with pytest.raises(VenueRefused) as info:
        client.cancel_order("nope")
    assert info.value.status == 404


def test_cancel_5xx_is_not_retried(client: KalshiClient, server):
    server.route("DELETE", f"{ORDERS}/ord-1", Reply(500))
    with pytest.raises(TransientError):
        client.cancel_order("ord-1")
    assert len(server.requests) == 1


# ------------------------------------------------------------------------------- reads


def test_read_retries_5xx_and_429_with_jitter(client: KalshiClient, server, sleeps):
    drains: list[Bucket] = []
    original = client.limiter.drain
    client.limiter.drain = lambda bucket: (drains.append(bucket), original(bucket))  # type: ignore[method-assign]
    server.route(
        "GET",
        "/portfolio/balance",
        Reply(500, {"msg": "boom"}),
        Reply(429, {"error": "too many requests"}),
        Reply(200, p.BALANCE_CURRENT),
    )
    assert client.get_balance().balance == Decimal("1234.5678")
    assert len(server.requests) == 3
    assert len(sleeps.calls) == 2
    assert 0 <= sleeps.calls[0] <= 0.1
    assert 0 <= sleeps.calls[1] <= 0.2
    assert drains == [Bucket.READ]


def test_read_gives_up_after_bounded_attempts(client: KalshiClient, server):
    server.route("GET", "/markets/X", Reply(503, {"error": {"code": "unavailable"}}))
    with pytest.raises(TransientError, match="gave up after 3 attempts"):
        client.get_market("X")
    assert len(server.requests) == 3


def test_read_timeout_is_retried(client: KalshiClient, server):
    release = threading.Event()
    server.route(
        "GET",
        "/markets/X",
        Reply(200, {"market": p.market("X")}, hang=release),
        Reply(200, {"market": p.market("X")}),
    )
    try:
        assert client.get_market("X").ticker == "X"
    finally:
        release.set()
    assert len(server.requests) == 2


def test_read_4xx_is_not_retried(client: KalshiClient, server):
    server.route(
        "GET",
        "/markets/NOPE",
        Reply(404, {"error": {"code": "not_found", "message": "market not found"}}),
    )
    with pytest.raises(VenueRefused, match="market not found"):
        client.get_market("NOPE")
    assert len(server.requests) == 1


def test_malformed_read_is_raised_not_retried(client: KalshiClient, server):
    server.route("GET", "/portfolio/balance", Reply(200, b"{truncated"))
    with pytest.raises(MalformedResponse, match="GET /portfolio/balance"):
        client.get_balance()
    assert len(server.requests) == 1


def test_market_paging(client: KalshiClient, server):
    def pages(request: Recorded) -> Reply:
        cursor = request.param("cursor")
        if cursor is None:
            return Reply(200, p.markets_page([p.market("A"), p.market("B")], "c1"))
        if cursor == "c1":
            return Reply(200, p.markets_page([p.market("C")], "c2"))
        return Reply(200, p.markets_page([p.market("D")], None))

    server.route("GET", "/markets", pages)
    markets = client.get_all_markets(series_ticker="KXHIGHNY", mve_filter="exclude")
    assert [m.ticker for m in markets] == ["A", "B", "C", "D"]
    first = server.requests[0]
    assert first.query == {
        "status": ["open"],
        "limit": ["1000"],
        "series_ticker": ["KXHIGHNY"],
        "mve_filter": ["exclude"],
    }
    assert [r.param("cursor") for r in server.requests] == [None, "c1", "c2"]


def test_repeated_cursor_is_a_loop(client: KalshiClient, server):
    def pages(request: Recorded) -> Reply:
        if request.param("cursor") is None:
            return Reply(200, p.markets_page([p.market("A")], "c1"))
        return Reply(200, p.markets_page([p.market(f"X{len(server.requests)}")], "c1"))

    server.route("GET", "/markets", pages)
    with pytest.raises(MalformedResponse, match="came back again") as info:
        client.get_all_markets()
    assert info.value.field == "cursor"


def test_repeated_ticker_is_refused(client: KalshiClient, server):
    server.route(
        "GET",
        "/markets",
        Reply(200, p.markets_page([p.market("A"), p.market("B")], "c1")),
        Reply(200, p.markets_page([p.market("B")], "")),
    )
    with pytest.raises(MalformedResponse, match="already listed") as info:
        client.get_all_markets()
    assert info.value.field == "markets[0]"


def test_malformed_market_is_quarantined_and_the_page_kept(client: KalshiClient, server):
    server.route(
        "GET",
        "/markets",
        Reply(200, p.markets_page([p.market("A")], "c1")),
        Reply(200, p.markets_page([p.market("B", yes_bid_dollars=0.5), p.market("C")], "")),
    )
    with capture_logs() as lines:
        markets = client.get_all_markets()
    assert [m.ticker for m in markets] == ["A", "C"]
    [warning] = [line for line in lines if "quarantined" in line]
    assert "GET /markets" in warning
    assert "B" in warning
    assert "markets[0].yes_bid_dollars" in warning


def test_malformed_second_page_envelope_returns_nothing(client: KalshiClient, server):
    server.route(
        "GET",
        "/markets",
        Reply(200, p.markets_page([p.market("A")], "c1")),
        Reply(200, {"markets": {"B": p.market("B")}, "cursor": ""}),
    )
    with pytest.raises(MalformedResponse, match=r"'markets'"):
        client.get_all_markets()


def test_iter_markets_yields_page_by_page(client: KalshiClient, server):
    server.route(
        "GET",
        "/markets",
        Reply(200, p.markets_page([p.market("A")], "c1")),
        Reply(200, p.markets_page([p.market("B")], "")),
    )
    iterator = client.iter_markets(status=None, limit=1)
    assert next(iterator).ticker == "A"
    assert len(server.requests) == 1
    assert [m.ticker for m in iterator] == ["B"]
    assert server.requests[0].query == {"limit": ["1"]}


def test_limits_are_checked():
    client = KalshiClient("http://127.0.0.1:9/trade-api/v2", None, TokenBucketLimiter())
    with pytest.raises(ValueError, match="limit"):
        client.get_all_markets(limit=1001)
    with pytest.raises(ValueError, match="limit"):
        client.get_events(limit=201)
    with pytest.raises(ValueError, match="depth"):
        client.get_orderbook("X", depth=101)


def test_portfolio_reads(client: KalshiClient, server):
    server.route(
        "GET",
        "/portfolio/positions",
        Reply(
            200, {"market_positions": [p.POSITION_CURRENT], "event_positions": [], "cursor": "n"}
        ),
        Reply(200, {"market_positions": [p.POSITION_LEGACY], "event_positions": [], "cursor": ""}),
    )
    server.route("GET", "/portfolio/fills", Reply(200, {"fills": [p.FILL_CURRENT], "cursor": ""}))
    server.route(
        "GET",
        "/portfolio/settlements",
        Reply(200, {"settlements": [p.SETTLEMENT_CURRENT, p.SETTLEMENT_LEGACY], "cursor": None}),
    )
    server.route("GET", "/portfolio/orders/ord-1", Reply(200, {"order": p.order()}))
    positions = client.get_positions()
    assert [x.position for x in positions] == [Decimal("-5.00"), Decimal(7)]
    assert client.get_fills(ticker=TICKER)[0].fill_id == "fill-1"
    assert [s.revenue for s in client.get_settlements()] == [Decimal("10.00"), Decimal("1.76")]
    assert client.get_order("ord-1").order_id == "ord-1"
    for request in server.requests:
        verify_signature(request)
    assert server.calls("GET", "/portfolio/fills")[0].query == {
        "ticker": [TICKER],
        "limit": ["1000"],
    }


def test_orderbook_events_and_market(client: KalshiClient, server):
    server.route("GET", f"/markets/{TICKER}/orderbook", Reply(200, p.ORDERBOOK_CURRENT))
    server.route(
        "GET",
        "/events",
        Reply(200, {"events": [{**p.EVENT, "markets": [p.market()]}], "cursor": ""}),
    )
    server.route("GET", "/markets/A%2FB", Reply(200, {"market": p.market("A/B")}))
    assert client.get_orderbook(TICKER, depth=5).best_yes_bid == Decimal("0.4200")
    assert server.requests[0].query == {"depth": ["5"]}
    events = client.get_events(status="open", with_nested_markets=True)
    assert events[0].markets[0].ticker == TICKER
    assert server.requests[1].query == {
        "status": ["open"],
        "with_nested_markets": ["true"],
        "limit": ["200"],
    }
    assert client.get_market("A/B").ticker == "A/B"
    assert server.requests[2].path == "/trade-api/v2/markets/A%2FB"


def test_find_order_by_client_order_id(client: KalshiClient, server):
    server.route("GET", "/portfolio/orders", orders_page(p.order("a", "x"), p.order("b", "y")))
    assert client.find_order_by_client_order_id("y", TICKER).order_id == "b"
    assert client.find_order_by_client_order_id("z", TICKER) is None


def test_duplicate_client_order_ids_are_malformed(client: KalshiClient, server):
    server.route("GET", "/portfolio/orders", orders_page(p.order("a", "x"), p.order("b", "x")))
    with pytest.raises(MalformedResponse, match="share client_order_id"):
        client.find_order_by_client_order_id("x", TICKER)


def test_retry_and_lookup_policies_validate():
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="attempts"):
        LookupPolicy(attempts=0)
    assert [LookupPolicy().delay(i) for i in range(5)] == [0.0, 0.5, 1.0, 2.0, 4.0]
    rng = random.Random(3)
    assert all(0 <= RetryPolicy().delay(10, rng) <= 8.0 for _ in range(100))


def _series(fee_type: str, multiplier: object = 1) -> Reply:
    return Reply(
        200, {"series": {"ticker": "KXHIGHNY", "fee_type": fee_type, "fee_multiplier": multiplier}}
    )


def test_fee_schedules_are_read_once_per_event_and_series(client: KalshiClient, server):
    event = {**p.EVENT, "markets": []}
    server.route("GET", "/events/KXHIGHNY-26OCT01", Reply(200, {"event": event, "markets": []}))
    server.route("GET", "/series/KXHIGHNY", _series("quadratic_with_maker_fees", 0.5))
    fees = client.get_fee_schedule("KXHIGHNY-26OCT01")
    assert (fees.fee_type, fees.multiplier) == (FeeType.QUADRATIC_WITH_MAKER_FEES, Decimal("0.5"))
    assert client.get_fee_schedule("KXHIGHNY-26OCT01") == fees
    assert len(server.requests) == 2  # cached: no second read of either


def test_an_unknown_fee_type_fails_closed_and_is_not_cached(client: KalshiClient, server):
    event = {**p.EVENT, "fee_type_override": "", "markets": []}
    server.route("GET", "/events/KXHIGHNY-26OCT01", Reply(200, {"event": event, "markets": []}))
    server.route("GET", "/series/KXHIGHNY", _series("cubic"), _series("flat", 2))
    with pytest.raises(MalformedResponse, match="cubic"):
        client.get_fee_schedule("KXHIGHNY-26OCT01")
    fees = client.get_fee_schedule("KXHIGHNY-26OCT01")  # read again, now a known type
    assert (fees.fee_type, fees.multiplier) == (FeeType.FLAT, Decimal(2))
