"""Fault injection: latency, 5xx, hangs, malformed bodies, dropped order responses, bad pages."""

from __future__ import annotations

import time

import pytest
import requests

from infra.sim import SimExchange
from tests.infra.sim.helpers import order_body

ORDERS = "/portfolio/events/orders"


def test_latency(sim: SimExchange) -> None:
    sim.faults.latency = 0.2
    started = time.perf_counter()
    assert requests.get(sim.base_url + "/exchange/status").status_code == 200
    assert time.perf_counter() - started >= 0.2
    sim.faults.latency = 0.0


def test_server_errors_have_kalshi_bodies(sim: SimExchange) -> None:
    sim.faults.error_rate = 1.0
    statuses = set()
    for _ in range(12):
        response = requests.get(sim.base_url + "/markets")
        statuses.add(response.status_code)
        assert set(response.json()["error"]) == {"code", "message"}
    assert statuses == {500, 503}
    sim.faults.error_rate = 0.0
    assert requests.get(sim.base_url + "/markets").status_code == 200
    assert sim.stats.statuses[500] + sim.stats.statuses[503] == 12


def test_timeouts_hold_the_request(sim: SimExchange) -> None:
    sim.faults.update(timeout_rate=1.0, hang_seconds=5.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(sim.base_url + "/markets", timeout=0.3)
    sim.faults.timeout_rate = 0.0
    assert requests.get(sim.base_url + "/markets", timeout=5).status_code == 200


def test_malformed_json(sim: SimExchange) -> None:
    sim.faults.malformed_rate = 1.0
    response = requests.get(sim.base_url + "/markets")
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_dropped_order_response_still_places_the_order(
    sim: SimExchange, http: requests.Session
) -> None:
    ticker = sim.open_tickers()[0]
    sim.pin_book(ticker)
    sim.faults.drop_order_responses = 1
    body = order_body(
        ticker, client_order_id="ambiguous", price="0.10", time_in_force="good_till_canceled"
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(sim.base_url + ORDERS, json=body)
    assert sim.faults.drop_order_responses == 0
    orders = http.get(sim.base_url + "/portfolio/orders").json()["orders"]
    assert [o["client_order_id"] for o in orders] == ["ambiguous"]
    assert orders[0]["status"] == "resting"
    resend = http.post(sim.base_url + ORDERS, json=body)  # same id: never a second order
    assert resend.status_code == 409
    assert sim.stats.orders_created == {"ambiguous": 1}


def test_faults_can_target_one_endpoint(sim: SimExchange, http: requests.Session) -> None:
    sim.faults.update(error_rate=1.0, path_prefixes=("/portfolio/positions",))
    assert http.get(sim.base_url + "/portfolio/positions").status_code in {500, 503}
    assert http.get(sim.base_url + "/portfolio/balance").status_code == 200
    assert requests.get(sim.base_url + "/markets").status_code == 200
    sim.faults.reset()
    assert http.get(sim.base_url + "/portfolio/positions").status_code == 200


def test_truncated_pages_loop_back(sim: SimExchange) -> None:
    full = requests.get(sim.base_url + "/markets", params={"limit": 10}).json()
    sim.faults.truncate_pages = True
    first = requests.get(sim.base_url + "/markets", params={"limit": 10}).json()
    assert [m["ticker"] for m in first["markets"]] == [m["ticker"] for m in full["markets"][:5]]
    second = requests.get(
        sim.base_url + "/markets", params={"limit": 10, "cursor": first["cursor"]}
    ).json()
    # The cursor leads back: the same items again, and the same cursor (a loop to detect).
    assert second["markets"] == first["markets"]
    assert second["cursor"] == first["cursor"]
    sim.faults.truncate_pages = False
    assert (
        requests.get(
            sim.base_url + "/markets", params={"limit": 10, "cursor": full["cursor"]}
        ).status_code
        == 200
    )


def test_truncated_pages_can_end_early(sim: SimExchange, http: requests.Session) -> None:
    sim.faults.update(truncate_pages=True, truncate_mode="early_end")
    page = requests.get(sim.base_url + "/markets", params={"limit": 10}).json()
    assert len(page["markets"]) == 5
    assert page["cursor"] == ""


def test_admin_routes_drive_faults_clock_and_stats(sim: SimExchange) -> None:
    admin = sim.gamma_url + "/_sim"
    updated = requests.post(admin + "/faults", json={"error_rate": 0.5, "latency": 0})
    assert updated.status_code == 200
    assert updated.json()["error_rate"] == 0.5
    assert sim.faults.error_rate == 0.5
    assert requests.post(admin + "/faults", json={"bogus": 1}).status_code == 400
    assert requests.post(admin + "/faults", json={"reset": True}).json()["error_rate"] == 0.0
    before = requests.get(admin + "/clock").json()["ts"]
    assert requests.post(admin + "/advance", json={"seconds": 3600}).status_code == 200
    assert requests.get(admin + "/clock").json()["ts"] == before + 3600
    stats = requests.get(admin + "/stats").json()
    assert stats["requests"]["POST /_sim/faults"] == 3


def test_truncated_positions_page_is_detectable(sim: SimExchange, http: requests.Session) -> None:
    for ticker in sim.open_tickers()[:4]:
        sim.place_external_position("test-key-1", ticker, "yes", "1", "0.50")
    full = http.get(sim.base_url + "/portfolio/positions").json()
    assert len(full["market_positions"]) == 4
    assert full["cursor"] == ""
    sim.faults.update(truncate_pages=True, path_prefixes=("/portfolio/positions",))
    first = http.get(sim.base_url + "/portfolio/positions").json()
    assert len(first["market_positions"]) == 2
    again = http.get(sim.base_url + "/portfolio/positions", params={"cursor": first["cursor"]})
    assert again.json()["market_positions"] == first["market_positions"]
    assert again.json()["cursor"] == first["cursor"]
    markets = http.get(sim.base_url + "/markets").json()["markets"]
    assert len(markets) == len(sim.exchange.markets)  # not targeted
