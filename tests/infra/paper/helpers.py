"""A paper exchange on the embedded simulator's public data, on the simulator's own clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from domain.fees import FeeSchedule
from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.paper.exchange import PaperExchange
from infra.paper.market_data import LiveMarketData
from infra.paper.store import PaperStore
from infra.sim import SimExchange
from tests.infra.sim.helpers import ORDERS, order_body

FAST = RateLimitConfig(read_rate=Decimal(10**6), read_burst=Decimal(10**6))


def market_data(sim: SimExchange) -> LiveMarketData:
    """Kalshi's public endpoints on the simulator, through the project's unsigned client."""
    return LiveMarketData(KalshiClient(sim.base_url, None, TokenBucketLimiter(FAST)))


@contextmanager
def paper_exchange(
    sim: SimExchange, path: Path, cash: Decimal = Decimal(1000), **options: Any
) -> Iterator[PaperExchange]:
    store = PaperStore(path, cash, sim.clock.now())
    exchange = PaperExchange(
        market_data(sim), store, sim.clock, settle_recheck=timedelta(0), **options
    )
    try:
        yield exchange
    finally:
        exchange.close()


def standard_ticker(sim: SimExchange, skip: int = 0) -> str:
    """An open binary market whose series charges the standard schedule (quadratic, x1)."""
    ex = sim.exchange
    found = [
        t
        for t in sim.open_tickers()
        if ex.fee_schedule(ex.markets_by_ticker[t]) == FeeSchedule()
        and ex.markets_by_ticker[t].market_type == "binary"
    ]
    return found[skip]


def sell_yes(http: requests.Session, sim: SimExchange, ticker: str, price: str, count: str) -> Any:
    """Another trader (the simulator's signed test account) sells YES into the YES bids: one
    public trade per level it takes, its taker side `no` (A5.9: ask = buy NO at 1 - price)."""
    body = order_body(
        ticker, side="ask", price=price, count=count, time_in_force="immediate_or_cancel"
    )
    response = http.post(sim.base_url + ORDERS, json=body)
    assert response.status_code == 201, response.text
    return response.json()
