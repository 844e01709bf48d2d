"""Order entry on the V2 endpoint: shapes, fees, balances, positions and time in force."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.sim import SimExchange
from tests.infra.sim.helpers import ORDERS, Api, KalshiAuth, order_body, public_pem, running_sim


@pytest.fixture
def api(sim: SimExchange, http: requests.Session) -> Api:
    return Api(sim, http)


@pytest.fixture
def ticker(sim: SimExchange) -> str:
    return sim.open_tickers()[3]


def test_create_order_fills_across_levels_with_exact_fees(
    sim: SimExchange, api: Api, ticker: str
) -> None:
    # YES asks at 0.45 x 10 and 0.46 x 20 (NO bids at 0.55 and 0.54).
    sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10"), ("0.54", "20")])
    response = api.order(ticker, client_order_id="fee-case", count="15", price="0.4600")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "order_id",
        "client_order_id",
        "fill_count",
        "remaining_count",
        "average_fill_price",
        "average_fee_paid",
        "ts_ms",
    }
    assert body["client_order_id"] == "fee-case"
    assert body["fill_count"] == "15.00"
    assert body["remaining_count"] == "0.00"
    # 10 @ 0.45: 0.07*10*0.45*0.55 = 0.17325 -> 0.18; 5 @ 0.46: 0.07*5*0.46*0.54 = 0.08694 -> 0.09
    assert body["average_fill_price"] == "0.4533"  # 6.80 / 15
    assert body["average_fee_paid"] == "0.0180"  # 0.27 / 15
    assert isinstance(body["ts_ms"], int)
    balance = api.get("/portfolio/balance")
    assert balance["balance_dollars"] == "992.9300"  # 1000 - 6.80 - 0.27
    assert balance["balance"] == 99293
    position = api.position(ticker)
    assert position["position_fp"] == "15.00"
    assert position["market_exposure_dollars"] == "6.8000"
    assert position["fees_paid_dollars"] == "0.2700"
    assert position["total_traded_dollars"] == "6.8000"
    fills = api.get("/portfolio/fills", order_id=body["order_id"])["fills"]
    assert sorted((f["yes_price_dollars"], f["count_fp"], f["fee_cost"]) for f in fills) == [
        ("0.4500", "10.00", "0.1800"),
        ("0.4600", "5.00", "0.0900"),
    ]
    assert all(f["is_taker"] and f["outcome_side"] == "yes" for f in fills)
    order = api.get(f"/portfolio/orders/{body['order_id']}")["order"]
    assert order["status"] == "executed"
    assert order["book_side"] == "bid"
    assert order["taker_fill_cost_dollars"] == "6.8000"
    assert order["taker_fees_dollars"] == "0.2700"
    assert order["initial_count_fp"] == "15.00"
    book = api.get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
    assert book["no_dollars"] == [["0.5400", "15.00"]]


def test_buying_no_against_yes_nets_the_position(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, yes_bids=[("0.60", "20")], no_bids=[("0.35", "20")])
    assert api.order(ticker, count="10", price="0.65").json()["fill_count"] == "10.00"
    sold = api.order(ticker, side="ask", count="4", price="0.60")  # buy NO at 0.40
    assert sold.json()["fill_count"] == "4.00"
    assert sold.json()["average_fill_price"] == "0.6000"  # YES-side price
    # Fees: 0.07*10*0.65*0.35 = 0.15925 -> 0.16; 0.07*4*0.60*0.40 = 0.0672 -> 0.07.
    # Cash: -6.50 - 0.16 - 1.60 - 0.07 + 4 pairs x $1 = -4.33.
    assert api.balance() == Decimal("995.67")
    position = api.position(ticker)
    assert position["position_fp"] == "6.00"
    assert position["market_exposure_dollars"] == "3.9000"
    assert position["realized_pnl_dollars"] == "-0.2000"  # sold 4 at 0.60 that cost 0.65
    assert position["fees_paid_dollars"] == "0.2300"
    fill = api.get("/portfolio/fills", limit=1)["fills"][0]  # newest first
    assert (fill["outcome_side"], fill["book_side"], fill["no_price_dollars"]) == (
        "no",
        "ask",
        "0.4000",
    )


def test_duplicate_client_order_id_is_409(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, no_bids=[("0.50", "100")])
    assert api.order(ticker, client_order_id="same", count="1").status_code == 201
    again = api.order(ticker, client_order_id="same", count="1")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order_already_exists"
    assert sim.stats.orders_created["same"] == 1
    assert sim.stats.order_attempts["same"] == 2
    assert len(api.get("/portfolio/orders")["orders"]) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"price": "0.005"}, "invalid_price"),
        ({"price": "0.00"}, "invalid_price"),
        ({"price": "1.00"}, "invalid_price"),
        ({"price": "0.555"}, "invalid_price"),
        ({"price": 0.5}, "invalid_price"),
        ({"price": "fifty"}, "invalid_price"),
        ({"count": "0"}, "invalid_order_size"),
        ({"count": "-5"}, "invalid_order_size"),
        ({"count": "1.234"}, "invalid_order_size"),
        ({"count": 10}, "invalid_order_size"),
        ({"side": "yes"}, "invalid_order"),
        ({"time_in_force": "good_till_time"}, "invalid_order"),
        ({"self_trade_prevention_type": None}, "invalid_order"),
        ({"ticker": ""}, "invalid_order"),
        ({"time_in_force": "immediate_or_cancel", "expiration_time": 1}, "invalid_order"),
    ],
)
def test_bad_fields_are_400(api: Api, ticker: str, fields: dict[str, Any], code: str) -> None:
    fields = dict(fields)
    response = api.order(fields.pop("ticker", ticker), **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error) == {"code", "message", "details"}
    assert api.get("/portfolio/orders")["orders"] == []


def test_fill_or_kill_is_all_or_nothing(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, no_bids=[("0.50", "5")])
    killed = api.order(ticker, count="10", price="0.50").json()
    assert (killed["fill_count"], killed["remaining_count"]) == ("0.00", "0.00")
    assert "average_fill_price" not in killed
    assert "average_fee_paid" not in killed
    assert api.get(f"/portfolio/orders/{killed['order_id']}")["order"]["status"] == "canceled"
    assert api.balance() == Decimal(1000)
    assert api.get("/portfolio/fills")["fills"] == []
    filled = api.order(ticker, count="5", price="0.50").json()
    assert filled["fill_count"] == "5.00"


def test_immediate_or_cancel_fills_what_it_can(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, no_bids=[("0.50", "5")])
    body = api.order(ticker, count="10", price="0.55", time_in_force="immediate_or_cancel").json()
    assert (body["fill_count"], body["remaining_count"]) == ("5.00", "0.00")
    order = api.get(f"/portfolio/orders/{body['order_id']}")["order"]
    assert order["status"] == "canceled"
    assert order["fill_count_fp"] == "5.00"
    assert api.get(f"/markets/{ticker}/orderbook")["orderbook_fp"]["yes_dollars"] == []


def test_good_till_canceled_rests_then_fills_when_quotes_move(
    sim: SimExchange, api: Api, ticker: str
) -> None:
    sim.pin_book(ticker, no_bids=[("0.50", "5")])
    body = api.order(ticker, count="10", price="0.52", time_in_force="good_till_canceled").json()
    assert (body["fill_count"], body["remaining_count"]) == ("5.00", "5.00")
    assert (
        api.get("/portfolio/orders", status="resting")["orders"][0]["order_id"] == body["order_id"]
    )
    book = api.get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
    assert book["yes_dollars"] == [["0.5200", "5.00"]]
    market = api.get(f"/markets/{ticker}")["market"]
    assert market["yes_bid_dollars"] == "0.5200"
    # The market maker takes over again and its fair value collapses: its YES asks fall
    # through the resting bid at the next re-quote.
    sim.unpin_book(ticker)
    sim.set_true_probability(ticker, 0.1)
    sim.advance(sim.config.quote_interval_seconds)
    order = api.get(f"/portfolio/orders/{body['order_id']}")["order"]
    assert order["status"] == "executed"
    assert order["maker_fill_cost_dollars"] == "2.6000"  # 5 @ 0.52, the resting price
    assert order["maker_fees_dollars"] == "0.0000"
    maker_fills = [f for f in api.get("/portfolio/fills")["fills"] if not f["is_taker"]]
    assert sum(Decimal(f["count_fp"]) for f in maker_fills) == 5
    assert {f["yes_price_dollars"] for f in maker_fills} == {"0.5200"}
    assert {f["fee_cost"] for f in maker_fills} == {"0.0000"}
    assert api.position(ticker)["position_fp"] == "10.00"


def test_cancel(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker)  # empty book: nothing crosses
    body = api.order(
        ticker,
        client_order_id="to-cancel",
        count="5",
        price="0.30",
        time_in_force="good_till_canceled",
    ).json()
    url = f"{sim.base_url}{ORDERS}/{body['order_id']}"
    cancelled = api.http.delete(url)
    assert cancelled.status_code == 200
    assert set(cancelled.json()) == {"order_id", "client_order_id", "reduced_by", "ts_ms"}
    assert cancelled.json()["reduced_by"] == "5.00"
    assert cancelled.json()["client_order_id"] == "to-cancel"
    assert api.http.delete(url).status_code == 404
    assert api.http.delete(f"{sim.base_url}{ORDERS}/no-such-order").status_code == 404
    assert api.get(f"/portfolio/orders/{body['order_id']}")["order"]["status"] == "canceled"
    assert api.http.get(f"{sim.base_url}/portfolio/orders/nope").status_code == 404


def test_balance_closed_market_unknown_market_and_post_only(
    sim: SimExchange, api: Api, ticker: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    sim.pin_book(ticker, no_bids=[("0.50", "100")])
    sim.register_key("poor", public_pem(rsa_key), balance=Decimal("1"))
    poor = api.http.post(
        sim.base_url + ORDERS,
        json=order_body(ticker, count="10"),
        auth=KalshiAuth("poor", rsa_key),
    )
    assert poor.status_code == 400
    assert poor.json()["error"]["code"] == "available_balance_too_low"
    crossing = api.order(ticker, price="0.50", time_in_force="good_till_canceled", post_only=True)
    assert crossing.status_code == 400
    assert crossing.json()["error"]["details"] == "post only cross"
    passive = api.order(ticker, price="0.40", time_in_force="good_till_canceled", post_only=True)
    assert passive.status_code == 201
    assert api.order("KXNOPE-26NOV24-T1").status_code == 404
    sim.settle(ticker, "no")
    closed = api.order(ticker)
    assert closed.status_code == 400
    assert closed.json()["error"]["code"] == "market_closed"
    assert (
        api.get(f"/portfolio/orders/{passive.json()['order_id']}")["order"]["status"] == "canceled"
    )


def test_self_trade_prevention(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, no_bids=[("0.40", "50")])  # YES asks at 0.60
    resting = api.order(
        ticker, side="ask", count="5", price="0.55", time_in_force="good_till_canceled"
    )
    assert resting.json()["remaining_count"] == "5.00"
    blocked = api.order(ticker, count="5", price="0.60", time_in_force="immediate_or_cancel").json()
    assert blocked["fill_count"] == "0.00"  # taker_at_cross: stops at its own order
    through = api.order(
        ticker,
        count="5",
        price="0.60",
        time_in_force="immediate_or_cancel",
        self_trade_prevention_type="maker",
    ).json()
    assert through["fill_count"] == "5.00"
    assert through["average_fill_price"] == "0.6000"  # skipped its own ask at 0.55
    own = api.get(f"/portfolio/orders/{resting.json()['order_id']}")["order"]
    assert own["status"] == "canceled"


def test_two_accounts_trade_with_each_other(
    sim: SimExchange, api: Api, ticker: str, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    sim.pin_book(ticker)
    sim.register_key("maker", public_pem(other_rsa_key))
    with requests.Session() as other:
        other.auth = KalshiAuth("maker", other_rsa_key)
        maker = Api(sim, other)
        rest = maker.order(
            ticker, side="ask", count="8", price="0.47", time_in_force="good_till_canceled"
        )
        assert rest.status_code == 201
        taken = api.order(ticker, count="8", price="0.50").json()
        assert taken["average_fill_price"] == "0.4700"
        assert maker.position(ticker)["position_fp"] == "-8.00"  # 8 NO at 0.53
        assert maker.balance() == Decimal("1000") - Decimal("4.24")
        assert maker.get("/portfolio/fills")["fills"][0]["is_taker"] is False
        fee = Decimal("0.07") * 8 * Decimal("0.47") * Decimal("0.53")  # 0.139496 -> 0.14
        assert api.balance() == Decimal("1000") - Decimal("3.76") - Decimal("0.14")
        assert fee < Decimal("0.14")


def _iter_orders(api: Api) -> Iterator[dict[str, Any]]:
    cursor = ""
    while True:
        page = api.get("/portfolio/orders", limit=2, **({"cursor": cursor} if cursor else {}))
        yield from page["orders"]
        cursor = page["cursor"]
        if not cursor:
            return


def test_orders_page_newest_first(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker)
    ids = [
        api.order(ticker, price="0.10", count="1", time_in_force="good_till_canceled").json()[
            "order_id"
        ]
        for _ in range(5)
    ]
    assert [o["order_id"] for o in _iter_orders(api)] == ids[::-1]


def test_expiration_and_reduce_only(sim: SimExchange, api: Api, ticker: str) -> None:
    sim.pin_book(ticker, yes_bids=[("0.50", "100")], no_bids=[("0.45", "100")])
    expires = int(sim.clock.timestamp()) + 600  # Unix seconds on the sim clock
    resting = api.order(
        ticker, price="0.20", time_in_force="good_till_canceled", expiration_time=expires
    ).json()
    past = api.order(
        ticker, price="0.20", time_in_force="good_till_canceled", expiration_time=expires - 601
    )
    assert past.status_code == 400
    sim.advance(sim.config.quote_interval_seconds * 11)
    order = api.get(f"/portfolio/orders/{resting['order_id']}")["order"]
    assert order["status"] == "canceled"
    assert api.order(ticker, count="10", price="0.55").json()["fill_count"] == "10.00"
    reduced = api.order(
        ticker,
        side="ask",
        count="25",
        price="0.50",
        time_in_force="immediate_or_cancel",
        reduce_only=True,
    ).json()
    assert reduced["fill_count"] == "10.00"  # only what closes the YES position
    assert api.get("/portfolio/positions", count_filter="position")["market_positions"] == []
    nothing = api.order(
        ticker,
        side="ask",
        count="5",
        price="0.50",
        time_in_force="immediate_or_cancel",
        reduce_only=True,
    ).json()
    assert nothing["fill_count"] == "0.00"
    assert api.get(f"/portfolio/orders/{nothing['order_id']}")["order"]["status"] == "canceled"


def test_every_match_is_a_public_trade_newest_first(
    sim: SimExchange, api: Api, ticker: str
) -> None:
    """A5.15 `GET /markets/trades`: no key needed; one trade per level taken, the taker's side."""
    sim.pin_book(ticker, yes_bids=[("0.40", "10")], no_bids=[("0.55", "10"), ("0.54", "20")])
    assert api.order(ticker, count="15", price="0.4600").status_code == 201  # buys YES
    assert api.order(ticker, side="ask", count="2", price="0.40").status_code == 201  # sells YES
    other = sim.open_tickers()[4]
    sim.pin_book(other, no_bids=[("0.50", "5")])
    assert api.order(other, count="1", price="0.50").status_code == 201
    response = requests.get(sim.base_url + "/markets/trades", params={"ticker": ticker})
    assert response.status_code == 200
    trades = response.json()["trades"]
    assert [
        (t["yes_price_dollars"], t["count_fp"], t["taker_outcome_side"], t["taker_book_side"])
        for t in trades
    ] == [
        ("0.4000", "2.00", "no", "ask"),
        ("0.4600", "5.00", "yes", "bid"),
        ("0.4500", "10.00", "yes", "bid"),
    ]
    assert all(t["ticker"] == ticker and t["is_block_trade"] is False for t in trades)
    assert trades[0]["no_price_dollars"] == "0.6000"
    page = requests.get(sim.base_url + "/markets/trades", params={"limit": 1}).json()
    assert len(page["trades"]) == 1
    assert page["trades"][0]["ticker"] == other
    assert page["cursor"]


@pytest.mark.parametrize(
    ("series", "fee_type", "multiplier", "fee"),
    [
        # 10 @ 0.40: 0.07 x 10 x 0.24 = 0.168 (A7), times the series' multiplier.
        ("KXHIGHNY", "quadratic", 1, "0.1700"),  # 0.168 -> balance change floored to the cent
        ("KXINXU", "quadratic", 0.5, "0.0900"),  # 0.084 -> 0.09
        ("KXTSAW", "flat", 1, "0.1000"),  # the sim's flat reading: $0.01 a contract
    ],
)
def test_each_series_serves_and_charges_its_own_fee_schedule(
    rsa_key: rsa.RSAPrivateKey,
    http: requests.Session,
    series: str,
    fee_type: str,
    multiplier: float,
    fee: str,
) -> None:
    with running_sim(rsa_key, markets=200) as sim:
        served = requests.get(f"{sim.base_url}/series/{series}").json()["series"]
        assert (served["fee_type"], served["fee_multiplier"]) == (fee_type, multiplier)
        ticker = next(t for t in sim.open_tickers() if t.startswith(series + "-"))
        sim.pin_book(ticker, no_bids=[("0.60", "50")])
        response = Api(sim, http).order(ticker, count="10", price="0.4000")
        assert response.status_code == 201, response.text
        (fill,) = http.get(sim.base_url + "/portfolio/fills").json()["fills"]
        assert fill["fee_cost"] == fee


def test_orders_are_accepted_only_on_the_markets_ticks(
    rsa_key: rsa.RSAPrivateKey, http: requests.Session
) -> None:
    """A3.1: `tapered_deci_cent` takes $0.001 steps in its tails, `linear_cent` only cents."""
    with running_sim(rsa_key, markets=200) as sim:
        api = Api(sim, http)
        tapered = next(t for t in sim.open_tickers() if t.startswith("KXBTCD-"))
        linear = next(t for t in sim.open_tickers() if t.startswith("KXHIGHNY-"))
        market = requests.get(f"{sim.base_url}/markets/{tapered}").json()["market"]
        assert market["price_level_structure"] == "tapered_deci_cent"
        assert market["price_ranges"][0] == {"start": "0.0000", "end": "0.1000", "step": "0.0010"}
        resting = {"time_in_force": "good_till_canceled", "count": "1"}
        accepted = api.order(tapered, price="0.0550", **resting)
        assert accepted.status_code == 201, accepted.text
        order = api.get(f"/portfolio/orders/{accepted.json()['order_id']}")["order"]
        assert order["yes_price_dollars"] == "0.0550"
        refusals = (
            ("0.0555", tapered),
            ("0.5550", tapered),
            ("0.0550", linear),
            ("0.0000", tapered),  # the bands' ends are bounds, never prices
            ("1.0000", linear),
        )
        for price, ticker in refusals:
            refused = api.order(ticker, price=price, **resting)
            assert refused.status_code == 400, (price, ticker)
            assert refused.json()["error"]["code"] == "invalid_price"
