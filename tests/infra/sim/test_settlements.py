"""Settlement records, A7 fees and fee rounding, manual sales, scalar and void results.

Everything is observed over HTTP, as a client of the exchange sees it; the user's own trades
are orders placed through the public API with the same key, as the web app would.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from domain.fees import charge
from infra.sim import SimExchange
from tests.infra.sim.helpers import Api, KalshiAuth, public_pem

INITIAL = Decimal(1000)


@pytest.fixture
def api(sim: SimExchange, http: requests.Session) -> Api:
    return Api(sim, http)


def _open_of_type(sim: SimExchange, market_type: str) -> list[str]:
    with sim.exchange.synced() as ex:
        return [
            m.ticker
            for m in ex.markets
            if m.status.value == "active" and m.market_type == market_type
        ]


@pytest.fixture
def binary(sim: SimExchange) -> str:
    return _open_of_type(sim, "binary")[2]


@pytest.fixture
def scalar(sim: SimExchange) -> str:
    return _open_of_type(sim, "scalar")[0]


def _pages(api: Api, path: str, key: str) -> Iterator[dict[str, Any]]:
    cursor = ""
    while True:
        page = api.get(path, limit=3, **({"cursor": cursor} if cursor else {}))
        yield from page[key]
        cursor = page["cursor"]
        if not cursor:
            return


def cash_from_records(api: Api) -> Decimal:
    """The balance a client rebuilds from the venue's own records: the initial deposit, plus
    sale proceeds, minus purchase costs and every fill's fee_cost, plus settlement revenue."""
    cash = INITIAL
    for fill in _pages(api, "/portfolio/fills", "fills"):
        price = Decimal(fill[f"{fill['side']}_price_dollars"])
        amount = Decimal(fill["count_fp"]) * price
        cash += amount if fill["action"] == "sell" else -amount
        cash -= Decimal(fill["fee_cost"])
    for record in _pages(api, "/portfolio/settlements", "settlements"):
        cash += Decimal(record["revenue"]) / 100
    return cash


def _settle(sim: SimExchange, **body: str) -> requests.Response:
    return requests.post(f"{sim.gamma_url}/_sim/settle", json=body)


def _only_settlement(api: Api, ticker: str) -> dict[str, Any]:
    records = api.get("/portfolio/settlements", ticker=ticker)["settlements"]
    assert len(records) == 1
    return records[0]


def test_a_position_sold_by_hand_settles_to_nothing(
    sim: SimExchange, api: Api, binary: str
) -> None:
    sim.pin_book(binary, yes_bids=[("0.50", "100")], no_bids=[("0.48", "100")])
    # Buy 28 NO at 0.50: an ask (sell YES) at 0.50 hits the YES bids.
    bought = api.order(binary, side="ask", count="28", price="0.50").json()
    assert bought["fill_count"] == "28.00"
    # The user sells all 28 NO on the web app: a bid (buy YES at 0.52 = sell NO at 0.48),
    # immediate-or-cancel and reduce-only (A5.9).
    sold = api.order(
        binary, count="28", price="0.52", time_in_force="immediate_or_cancel", reduce_only=True
    ).json()
    assert sold["fill_count"] == "28.00"
    sale = api.get("/portfolio/fills", order_id=sold["order_id"])["fills"]
    assert [(f["side"], f["action"], f["outcome_side"], f["book_side"]) for f in sale] == [
        ("no", "sell", "yes", "bid")
    ]
    order = api.get(f"/portfolio/orders/{sold['order_id']}")["order"]
    assert (order["side"], order["action"]) == ("no", "sell")
    # Fees (A7): 0.07 x 28 x 0.25 = 0.49; 0.07 x 28 x 0.52 x 0.48 = 0.489216 -> 0.4893 and the
    # balance change 13.44 - 0.4893 floored to 12.95: the fill's fee_cost is 0.4900.
    assert [f["fee_cost"] for f in sale] == ["0.4900"]
    after_sale = INITIAL - Decimal("14.00") - Decimal("0.49") + Decimal("13.44") - Decimal("0.49")
    assert api.balance() == after_sale
    assert api.get("/portfolio/positions", count_filter="position")["market_positions"] == []

    sim.settle(binary, "no")
    record = _only_settlement(api, binary)
    assert record["market_result"] == "no"
    assert (record["yes_count_fp"], record["no_count_fp"]) == ("0.00", "0.00")
    assert (record["yes_total_cost_dollars"], record["no_total_cost_dollars"]) == (
        "0.0000",
        "0.0000",
    )
    assert record["revenue"] == 0
    assert record["value"] == 0
    assert record["fee_cost"] == "0.9800"
    assert record["event_ticker"] == binary.rsplit("-", 1)[0]
    assert api.balance() == after_sale == cash_from_records(api)


def test_a_partial_sale_is_paid_only_for_what_is_left(
    sim: SimExchange, api: Api, binary: str
) -> None:
    sim.pin_book(binary, yes_bids=[("0.50", "100")], no_bids=[("0.48", "100")])
    api.order(binary, side="ask", count="28", price="0.50")
    sold = api.order(
        binary, count="1", price="0.52", time_in_force="immediate_or_cancel", reduce_only=True
    ).json()
    assert sold["fill_count"] == "1.00"
    assert api.position(binary)["position_fp"] == "-27.00"
    sim.settle(binary, "no")
    record = _only_settlement(api, binary)
    assert (record["no_count_fp"], record["no_total_cost_dollars"]) == ("27.00", "13.5000")
    assert record["revenue"] == 2700
    # 1000 - 14.49 (buy) + 0.46 (sale: 0.48 - 0.0175 floored) + 27.00 (settlement)
    assert api.balance() == Decimal("1012.97") == cash_from_records(api)


def test_void_returns_the_cost_and_keeps_the_fees(sim: SimExchange, api: Api, binary: str) -> None:
    sim.pin_book(binary, no_bids=[("0.60", "50")])
    assert api.order(binary, count="10", price="0.40").json()["fill_count"] == "10.00"
    assert _settle(sim, ticker=binary, result="void").status_code == 200
    record = _only_settlement(api, binary)
    assert record["market_result"] == "void"
    assert (record["yes_count_fp"], record["yes_total_cost_dollars"]) == ("10.00", "4.0000")
    assert record["revenue"] == 400
    assert record["value"] is None
    assert record["fee_cost"] == "0.1700"  # 0.168 -> 0.1680, balance change floored: 0.17
    assert api.balance() == INITIAL - Decimal("4.17") + Decimal("4.00") == cash_from_records(api)
    market = api.get(f"/markets/{binary}")["market"]
    assert (market["status"], market["result"]) == ("finalized", "")
    assert "settlement_value_dollars" not in market


def test_scalar_markets_pay_the_settlement_value_in_whole_cents(
    sim: SimExchange, api: Api, scalar: str, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    market = api.get(f"/markets/{scalar}")["market"]
    assert market["market_type"] == "scalar"
    assert market["floor_strike"] < market["cap_strike"]
    sim.pin_book(scalar, yes_bids=[("0.30", "50")], no_bids=[("0.60", "50")])
    assert api.order(scalar, count="10", price="0.40").json()["fill_count"] == "10.00"
    sim.register_key("no-holder", public_pem(other_rsa_key))
    with requests.Session() as session:
        session.auth = KalshiAuth("no-holder", other_rsa_key)
        other = Api(sim, session)
        bought = other.order(scalar, side="ask", count="3", price="0.30").json()
        assert bought["fill_count"] == "3.00"  # 3 NO at 0.70
        response = _settle(sim, ticker=scalar, result="scalar", settlement_value="0.3750")
        assert response.status_code == 200, response.text
        no_record = _only_settlement(other, scalar)
        assert (no_record["market_result"], no_record["no_count_fp"]) == ("scalar", "3.00")
        assert no_record["revenue"] == 187  # 3 x 0.625 = 1.875, whole cents: 1.87
        assert other.balance() == cash_from_records(other)
    record = _only_settlement(api, scalar)
    assert (record["market_result"], record["yes_count_fp"]) == ("scalar", "10.00")
    assert record["revenue"] == 375
    assert record["value"] == 37  # one YES contract pays 37.5 cents: integer cents, floored
    assert api.balance() == cash_from_records(api)
    settled = api.get(f"/markets/{scalar}")["market"]
    assert (settled["result"], settled["settlement_value_dollars"]) == ("scalar", "0.3750")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"result": "scalar", "settlement_value": "0.5"}, "binary market"),
        ({"result": "maybe"}, "result must be"),
        ({"result": "yes", "settlement_value": "0.5"}, "only for result scalar"),
    ],
)
def test_settle_hook_refuses_a_result_the_binary_market_cannot_have(
    sim: SimExchange, binary: str, body: dict[str, str], detail: str
) -> None:
    response = _settle(sim, ticker=binary, **body)
    assert response.status_code == 400
    assert detail in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "body",
    [
        {"result": "yes"},
        {"result": "scalar"},
        {"result": "scalar", "settlement_value": "1.5"},
        {"result": "scalar", "settlement_value": "0.12345"},
        {"result": "scalar", "settlement_value": 0.37},
    ],
)
def test_settle_hook_refuses_a_bad_scalar_settlement(
    sim: SimExchange, scalar: str, body: dict[str, Any]
) -> None:
    response = _settle(sim, ticker=scalar, **body)
    assert response.status_code == 400
    assert requests.get(f"{sim.base_url}/markets/{scalar}").json()["market"]["status"] == "active"


def test_fee_rounding_accumulates_across_one_orders_fills(
    sim: SimExchange, api: Api, binary: str, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    sim.pin_book(binary)  # only the other account's orders are on the book
    sim.register_key("maker", public_pem(other_rsa_key))
    with requests.Session() as session:
        session.auth = KalshiAuth("maker", other_rsa_key)
        maker = Api(sim, session)
        for _ in range(3):
            resting = maker.order(
                binary, side="ask", count="0.30", price="0.50", time_in_force="good_till_canceled"
            )
            assert resting.json()["remaining_count"] == "0.30"
        taken = api.order(binary, count="0.90", price="0.50").json()
        assert taken["fill_count"] == "0.90"
        # Each 0.30 fill: trade fee 0.07 x 0.3 x 0.25 = 0.00525 -> 0.0053, balance change
        # -0.1553 floored to -0.16, rounding 0.0047 into the order's accumulator; the third
        # fill takes it past $0.01 and is rebated a cent (A7 fee rounding).
        fills = api.get("/portfolio/fills", order_id=taken["order_id"])["fills"]
        assert sorted(f["fee_cost"] for f in fills) == ["0.0000", "0.0100", "0.0100"]
        order = api.get(f"/portfolio/orders/{taken['order_id']}")["order"]
        assert order["taker_fees_dollars"] == "0.0200"
        assert api.balance() == INITIAL - Decimal("0.45") - Decimal("0.02")
        assert api.position(binary)["fees_paid_dollars"] == "0.0200"
        # Makers pay nothing on a quadratic series and 0.15 has no sub-cent part.
        assert {f["fee_cost"] for f in maker.get("/portfolio/fills")["fills"]} == {"0.0000"}
        assert maker.balance() == INITIAL - Decimal("0.45") == cash_from_records(maker)
    assert api.balance() == cash_from_records(api)


@pytest.mark.parametrize(
    ("revenue", "trade_fee", "net_fees"),
    [
        # The three worked examples of Kalshi's fee-rounding page (A7, K-PG fee_rounding).
        ("-0.055", "0.0085", ["0.0150", "0.0050", "0.0150"]),
        ("-0.15", "0.0041", ["0.0100", "0.0000", "0.0100"]),
        ("-0.009903", "0.0005", ["0.010097", "0.000097", "0.000097"]),
    ],
)
def test_fee_charge_reproduces_the_reference_examples(
    revenue: str, trade_fee: str, net_fees: list[str]
) -> None:
    accumulator = Decimal(0)
    for expected in net_fees:
        result = charge(Decimal(revenue), Decimal(trade_fee), accumulator)
        accumulator = result.accumulator
        assert result.net_fee == Decimal(expected)
        assert result.balance_change == Decimal(revenue) - result.net_fee
        assert result.balance_change == result.balance_change.quantize(Decimal("0.01"))


def test_a_sale_larger_than_the_position_is_a_sale_then_a_purchase(
    sim: SimExchange, api: Api, binary: str
) -> None:
    sim.pin_book(binary, yes_bids=[("0.55", "100")], no_bids=[("0.40", "100")])
    api.order(binary, count="5", price="0.60")  # 5 YES at 0.60
    flipped = api.order(binary, side="ask", count="8", price="0.55").json()  # sell YES at 0.55
    assert flipped["fill_count"] == "8.00"
    fills = api.get("/portfolio/fills", order_id=flipped["order_id"])["fills"]
    assert sorted((f["action"], f["side"], f["count_fp"]) for f in fills) == [
        ("buy", "no", "3.00"),
        ("sell", "yes", "5.00"),
    ]
    assert api.position(binary)["position_fp"] == "-3.00"
    assert api.balance() == cash_from_records(api)


def test_selling_needs_no_cash(sim: SimExchange, api: Api, binary: str) -> None:
    """A user who spent everything can still sell what they hold (A5.9: ask = sell YES)."""
    sim.pin_book(binary, yes_bids=[("0.45", "5000")], no_bids=[("0.50", "5000")])
    spend = api.order(binary, count="1900", price="0.50", time_in_force="immediate_or_cancel")
    assert spend.status_code == 201, spend.text
    assert api.balance() < Decimal("20")
    held = Decimal(api.position(binary)["position_fp"])
    sold = api.order(
        binary,
        side="ask",
        count=f"{held:f}",
        price="0.45",
        time_in_force="immediate_or_cancel",
        reduce_only=True,
    )
    assert sold.status_code == 201, sold.text
    assert Decimal(sold.json()["fill_count"]) == held
    assert api.balance() == cash_from_records(api)


def test_cash_follows_the_records_through_a_busy_run(
    sim: SimExchange, api: Api, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    """Buys, hand sales, flips, resting maker fills, fractional counts, then every kind of
    settlement and the natural lifecycle: the balance always equals the records' sum."""
    binaries = _open_of_type(sim, "binary")[:6]
    scalar = _open_of_type(sim, "scalar")[0]
    for i, ticker in enumerate([*binaries, scalar]):
        sim.pin_book(ticker, yes_bids=[("0.47", "40")], no_bids=[("0.51", "40")])
        api.order(ticker, count=f"{3 + i}.37", price="0.49")
        api.order(ticker, side="ask", count=f"{1 + i % 3}.5", price="0.47")
        api.order(
            ticker, side="ask", count="0.33", price="0.60", time_in_force="good_till_canceled"
        )
        assert api.balance() == cash_from_records(api)
    sim.register_key("counterparty", public_pem(other_rsa_key))
    with requests.Session() as session:
        session.auth = KalshiAuth("counterparty", other_rsa_key)
        counterparty = Api(sim, session)
        for ticker in binaries[:3]:
            sim.pin_book(ticker)  # only our resting ask is left on the book
            taken = counterparty.order(ticker, count="0.33", price="0.60").json()
            assert taken["fill_count"] == "0.33"
        assert counterparty.balance() == cash_from_records(counterparty)
    fills = list(_pages(api, "/portfolio/fills", "fills"))
    assert {(f["action"], f["is_taker"]) for f in fills} == {
        ("buy", True),
        ("sell", True),
        ("sell", False),  # our resting asks sold YES we held
    }
    assert api.balance() == cash_from_records(api)
    sim.settle(binaries[0], "yes")
    sim.settle(binaries[1], "no")
    sim.settle(binaries[2], "void")
    sim.settle(scalar, "scalar", "0.6180")
    assert api.balance() == cash_from_records(api)
    for ticker in binaries[3:]:
        sim.unpin_book(ticker)
    sim.advance(11 * 24 * 3600)  # everything else closes, is determined and finalized
    settled = {r["ticker"] for r in _pages(api, "/portfolio/settlements", "settlements")}
    assert settled == {*binaries, scalar}
    assert api.get("/portfolio/positions")["market_positions"] == []
    assert api.balance() == cash_from_records(api)
    balance = api.get("/portfolio/balance")
    assert balance["balance"] == int(Decimal(balance["balance_dollars"]) * 100)
