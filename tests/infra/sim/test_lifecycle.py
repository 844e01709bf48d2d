"""Markets open, close, are determined and finalized on the sim clock; payouts; determinism."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import requests

from domain.clock import parse_utc
from infra.sim import SimExchange
from infra.sim.engine import amendment_flips, will_dispute
from infra.sim.pricing import decides
from tests.infra.sim.helpers import START, order_body, running_sim

ORDERS = "/portfolio/events/orders"


def _market(sim: SimExchange, ticker: str) -> dict:
    return requests.get(f"{sim.base_url}/markets/{ticker}").json()["market"]


def test_lifecycle_to_settlement_credits_the_balance(
    sim: SimExchange, http: requests.Session
) -> None:
    threshold = [t for t in sim.open_tickers() if sim.exchange.markets_by_ticker[t].result_lo == 0]
    ticker = min(threshold, key=lambda t: sim.exchange.markets_by_ticker[t].close_ts)
    sim.set_true_probability(ticker, 1.0)  # the hidden draw must come out YES
    sim.pin_book(ticker, no_bids=[("0.60", "50")])
    created = http.post(sim.base_url + ORDERS, json=order_body(ticker, count="10", price="0.40"))
    assert created.json()["fill_count"] == "10.00"
    after_buy = Decimal(http.get(sim.base_url + "/portfolio/balance").json()["balance_dollars"])
    assert after_buy == Decimal("1000") - Decimal("4.00") - Decimal("0.17")  # 0.168 -> 0.17

    market = _market(sim, ticker)
    close = parse_utc(market["close_time"])
    sim.advance((close - sim.clock.now()).total_seconds() + 1)
    assert _market(sim, ticker)["status"] == "closed"
    assert http.post(sim.base_url + ORDERS, json=order_body(ticker)).status_code == 400

    sim.advance(sim.config.determination_delay_seconds)
    determined = _market(sim, ticker)
    assert (determined["status"], determined["result"]) == ("determined", "yes")
    assert http.get(sim.base_url + "/portfolio/settlements").json()["settlements"] == []

    sim.advance(determined["settlement_timer_seconds"])
    assert _market(sim, ticker)["status"] == "finalized"
    settlements = http.get(sim.base_url + "/portfolio/settlements").json()["settlements"]
    assert len(settlements) == 1
    record = settlements[0]
    assert record["ticker"] == ticker
    assert record["market_result"] == "yes"
    assert record["revenue"] == 1000  # integer cents: 10 contracts x 100
    assert record["yes_count_fp"] == "10.00"
    assert record["yes_total_cost_dollars"] == "4.0000"
    assert record["no_count_fp"] == "0.00"
    assert record["fee_cost"] == "0.1700"
    assert record["value"] == 100
    balance = Decimal(http.get(sim.base_url + "/portfolio/balance").json()["balance_dollars"])
    assert balance == after_buy + 10
    unsettled = http.get(sim.base_url + "/portfolio/positions").json()["market_positions"]
    assert unsettled == []
    settled = http.get(
        sim.base_url + "/portfolio/positions", params={"settlement_status": "settled"}
    ).json()["market_positions"]
    assert [p["ticker"] for p in settled] == [ticker]
    assert settled[0]["realized_pnl_dollars"] == "6.0000"


def test_new_markets_keep_being_listed(sim: SimExchange) -> None:
    first = set(sim.open_tickers())
    sim.advance(4 * 24 * 3600)
    now_open = sim.open_tickers()
    assert len(now_open) >= sim.config.markets
    assert set(now_open) - first
    newest = _market(sim, now_open[-1])
    assert parse_utc(newest["open_time"]) > START
    assert parse_utc(newest["close_time"]) > sim.clock.now()


def _snapshot(sim: SimExchange) -> list[tuple[str, float, str, str]]:
    return [(m.ticker, m.probability, m.close_ts, m.result) for m in sim.exchange.markets]  # type: ignore[misc]


def test_same_seed_same_run() -> None:
    with running_sim(seed=11) as one, running_sim(seed=11) as two, running_sim(seed=12) as other:
        assert _snapshot(one) == _snapshot(two)
        assert [m[0] for m in _snapshot(one)] != [m[0] for m in _snapshot(other)]
        # Different paths through time (one jump vs. many steps) reach the same results.
        one.advance(3 * 24 * 3600)
        for _ in range(72):
            two.advance(3600)
        assert _snapshot(one) == _snapshot(two)
        assert {m[3] for m in _snapshot(one)} >= {"yes", "no"}
        listing_one = requests.get(one.base_url + "/markets", params={"limit": 50}).json()
        listing_two = requests.get(two.base_url + "/markets", params={"limit": 50}).json()
        assert listing_one == listing_two
        gamma_one = requests.get(one.gamma_url + "/markets/keyset").json()
        assert gamma_one == requests.get(two.gamma_url + "/markets/keyset").json()


def test_external_position_and_forced_settlement(sim: SimExchange, http: requests.Session) -> None:
    ticker = sim.open_tickers()[5]
    order_id = sim.place_external_position("test-key-1", ticker, "no", "5", "0.30")
    balance = Decimal(http.get(sim.base_url + "/portfolio/balance").json()["balance_dollars"])
    assert balance == Decimal("998.50")
    positions = http.get(sim.base_url + "/portfolio/positions").json()["market_positions"]
    assert [(p["ticker"], p["position_fp"]) for p in positions] == [(ticker, "-5.00")]
    orders = http.get(sim.base_url + "/portfolio/orders").json()["orders"]
    assert [o["order_id"] for o in orders] == [order_id]
    assert orders[0]["outcome_side"] == "no"
    sim.settle(ticker, "no")
    record = http.get(sim.base_url + "/portfolio/settlements").json()["settlements"][0]
    assert (record["market_result"], record["revenue"], record["no_count_fp"]) == (
        "no",
        500,
        "5.00",
    )
    balance = Decimal(http.get(sim.base_url + "/portfolio/balance").json()["balance_dollars"])
    assert balance == Decimal("1003.50")
    assert _market(sim, ticker)["status"] == "finalized"
    settled_time = parse_utc(record["settled_time"])
    assert settled_time - START < timedelta(seconds=1)


def test_a_disputed_result_is_amended_before_it_is_paid(
    rsa_key: object, http: requests.Session
) -> None:
    """determined -> disputed -> amended -> finalized (A7): no settlement record while the
    result may still change, and the payout follows the amended result."""
    with running_sim(rsa_key, markets=200) as sim:
        ex = sim.exchange
        flipped = [t for t in sim.open_tickers() if amendment_flips(ex.markets_by_ticker[t])]
        ticker = min(flipped, key=lambda t: ex.markets_by_ticker[t].close_ts)
        market = ex.markets_by_ticker[ticker]
        assert will_dispute(market)
        # The first determination reads where the path ended; the resolution source read the
        # other side of a bound (a close call), and that is what pays.
        assert market.path is not None
        first = "yes" if decides(market.interval, market.path.final) else "no"
        paid = "no" if first == "yes" else "yes"
        assert sim.true_probability(ticker) not in {0.0, 1.0}  # a close call is uncertain
        sim.pin_book(ticker, no_bids=[("0.60", "50")])
        created = http.post(
            sim.base_url + ORDERS, json=order_body(ticker, count="10", price="0.40")
        )
        assert created.json()["fill_count"] == "10.00"
        close = parse_utc(_market(sim, ticker)["close_time"])
        sim.advance(
            (close - sim.clock.now()).total_seconds() + sim.config.determination_delay_seconds
        )
        determined = _market(sim, ticker)
        assert (determined["status"], determined["result"]) == ("determined", first)
        assert sim.true_probability(ticker) == (1.0 if paid == "yes" else 0.0)
        timer = determined["settlement_timer_seconds"]
        sim.advance(timer)
        assert _market(sim, ticker)["status"] == "disputed"
        closed = requests.get(sim.base_url + "/markets", params={"status": "closed"}).json()
        assert ticker in {m["ticker"] for m in closed["markets"]}
        sim.advance(timer)
        amended = _market(sim, ticker)
        assert (amended["status"], amended["result"]) == ("amended", paid)
        assert http.get(sim.base_url + "/portfolio/settlements").json()["settlements"] == []
        sim.advance(timer)
        assert _market(sim, ticker)["status"] == "finalized"
        (record,) = http.get(sim.base_url + "/portfolio/settlements").json()["settlements"]
        assert (record["market_result"], record["revenue"]) == (paid, 1000 if paid == "yes" else 0)


def test_an_inactive_market_is_listed_open_but_takes_no_order_until_it_trades(
    rsa_key: object, http: requests.Session
) -> None:
    with running_sim(rsa_key, markets=200) as sim:
        listed = requests.get(sim.base_url + "/markets", params={"status": "open", "limit": 1000})
        inactive = [m for m in listed.json()["markets"] if m["status"] == "inactive"]
        assert inactive
        ticker = inactive[0]["ticker"]
        book = requests.get(f"{sim.base_url}/markets/{ticker}/orderbook").json()["orderbook_fp"]
        assert book == {"yes_dollars": [], "no_dollars": []}
        refused = http.post(sim.base_url + ORDERS, json=order_body(ticker))
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "market_inactive"
        sim.advance(3 * 3600)  # INACTIVE_HOURS at most
        assert _market(sim, ticker)["status"] == "active"
        assert http.post(sim.base_url + ORDERS, json=order_body(ticker)).status_code == 201
