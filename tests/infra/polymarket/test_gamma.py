from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from loguru import logger

from infra.kalshi.backoff import RetryPolicy
from infra.kalshi.errors import MalformedResponse, TransientError
from infra.polymarket import GammaClient, parse_gamma_market, parse_gamma_page
from infra.polymarket.gamma import gamma_params
from infra.polymarket.wire import EntryError, NotBinary
from tests.infra.kalshi.recording_server import Recorded, RecordingServer, Reply

EP = "GET /markets/keyset"


def gamma_market(market_id: str = "253591", **changes: Any) -> dict[str, Any]:
    """A keyset entry shaped like the reference (B3.2): JSON-encoded string fields."""
    base: dict[str, Any] = {
        "id": market_id,
        "question": "Will Bitcoin hit $100k by December 31, 2026?",
        "conditionId": "0x" + "ab" * 32,
        "questionID": "0x" + "cd" * 32,
        "slug": f"bitcoin-100k-{market_id}",
        "outcomes": '["Yes", "No"]',
        "outcomePrices": '["0.65", "0.35"]',
        "clobTokenIds": '["1111", "2222"]',
        "volume": "123456.78",
        "volumeNum": 123456.78,
        "liquidity": "5000.5",
        "liquidityNum": 5000.5,
        "bestBid": 0.64,
        "bestAsk": 0.66,
        "endDate": "2026-12-31T12:00:00Z",
        "active": True,
        "closed": False,
        "enableOrderBook": True,
        "acceptingOrders": True,
        "events": [{"id": "1", "slug": "bitcoin-2026", "title": "Bitcoin in 2026"}],
    }
    base.update(changes)
    return base


def decoded(entry: dict[str, Any]) -> Any:
    """As the transport decodes it: JSON numbers with fractions become Decimal."""
    return json.loads(json.dumps(entry), parse_float=Decimal)


# ------------------------------------------------------------------------------- wire


def test_binary_market():
    market = parse_gamma_market(decoded(gamma_market()))
    assert market.id == "253591"
    assert market.yes_price == Decimal("0.65")
    assert market.no_price == Decimal("0.35")
    assert (market.yes_token_id, market.no_token_id) == ("1111", "2222")
    assert market.volume == Decimal("123456.78")
    assert market.best_bid == Decimal("0.64")
    assert market.end_date == datetime(2026, 12, 31, 12, tzinfo=UTC)
    assert market.event_titles == ("Bitcoin in 2026",)
    assert market.active
    assert not market.closed


def test_outcome_order_comes_from_outcomes():
    market = parse_gamma_market(
        decoded(gamma_market(outcomes='["No", "Yes"]', clobTokenIds='["n", "y"]'))
    )
    assert market.yes_price == Decimal("0.35")
    assert market.no_price == Decimal("0.65")
    assert (market.yes_token_id, market.no_token_id) == ("y", "n")


def test_already_decoded_lists_and_numeric_prices_are_accepted():
    entry = gamma_market(outcomes=["Yes", "No"], outcomePrices="[0.2, 0.8]", id=12)
    market = parse_gamma_market(decoded(entry))
    assert market.id == "12"
    assert market.yes_price == Decimal("0.2")


@pytest.mark.parametrize(
    "outcomes", ['["Trump", "Harris"]', '["Yes", "No", "Maybe"]', '["Yes"]', '["Yes", "Yes"]']
)
def test_non_binary_markets(outcomes: str):
    with pytest.raises(NotBinary):
        parse_gamma_market(decoded(gamma_market(outcomes=outcomes)))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": None}, "id"),
        ({"question": None}, "question"),
        ({"outcomes": "[Yes, No"}, "outcomes"),
        ({"outcomes": None}, "outcomes"),
        ({"outcomePrices": None}, "outcomePrices"),
        ({"outcomePrices": '["0.65"]'}, "outcomePrices"),
        ({"outcomePrices": '["abc", "0.35"]'}, "outcomePrices[0]"),
        ({"outcomePrices": '["1.5", "-0.5"]'}, "outcomePrices[0]"),
        ({"clobTokenIds": '["1"]'}, "clobTokenIds"),
        ({"endDate": "soon"}, "endDate"),
        ({"active": "yes"}, "active"),
        ({"volume": "lots"}, "volume"),
        ({"events": "x"}, "events"),
    ],
)
def test_malformed_entries(changes: dict[str, Any], field: str):
    with pytest.raises(EntryError) as info:
        parse_gamma_market(decoded(gamma_market(**changes)))
    assert info.value.field == field


def test_page_skips_malformed_entries_with_reasons():
    payload = decoded(
        {
            "markets": [
                gamma_market("1"),
                gamma_market("2", outcomePrices="oops"),
                gamma_market("3", outcomes='["A", "B", "C"]'),
            ],
            "next_cursor": "abc",
        }
    )
    page = parse_gamma_page(EP, payload)
    assert [m.id for m in page.markets] == ["1"]
    assert [(s.market_id, s.field) for s in page.skipped] == [("2", "outcomePrices")]
    assert page.non_binary == 1
    assert page.next_cursor == "abc"
    assert page.raw_ids == ("1", "2", "3")


def test_strict_page_refuses_malformed_entries():
    payload = decoded({"markets": [gamma_market("1"), gamma_market("2", outcomePrices="oops")]})
    with pytest.raises(MalformedResponse) as info:
        parse_gamma_page(EP, payload, strict=True)
    assert info.value.field == "markets[1].outcomePrices"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([gamma_market()], "<body>"),
        ({"next_cursor": None}, "markets"),
        ({"markets": {"a": 1}}, "markets"),
        ({"markets": [], "next_cursor": 5}, "next_cursor"),
    ],
)
def test_malformed_envelopes(payload: Any, field: str):
    with pytest.raises(MalformedResponse) as info:
        parse_gamma_page(EP, payload)
    assert info.value.field == field


@pytest.mark.parametrize("cursor", [None, "", "absent"])
def test_end_of_listing(cursor: str | None):
    payload: dict[str, Any] = {"markets": []}
    if cursor != "absent":
        payload["next_cursor"] = cursor
    assert parse_gamma_page(EP, payload).next_cursor is None


def test_gamma_params():
    assert gamma_params({"closed": False, "id": ["1", "2"], "x": None, "limit": 100}) == {
        "closed": "false",
        "id": ["1", "2"],
        "limit": "100",
    }


# ----------------------------------------------------------------------------- client


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    recording = RecordingServer(prefix="").start()
    yield recording
    recording.stop()


@pytest.fixture
def gamma(server: RecordingServer) -> Iterator[GammaClient]:
    client = GammaClient(
        server.root_url,
        timeout=(2.0, 1.0),
        retry=RetryPolicy(attempts=3, base_delay=0),
        sleeper=lambda _seconds: None,
        rng=random.Random(0),
    )
    yield client
    client.close()


def test_keyset_paging_uses_after_cursor(gamma: GammaClient, server: RecordingServer):
    def pages(request: Recorded) -> Reply:
        cursor = request.param("after_cursor")
        if cursor is None:
            return Reply(
                200, {"markets": [gamma_market("1"), gamma_market("2")], "next_cursor": "k1"}
            )
        if cursor == "k1":
            return Reply(200, {"markets": [gamma_market("3")], "next_cursor": "k2"})
        return Reply(200, {"markets": [gamma_market("4")], "next_cursor": None})

    server.route("GET", "/markets/keyset", pages)
    markets = gamma.get_all_markets(tag_id=[5, 6])
    assert [m.id for m in markets] == ["1", "2", "3", "4"]
    first = server.requests[0]
    assert first.path == "/markets/keyset"
    assert first.query == {"closed": ["false"], "limit": ["100"], "tag_id": ["5", "6"]}
    assert all("cursor" not in r.query for r in server.requests)
    assert [r.param("after_cursor") for r in server.requests] == [None, "k1", "k2"]


def test_repeated_cursor_or_id_is_refused(gamma: GammaClient, server: RecordingServer):
    server.route(
        "GET",
        "/markets/keyset",
        Reply(200, {"markets": [gamma_market("1")], "next_cursor": "k1"}),
        Reply(200, {"markets": [gamma_market("2")], "next_cursor": "k1"}),
    )
    with pytest.raises(MalformedResponse, match="came back again"):
        gamma.get_all_markets()
    server.route(
        "GET",
        "/markets/keyset",
        Reply(200, {"markets": [gamma_market("1")], "next_cursor": "k1"}),
        Reply(200, {"markets": [gamma_market("1")], "next_cursor": None}),
    )
    with pytest.raises(MalformedResponse, match="already listed"):
        gamma.get_all_markets()


def test_skipped_entries_are_logged_and_kept(gamma: GammaClient, server: RecordingServer):
    server.route(
        "GET",
        "/markets/keyset",
        Reply(200, {"markets": [gamma_market("1"), gamma_market("2", outcomes="{")]}),
    )
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}")
    try:
        assert [m.id for m in gamma.get_all_markets()] == ["1"]
    finally:
        logger.remove(sink)
    assert [s.market_id for s in gamma.skipped] == ["2"]
    assert "gamma GET /markets/keyset: market 2 quarantined: field outcomes" in "".join(lines)


def test_malformed_page_is_not_half_used(gamma: GammaClient, server: RecordingServer):
    server.route(
        "GET",
        "/markets/keyset",
        Reply(200, {"markets": [gamma_market("1")], "next_cursor": "k1"}),
        Reply(200, b"<html>oops</html>"),
    )
    with pytest.raises(MalformedResponse, match="not JSON"):
        gamma.get_all_markets()


def test_reads_retry_then_give_up(gamma: GammaClient, server: RecordingServer):
    server.route(
        "GET",
        "/markets/keyset",
        Reply(502, b"bad gateway"),
        Reply(429, {"error": "rate limited"}),
        Reply(200, {"markets": [gamma_market("1")]}),
    )
    assert len(gamma.get_all_markets()) == 1
    server.route("GET", "/markets/keyset", Reply(500, {"error": "down"}))
    with pytest.raises(TransientError, match="gave up"):
        gamma.get_all_markets()


def test_limit_is_checked(gamma: GammaClient):
    with pytest.raises(ValueError, match="limit"):
        gamma.get_all_markets(limit=101)
