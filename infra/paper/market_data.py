"""Where a simulated venue gets its market: the public data calls, behind one interface.

The paper exchange reads them live from Kalshi (`LiveMarketData`, no keys: every call here is
public, A5.2-A5.6, A5.15); a replay venue serves the same calls from a recording. The matching
engine (`infra.paper.exchange`) only ever sees this interface.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

from domain.fees import FeeSchedule
from domain.models import Market, OrderBook, PublicTrade
from infra.kalshi.client import KalshiClient
from infra.kalshi.models import MarketListing


@runtime_checkable
class MarketData(Protocol):
    """The public market data a simulated venue needs, as domain values."""

    @property
    def base_url(self) -> str: ...

    def list_markets(self, status: str | None = "open", **filters: Any) -> MarketListing:
        """Every market page (the Scanner's listing), and the records left out of them."""
        ...

    def get_market(self, ticker: str) -> Market:
        """One market, with its status, `result` and `settlement_value` once determined."""
        ...

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook:
        """The book of `ticker` now: bids on both sides (A5.5)."""
        ...

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        """The fee schedule of the event's markets: its override, else its series' (A5.6, A7)."""
        ...

    def get_trades(self, ticker: str, *, min_ts: int | None = None) -> tuple[PublicTrade, ...]:
        """Public trades of `ticker` since `min_ts` (Unix seconds), newest first (A5.15)."""
        ...

    def close(self) -> None: ...


class LiveMarketData:
    """Kalshi's public endpoints through the project's client (unsigned: no key is needed),
    with all its rate limits, retries, response bounds and validation."""

    def __init__(self, client: KalshiClient) -> None:
        if client.signer is not None:
            raise ValueError("market data is public: give LiveMarketData an unsigned client")
        self.client = client
        self._fees: dict[str, FeeSchedule] = {}
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def list_markets(self, status: str | None = "open", **filters: Any) -> MarketListing:
        return self.client.list_markets(status, **filters)

    def get_market(self, ticker: str) -> Market:
        return self.client.get_market(ticker)

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook:
        return self.client.get_orderbook(ticker, depth)

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        """Read once per event per run: a series' fee schedule changes rarely, and a change is
        announced ahead (A4); a restart reads it again."""
        with self._lock:
            known = self._fees.get(event_ticker)
        if known is not None:
            return known
        event = self.client.get_event(event_ticker)
        schedule = self.client.get_series(event.series_ticker).fees(event)
        with self._lock:
            self._fees[event_ticker] = schedule
        return schedule

    def get_trades(self, ticker: str, *, min_ts: int | None = None) -> tuple[PublicTrade, ...]:
        return self.client.get_trades(ticker, min_ts=min_ts)

    def close(self) -> None:
        self.client.close()
