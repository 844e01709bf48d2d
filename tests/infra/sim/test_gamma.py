"""The Polymarket Gamma catalogue: keyset paging, JSON-encoded fields, linked twins."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import requests

from domain.clock import parse_utc
from infra.sim import SimExchange


def _all(sim: SimExchange, **params: object) -> list[dict]:
    markets: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"after_cursor": cursor} if cursor else {})}
        body = requests.get(sim.gamma_url + "/markets/keyset", params=query).json()
        assert set(body) == {"markets", "next_cursor"}
        markets.extend(body["markets"])
        cursor = body["next_cursor"]
        if cursor is None:
            return markets


def test_keyset_paging_is_complete_and_cursor_param_is_ignored(sim: SimExchange) -> None:
    everything = _all(sim, limit=7)
    ids = [m["id"] for m in everything]
    assert len(ids) == len(set(ids)) == len(sim.exchange.gamma.markets)
    assert all(i.isdigit() for i in ids)
    first = requests.get(sim.gamma_url + "/markets/keyset", params={"limit": 7}).json()
    wrong = requests.get(
        sim.gamma_url + "/markets/keyset", params={"limit": 7, "cursor": first["next_cursor"]}
    ).json()
    assert wrong["markets"] == first["markets"]  # `cursor=` is not Gamma's parameter
    open_only = _all(sim, closed="false")
    assert open_only
    assert not any(m["closed"] for m in open_only)


def test_market_fields_are_raw_camel_case_with_json_encoded_strings(sim: SimExchange) -> None:
    markets = _all(sim, closed="false")
    for market in markets:
        outcomes = json.loads(market["outcomes"])
        prices = json.loads(market["outcomePrices"])
        tokens = json.loads(market["clobTokenIds"])
        assert len(outcomes) == len(prices) == len(tokens)
        assert all(isinstance(p, str) for p in prices)
        assert sum(Decimal(p) for p in prices) == 1
        assert all(t.isdigit() for t in tokens)
        assert re.fullmatch(r"0x[0-9a-f]{64}", market["conditionId"])
        assert isinstance(market["volume"], str)
        assert isinstance(market["volumeNum"], float)
        assert isinstance(market["bestBid"], float)
        assert market["endDate"].endswith("Z")
        assert market["events"][0].keys() >= {"id", "slug", "title", "ticker"}
    assert any(json.loads(m["outcomes"]) == ["Yes", "No"] for m in markets)
    assert any(len(json.loads(m["outcomes"])) == 3 for m in markets)


def test_linked_markets_mirror_kalshi(sim: SimExchange) -> None:
    linked = [m for m in sim.exchange.gamma.markets if m.linked_ticker]
    unrelated = [m for m in sim.exchange.gamma.markets if not m.linked_ticker]
    assert linked
    assert unrelated
    for twin in linked:
        kalshi = requests.get(f"{sim.base_url}/markets/{twin.linked_ticker}").json()["market"]
        gamma = requests.get(f"{sim.gamma_url}/markets/{twin.id}").json()
        gap = abs(parse_utc(gamma["endDate"]) - parse_utc(kalshi["close_time"]))
        if kalshi["status"] == "active":
            assert gap <= timedelta(days=1)
            yes = Decimal(json.loads(gamma["outcomePrices"])[0])
            truth = Decimal(repr(sim.true_probability(twin.linked_ticker)))
            assert abs(yes - truth) < Decimal("0.2")
        words = set(re.findall(r"[a-z]+", gamma["question"].lower()))
        assert words & set(re.findall(r"[a-z]+", kalshi["title"].lower())) - {"the", "on", "be"}
