"""Every call of the official SDK (`kalshi-python-sync` 3.34.0) the simulator serves, parsed by
the SDK's own models. Runs under Python 3.13 with the SDK installed (not the project's venv), so
it imports nothing from the project.

    python sdk_conformance.py BASE_URL KEY_ID PRIVATE_KEY_PATH

Prints one JSON object: `{"calls": {name: "ok" | "error: ..."}, "wall": {...}}`. A call the
simulator does not serve must fail with 404 `not_implemented_in_simulator`; it is reported under
the same name, "ok" when it did. CI_CLOCK_SHIFT_SECONDS (the CI's moved clock) is applied to
`time.time` so this process signs with the same wall clock as the test runner.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_shift = float(os.environ.get("CI_CLOCK_SHIFT_SECONDS") or 0)
if _shift:
    _real_time = time.time
    time.time = lambda: _real_time() + _shift  # type: ignore[assignment]

from kalshi_python_sync import (  # noqa: E402 (after the clock shift)
    AccountApi,
    ApiClient,
    ApiException,
    Configuration,
    EventsApi,
    ExchangeApi,
    KalshiAuth,
    MarketApi,
    OrdersApi,
    PortfolioApi,
)


def _admin(base_url: str, path: str, body: dict[str, Any]) -> Any:
    root = base_url.split("/trade-api/v2", maxsplit=1)[0]
    request = urllib.request.Request(
        root + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _lowest_price(bands: Any) -> str:
    """The lowest valid price: one step above the first band's start, a bound (it is $0)."""
    if not bands:
        return "0.0100"
    first = bands[0]
    return f"{Decimal(first.start) + Decimal(first.step):.4f}"


def main(base_url: str, key_id: str, key_path: str) -> dict[str, Any]:
    client = ApiClient(Configuration(host=base_url))
    with open(key_path) as pem:
        # `ApiClient.set_kalshi_auth` raises NameError in 3.34.0 (it never imports KalshiAuth),
        # so the handler is attached as that method would.
        client.kalshi_auth = KalshiAuth(key_id, pem.read())
    market_api, events_api = MarketApi(client), EventsApi(client)
    orders_api, portfolio = OrdersApi(client), PortfolioApi(client)
    calls: dict[str, str] = {}
    wall: dict[str, float] = {}

    def call(name: str, thunk: Callable[[], Any]) -> Any:
        try:
            result = thunk()
        except Exception as exc:  # noqa: BLE001 (the report names every failure)
            calls[name] = f"error: {type(exc).__name__}: {exc}"[:2000]
            traceback.print_exc()
            return None
        calls[name] = "ok"
        return result

    def unserved(name: str, thunk: Callable[[], Any]) -> None:
        try:
            thunk()
        except ApiException as exc:
            body = json.loads(exc.body or "{}")
            code = (body.get("error") or {}).get("code")
            ok = exc.status == 404 and code == "not_implemented_in_simulator"
            calls[name] = "ok" if ok else f"error: {exc.status} {exc.body}"
            return
        calls[name] = "error: answered, but the simulator does not serve it"

    call("get_exchange_status", lambda: ExchangeApi(client).get_exchange_status())
    call("get_account_api_limits", lambda: AccountApi(client).get_account_api_limits())
    series = call("get_series_list", market_api.get_series_list)
    if series is not None and series.series:
        ticker = series.series[0].ticker
        call("get_series", lambda: market_api.get_series(series_ticker=ticker))
    markets = call(
        "get_markets",
        lambda: market_api.get_markets(status="open", limit=200, mve_filter="exclude"),
    )
    call("get_markets_closed", lambda: market_api.get_markets(status="closed", limit=50))
    call("get_markets_settled", lambda: market_api.get_markets(status="settled", limit=50))
    call("get_markets_combos", lambda: market_api.get_markets(mve_filter="only", limit=50))
    call("get_events", lambda: events_api.get_events(limit=50, with_nested_markets=True))
    if markets is None or not markets.markets:
        return {"calls": calls, "wall": wall}
    market = markets.markets[0]
    call("get_market", lambda: market_api.get_market(ticker=market.ticker))
    call("get_market_orderbook", lambda: market_api.get_market_orderbook(ticker=market.ticker))
    call("get_event", lambda: events_api.get_event(event_ticker=market.event_ticker))
    call("get_balance", portfolio.get_balance)

    # The 3.34 create call takes the CreateOrderV2Request fields as keyword arguments.
    # A taker buy at the ask (fills), then a resting bid that expires in an hour of real time.
    ask = market.yes_ask_dollars
    take = dict(
        ticker=market.ticker,
        client_order_id=str(uuid.uuid4()),
        side="bid",
        count="2",
        price=ask,
        time_in_force="immediate_or_cancel",
        self_trade_prevention_type="taker_at_cross",
    )
    call("create_order_v2_take", lambda: orders_api.create_order_v2(**take))
    wall["before_rest"] = time.time()
    rest = dict(
        ticker=market.ticker,
        client_order_id=str(uuid.uuid4()),
        side="bid",
        count="1",
        price=_lowest_price(market.price_ranges),
        time_in_force="good_till_canceled",
        expiration_time=int(time.time()) + 3600,
        self_trade_prevention_type="taker_at_cross",
    )
    created = call("create_order_v2_rest", lambda: orders_api.create_order_v2(**rest))
    wall["after_rest"] = time.time()
    if created is not None:
        got = call("get_order", lambda: orders_api.get_order(order_id=created.order_id))
        order = None if got is None else got.order
        if order is not None and order.created_time is not None:
            wall["order_created"] = order.created_time.timestamp()
        call("cancel_order_v2", lambda: orders_api.cancel_order_v2(order_id=created.order_id))
    call("get_orders", lambda: orders_api.get_orders(limit=100))
    call("get_fills", lambda: portfolio.get_fills(limit=100))
    call("get_trades", lambda: market_api.get_trades(ticker=market.ticker, limit=100))
    call("get_positions", lambda: portfolio.get_positions(limit=100))
    _admin(base_url, "/_sim/settle", {"ticker": market.ticker, "result": "yes"})
    call("get_settlements", lambda: portfolio.get_settlements(limit=100))
    call("get_positions_settled", lambda: portfolio.get_positions(settlement_status="settled"))
    call("get_market_settled", lambda: market_api.get_market(ticker=market.ticker))

    unserved(
        "unserved_candlesticks",
        lambda: market_api.get_market_candlesticks(
            series_ticker="X", ticker=market.ticker, start_ts=0, end_ts=1, period_interval=1
        ),
    )
    unserved("unserved_queue_positions", orders_api.get_order_queue_positions)
    wall["now"] = datetime.now(UTC).timestamp()
    return {"calls": calls, "wall": wall}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(*sys.argv[1:4])) + "\n")
