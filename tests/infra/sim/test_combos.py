"""Combo (multivariate) markets in the simulator's catalogue, as Kalshi lists them (combos.py)."""

from __future__ import annotations

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.sim import SimExchange
from infra.sim.combos import COMBO_COLLECTION, COMBO_SERIES
from tests.infra.sim.helpers import ORDERS, order_body, running_sim


def _markets(sim: SimExchange, **params: str) -> list[dict]:
    params = {"limit": "1000", **params}
    return requests.get(sim.base_url + "/markets", params=params).json()["markets"]


def test_combos_are_listed_marked_filtered_and_not_traded(
    rsa_key: rsa.RSAPrivateKey, http: requests.Session
) -> None:
    with running_sim(rsa_key, markets=200) as sim:
        everything = _markets(sim, status="open")
        combos = _markets(sim, status="open", mve_filter="only")
        plain = _markets(sim, status="open", mve_filter="exclude")
        assert combos
        assert {m["ticker"] for m in combos} | {m["ticker"] for m in plain} == {
            m["ticker"] for m in everything
        }
        combo = combos[0]
        assert combo["ticker"].startswith("KXMVE")
        assert combo["mve_collection_ticker"] == COMBO_COLLECTION
        legs = combo["mve_selected_legs"]
        assert len(legs) == 2
        assert len({leg["event_ticker"] for leg in legs}) == 2
        assert all("mve_collection_ticker" not in m for m in plain)
        # No resting liquidity (part C gotcha 7), and a limit order is refused.
        assert (combo["yes_bid_dollars"], combo["yes_ask_dollars"]) == ("0.0000", "1.0000")
        refused = http.post(sim.base_url + ORDERS, json=order_body(combo["ticker"]))
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_price")
        # GET /events leaves multivariate events out (A5.6); the series charges combo fees.
        events = requests.get(sim.base_url + "/events", params={"limit": "200"}).json()
        assert combo["event_ticker"] not in {e["event_ticker"] for e in events["events"]}
        series = requests.get(f"{sim.base_url}/series/{COMBO_SERIES}").json()["series"]
        assert series["fee_type"] == "quadratic_with_combo_maker_fees"


def test_a_combo_resolves_yes_only_when_every_leg_does(rsa_key: rsa.RSAPrivateKey) -> None:
    with running_sim(rsa_key, markets=200) as sim:
        ex = sim.exchange
        combos = [m for m in ex.markets if m.is_combo]
        first, second = combos[0], combos[1]
        for ticker in first.legs:
            sim.set_true_probability(ticker, 1.0)
        sim.set_true_probability(second.legs[0], 1.0)
        sim.set_true_probability(second.legs[1], 0.0)
        sim.advance(11 * 24 * 3600)  # past every close, determination and finalization
        assert [m.status.value for m in (first, second)] == ["finalized", "finalized"]
        assert (first.result, second.result) == ("yes", "no")
