"""The recorded market, served to the same actors as the live one, on the recording's clock.

`RecordedMarketData` is a `MarketData` (infra.paper.market_data): the paper exchange fills
against it exactly as it fills against Kalshi's public endpoints in `--venue paper`. At any
moment it serves only what was recorded up to that moment (the latest scan at or before the
replay clock; a market's result once the recording had learned it), so nothing recorded later
can reach a decision. What a recording does not hold it does not invent: the markets the bot
neither analysed nor held are not listed, and no public trades are served (a resting order never
fills). Fees follow each market's schedule as recorded.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import defaultdict
from datetime import datetime
from typing import Any

from domain.clock import Clock
from domain.fees import FeeSchedule
from domain.linking import PolymarketMarket
from domain.models import Market, MarketStatus, OrderBook, PublicTrade
from infra.db.recordings import RecordedScan
from infra.kalshi.errors import ErrorBody, VenueRefused
from infra.kalshi.models import MarketListing
from infra.replay.recording import Recording


class ReplayClock:
    """The recording's time: moved by the replay to each recorded scan, never on its own."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            if moment < self._now:
                raise ValueError(f"the replay clock cannot go back from {self._now} to {moment}")
            self._now = moment


class RecordedMarketData:
    """The recorded scans as market data, as of the replay clock."""

    def __init__(self, recording: Recording, clock: Clock) -> None:
        self.recording = recording
        self.clock = clock
        self._times = [scan.ts for scan in recording.scans]
        self._history: dict[str, list[tuple[datetime, Market]]] = defaultdict(list)
        for scan in recording.scans:
            for market in (*(c.market for c in scan.candidates), *scan.held):
                self._history[market.ticker].append((scan.ts, market))

    @property
    def base_url(self) -> str:
        return f"recording {self.recording.path}"

    def current_scan(self) -> RecordedScan | None:
        """The latest scan recorded at or before the replay clock."""
        index = bisect_right(self._times, self.clock.now()) - 1
        return self.recording.scans[index] if index >= 0 else None

    def get_all_markets(self, status: str | None = "open", **_filters: Any) -> tuple[Market, ...]:
        scan = self.current_scan()
        if scan is None or status not in {"open", None}:
            return ()
        markets = {c.market.ticker: c.market for c in scan.candidates}
        for market in scan.held:
            markets.setdefault(market.ticker, market)
        return tuple(markets.values())

    def list_markets(self, status: str | None = "open", **filters: Any) -> MarketListing:
        """The recorded markets (the recording kept only usable ones: none is left out)."""
        return MarketListing(self.get_all_markets(status, **filters))

    def get_market(self, ticker: str) -> Market:
        now = self.clock.now()
        seen = [market for ts, market in self._history.get(ticker, ()) if ts <= now]
        if not seen:
            raise VenueRefused(
                404,
                ErrorBody(code="market_not_found", details=f"{ticker} is not in the recording"),
                endpoint=f"GET /markets/{ticker}",
            )
        market = seen[-1]
        resolution = self.recording.resolutions.get(ticker)
        if resolution is not None and resolution.at <= now:
            return market.replace(
                status=MarketStatus.FINALIZED,
                result=resolution.result,
                settlement_value=resolution.value,
            )
        if market.close_time <= now:
            return market.replace(status=MarketStatus.CLOSED)
        return market

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook:  # noqa: ARG002
        """The book recorded for `ticker` in the current scan, analysed or held (the kill
        switch marks held positions to it); empty if none was (a market neither analysed
        nor held, or a recording made before held books were kept)."""
        scan = self.current_scan()
        if scan is None:
            return OrderBook(ticker=ticker)
        books = {b.ticker: b for b in scan.held_books}
        books.update((c.market.ticker, c.book) for c in scan.candidates)
        return books.get(ticker, OrderBook(ticker=ticker))

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        """The event's fee schedule as last recorded by now (the standard one if the recording
        did not keep it)."""
        now = self.clock.now()
        stated = FeeSchedule()
        for scan in self.recording.scans:
            if scan.ts > now:
                break
            for c in (*scan.candidates, *scan.held_inputs):
                if c.market.event_ticker == event_ticker and c.fees is not None:
                    stated = c.fees.schedule()
        return stated

    def get_trades(self, ticker: str, *, min_ts: int | None = None) -> tuple[PublicTrade, ...]:  # noqa: ARG002
        return ()

    def close(self) -> None:
        """Nothing to release: the recording was read whole at the start."""

    def polymarket(self) -> tuple[PolymarketMarket, ...]:
        """The Polymarket markets linked in the current scan (analysed, or held and valued)."""
        scan = self.current_scan()
        if scan is None:
            return ()
        valued = (*scan.candidates, *scan.held_inputs)
        return tuple(c.polymarket for c in valued if c.polymarket is not None)


class RecordedGamma:
    """The recorded Polymarket links, where the Scanner reads Gamma's listing."""

    def __init__(self, data: RecordedMarketData) -> None:
        self.data = data

    def get_all_markets(
        self, closed: bool | None = False, **_filters: Any
    ) -> tuple[PolymarketMarket, ...]:
        return tuple(p for p in self.data.polymarket() if closed is None or p.closed == closed)

    def close(self) -> None:
        """Nothing to release."""
