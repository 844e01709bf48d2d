"""The paper venue's push channel: its own matching, pushed as it happens.

Kalshi pushes a fill on its WebSocket the moment its engine makes it; the paper exchange makes
its fills itself, when an order is placed (immediate-or-cancel) or when a public trade reaches a
resting order (`PaperExchange.sync`). This stream runs that matching every `interval` seconds
between the cycles (a resting order fills against the tape as it prints, not an hour later) and
pushes each committed fill once, exactly as the venue's `fill` channel would, and reads the books
of the markets watched (the data source has no push: this is `ticker` over REST). In process there
is no connection to lose and no sequence to skip; a poll that fails is logged and the next one
reads again (the fills are in the paper account, which REST reads every cycle regardless).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from loguru import logger

from infra.kalshi.errors import KalshiError
from infra.kalshi.stream import StreamSink
from infra.kalshi.stream_wire import Quote
from infra.paper.exchange import PaperExchange

OVERLAP = timedelta(seconds=2)  # fills are re-read this far back; ids already pushed are not


class PaperStream:
    """A `VenueStream` over the paper exchange: its fills, and the books of the markets it
    holds or quotes as its data source answers them."""

    def __init__(self, exchange: PaperExchange, sink: StreamSink, interval: float = 5.0) -> None:
        self.exchange = exchange
        self.sink = sink
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: datetime = exchange.clock.now()
        self._pushed: dict[str, datetime] = {}  # fill id -> its time, within the overlap
        self._lock = threading.Lock()
        self._watched: frozenset[str] = frozenset()
        self._quotes: dict[str, Quote] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="paper-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def watch(self, tickers: Iterable[str]) -> None:
        """The markets whose books each poll reads (the data source's, over REST)."""
        with self._lock:
            self._watched = frozenset(tickers)
            self._quotes = {t: q for t, q in self._quotes.items() if t in self._watched}

    def quote(self, ticker: str) -> Quote | None:
        with self._lock:
            return self._quotes.get(ticker)

    def down_since(self) -> datetime | None:
        """Never down: in process, with nothing to connect to."""
        return None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except KalshiError as exc:
                logger.info("paper stream: not polled this time: {}", exc)
            except Exception as exc:  # noqa: BLE001 - an optimisation: say, poll again later
                logger.opt(exception=exc).error("paper stream: poll failed")

    def poll(self) -> None:
        """Match the resting orders against the tape now, push the fills not pushed yet, and
        read the books of the markets watched."""
        self._push_fills()
        for ticker in sorted(self._watched):
            book = self.exchange.get_orderbook(ticker)
            quote = Quote(ticker, book.best_yes_bid, book.best_yes_ask, self.exchange.clock.now())
            with self._lock:
                if ticker in self._watched:
                    self._quotes[ticker] = quote

    def _push_fills(self) -> None:
        since = self._since - OVERLAP
        fills = [
            f
            for f in reversed(self.exchange.get_fills(min_ts=int(since.timestamp())))
            if f.fill_id not in self._pushed and f.created_time >= since
        ]
        if not fills:
            return
        self._since = max(self._since, *(f.created_time for f in fills))
        self._pushed = {
            fill_id: at for fill_id, at in self._pushed.items() if at >= self._since - OVERLAP
        } | {f.fill_id: f.created_time for f in fills}
        self.sink.fills(tuple(fills))
