"""Public market data: listing and paging, filters, the market shape, orderbooks, events."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import requests

from infra.sim import SimConfig, SimExchange
from tests.infra.sim.helpers import START, running_sim

DOLLARS = re.compile(r"^\d+\.\d{4}$")
COUNT = re.compile(r"^-?\d+\.\d{2}$")


def _page_all(http: requests.Session, url: str, **params: object) -> list[dict]:
    items: list[dict] = []
    cursor = ""
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = http.get(url, params=query).json()
        items.extend(body["markets"])
        cursor = body["cursor"]
        if not cursor:
            return items


def test_paging_10000_markets_loses_and_repeats_nothing() -> None:
    with running_sim(markets=10_000) as sim, requests.Session() as http:
        expected = len(sim.exchange.markets)
        assert expected >= 10_000
        markets = _page_all(http, sim.base_url + "/markets", limit=1000)
        tickers = [m["ticker"] for m in markets]
        assert len(tickers) == expected
        assert len(set(tickers)) == expected
        assert len(http.get(sim.base_url + "/markets").json()["markets"]) == 100  # default
        small = _page_all(http, sim.base_url + "/markets", limit=347, status="open")
        active = [m for m in small if m["status"] == "active"]
        assert len({m["ticker"] for m in small}) == len(small)
        assert len(active) == len(sim.open_tickers())
        # A5.2: the open selector lists inactive markets too (not trading, no quotes).
        inactive = [m for m in small if m["status"] == "inactive"]
        assert inactive
        assert len(active) + len(inactive) == len(small)
        assert all(m["yes_bid_dollars"] == "0.0000" for m in inactive)


def test_market_shape_uses_dollar_strings_and_fixed_point_counts(sim: SimExchange) -> None:
    ticker = sim.open_tickers()[0]
    market = requests.get(f"{sim.base_url}/markets/{ticker}").json()["market"]
    for field in (
        "yes_bid_dollars",
        "yes_ask_dollars",
        "no_bid_dollars",
        "no_ask_dollars",
        "last_price_dollars",
        "previous_yes_bid_dollars",
        "previous_yes_ask_dollars",
        "previous_price_dollars",
        "notional_value_dollars",
    ):
        assert DOLLARS.match(market[field]), field
    for field in ("yes_bid_size_fp", "yes_ask_size_fp", "volume_fp", "volume_24h_fp"):
        assert COUNT.match(market[field]), field
    assert market["status"] == "active"
    assert market["market_type"] == "binary"
    assert market["result"] == ""
    assert market["notional_value_dollars"] == "1.0000"
    assert market["price_level_structure"] == "linear_cent"
    assert market["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}]
    assert re.match(r"^KX[A-Z]+-\d\d[A-Z]{3}\d\d", market["ticker"])
    assert market["close_time"].endswith("Z")
    yes_bid, yes_ask = Decimal(market["yes_bid_dollars"]), Decimal(market["yes_ask_dollars"])
    assert Decimal("0.01") <= yes_bid < yes_ask <= Decimal("0.99")
    assert Decimal(market["no_bid_dollars"]) == 1 - yes_ask
    for legacy in ("yes_bid", "yes_ask", "last_price", "volume", "tick_size"):
        assert legacy not in market


def test_orderbook_is_bids_only_ascending_best_last(sim: SimExchange) -> None:
    ticker = sim.open_tickers()[1]
    book = requests.get(f"{sim.base_url}/markets/{ticker}/orderbook").json()
    assert set(book) == {"orderbook_fp"}
    levels = book["orderbook_fp"]
    assert set(levels) == {"yes_dollars", "no_dollars"}
    for side in levels.values():
        prices = [Decimal(price) for price, _ in side]
        assert prices == sorted(prices)
        assert all(isinstance(p, str) and DOLLARS.match(p) for p, _ in side)
        assert all(COUNT.match(size) for _, size in side)
    market = requests.get(f"{sim.base_url}/markets/{ticker}").json()["market"]
    assert levels["yes_dollars"][-1][0] == market["yes_bid_dollars"]
    best_no = Decimal(levels["no_dollars"][-1][0])
    assert Decimal(market["yes_ask_dollars"]) == 1 - best_no
    shallow = requests.get(f"{sim.base_url}/markets/{ticker}/orderbook", params={"depth": 1})
    assert shallow.json()["orderbook_fp"]["yes_dollars"] == levels["yes_dollars"][-1:]


def test_limits_filters_and_unknowns(sim: SimExchange) -> None:
    url = sim.base_url + "/markets"
    for bad in ("1001", "-1", "abc"):
        response = requests.get(url, params={"limit": bad})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_parameters"
    assert requests.get(url, params={"status": "open,closed"}).status_code == 400
    assert requests.get(url, params={"status": "open", "min_close_ts": 1}).status_code == 400
    assert requests.get(url, params={"cursor": "garbage!"}).status_code == 400
    missing = requests.get(f"{url}/KXNOPE-26NOV24-T1")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "market_not_found"
    for unserved in ("/no/such/route", "/markets/candlesticks", "/events/multivariate"):
        response = requests.get(sim.base_url + unserved)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_implemented_in_simulator"
    settled = requests.get(url, params={"status": "settled"}).json()["markets"]
    assert settled
    assert {m["status"] for m in settled} == {"finalized"}
    assert all(m["result"] in {"yes", "no"} for m in settled)


def test_events_series_and_filters(sim: SimExchange) -> None:
    events = requests.get(
        sim.base_url + "/events", params={"with_nested_markets": "true", "status": "open"}
    ).json()
    assert events["events"]
    event = events["events"][0]
    assert event["markets"]
    assert all(m["event_ticker"] == event["event_ticker"] for m in event["markets"])
    one = requests.get(f"{sim.base_url}/events/{event['event_ticker']}").json()
    assert one["event"]["event_ticker"] == event["event_ticker"]
    assert [m["ticker"] for m in one["markets"]] == [m["ticker"] for m in event["markets"]]
    series = requests.get(f"{sim.base_url}/series/{event['series_ticker']}").json()["series"]
    assert series["ticker"] == event["series_ticker"]
    by_event = requests.get(
        sim.base_url + "/markets", params={"event_ticker": event["event_ticker"]}
    ).json()["markets"]
    assert {m["ticker"] for m in by_event} == {m["ticker"] for m in event["markets"]}
    tickers = ",".join(m["ticker"] for m in by_event[:2])
    listed = requests.get(sim.base_url + "/markets", params={"tickers": tickers}).json()
    assert len(listed["markets"]) == min(2, len(by_event))
    assert requests.get(sim.base_url + "/events", params={"limit": 201}).status_code == 400


@pytest.mark.parametrize("limit", [1, 7])
def test_event_paging_is_complete(sim: SimExchange, limit: int) -> None:
    seen: list[str] = []
    cursor = ""
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = requests.get(sim.base_url + "/events", params=params).json()
        seen.extend(e["event_ticker"] for e in body["events"])
        cursor = body["cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == len(sim.exchange.events)


def test_at_time_scale_one_without_a_start_time_the_sim_clock_is_the_wall_clock() -> None:
    wall = [1_790_000_000.25]
    sim = SimExchange(SimConfig(seed=7, markets=5, time_scale=1.0, auth_clock=lambda: wall[0]))
    assert sim.start_time.timestamp() == 1_790_000_000.25  # not floored to the minute
    wall[0] = 1_790_000_042.5
    assert sim.clock.timestamp() == 1_790_000_042.5
    pinned = SimExchange(SimConfig(seed=7, markets=5, time_scale=1.0, start_time=START))
    assert pinned.start_time == START
