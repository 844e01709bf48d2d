"""The venue's WebSocket (A8): fills as they happen, orders, positions, and the books of the
markets the bot holds or quotes.

An optimisation, never the record: every fill pushed is also listed by REST, which the
Reconciler reads every cycle and checks the book against. So whatever the connection does,
nothing is lost; what the stream buys is time. The rules that keep it so:
  - the handshake is signed like a REST request (`GET` + the WebSocket path);
  - after every reconnection, once the private channels are acknowledged, the sink is asked
    to resync from REST: whatever happened while the connection was down is read there (the
    first connection follows the start-up reconciliation; every cycle reads REST anyway);
  - `seq` is checked per subscription wherever the venue sends it (stream_wire: real captures
    omit it on some channels); a gap asks for a resync, and a book with a gap is dropped and
    subscribed again (a new snapshot);
  - a message that cannot be read is logged and answered with a resync, never guessed;
  - reconnection backs off exponentially with jitter (tenacity), interrupted by `stop()`.

One thread owns the connection; `watch()` may be called from any thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from loguru import logger
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_when_event_set,
    wait_exponential_jitter,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from domain.models import FillReport, Side
from infra.kalshi.errors import KalshiError
from infra.kalshi.signing import RequestSigner, signed_path
from infra.kalshi.stream_wire import (
    Frame,
    LiveBook,
    Quote,
    ended_order,
    parse_frame,
    parse_pushed_fill,
    post_position,
    quote_from_ticker,
)

PRIVATE_CHANNELS = ("fill", "user_orders", "market_positions")
MARKET_CHANNELS = ("ticker", "orderbook_delta")
RECV_SECONDS = 0.2  # how often the connection's thread looks at stop() and watch()
# The library's own lines only from warnings up: its debug lines carry the handshake's headers,
# and a signature has no place in a log.
WIRE_LOG = logging.getLogger(f"{__name__}.wire")
WIRE_LOG.setLevel(logging.WARNING)
STEADY_SECONDS = 5.0  # a connection that lasted this long reconnects at once when lost


class StreamSink(Protocol):
    """Where the stream's news goes (called from the stream's thread)."""

    def fills(self, fills: tuple[FillReport, ...]) -> None: ...

    def resync(self, reason: str) -> None: ...

    def order_ended(self, client_order_id: str) -> None: ...


class VenueStream(Protocol):
    """A venue's push channel, as the bot uses it (Kalshi's WebSocket; the paper exchange's
    own matching)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def watch(self, tickers: Iterable[str]) -> None: ...

    def quote(self, ticker: str) -> Quote | None: ...

    def down_since(self) -> datetime | None:
        """Since when the stream has been down (None: up)."""
        ...


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    maximum: float = 30.0


class StreamRefused(Exception):
    """The venue refused the handshake (401: the keys): retried, with backoff, and said."""


class KalshiStream:
    """One WebSocket connection to the venue, kept up until `stop()`."""

    def __init__(
        self,
        url: str,
        signer: RequestSigner,
        sink: StreamSink,
        *,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url
        self.signer = signer
        self.sink = sink
        self.backoff = backoff or Backoff()
        self.now = now
        self.connected = threading.Event()
        self._down_since: datetime | None = now()  # until the first connection
        # Fills, orders and positions are pushed (set once, when first subscribed to all three).
        self.subscribed = threading.Event()
        self.connections = 0  # handshakes that succeeded (each after the first: a resync)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._quoted = threading.Condition(self._lock)
        self._watched: frozenset[str] = frozenset()
        self._quotes: dict[str, Quote] = {}
        self._thread: threading.Thread | None = None
        self._session: _Session | None = None

    # The bot's side --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="venue-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        session = self._session
        if session is not None:
            session.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def watch(self, tickers: Iterable[str]) -> None:
        """The markets whose `ticker` and `orderbook_delta` to follow (held or quoted)."""
        with self._lock:
            self._watched = frozenset(tickers)
            self._quotes = {t: q for t, q in self._quotes.items() if t in self._watched}

    def quote(self, ticker: str) -> Quote | None:
        """The market's top of book as last pushed, with when (None: not followed)."""
        with self._lock:
            return self._quotes.get(ticker)

    def down_since(self) -> datetime | None:
        return None if self.connected.is_set() else self._down_since

    @property
    def watched(self) -> frozenset[str]:
        with self._lock:
            return self._watched

    def wait_for_quote(
        self, ticker: str, accept: Callable[[Quote], bool], timeout: float
    ) -> Quote | None:
        """The market's quote once `accept` takes it, or None after `timeout` seconds."""
        with self._quoted:
            self._quoted.wait_for(
                lambda: (q := self._quotes.get(ticker)) is not None and accept(q), timeout
            )
            quote = self._quotes.get(ticker)
        return quote if quote is not None and accept(quote) else None

    def _set_quote(self, quote: Quote) -> None:
        with self._quoted:
            if quote.ticker in self._watched:
                self._quotes[quote.ticker] = quote
                self._quoted.notify_all()

    # The connection's thread -----------------------------------------------------------------

    def _run(self) -> None:
        retrying = Retrying(
            retry=retry_if_exception_type((OSError, WebSocketException, StreamRefused)),
            wait=wait_exponential_jitter(
                multiplier=self.backoff.initial,
                max=self.backoff.maximum,
                jitter=self.backoff.initial,
            ),
            stop=stop_when_event_set(self._stop),
            sleep=self._stop.wait,
            before_sleep=self._log_retry,
            reraise=False,
        )
        while not self._stop.is_set():
            try:
                retrying(self._connect_and_serve)
            except Exception as exc:  # noqa: BLE001 - the stream is an optimisation: say, retry
                if self._stop.is_set():
                    break
                logger.opt(exception=exc).error("venue stream failed; reconnecting")
                self._stop.wait(self.backoff.maximum)

    def _log_retry(self, state: Any) -> None:
        """A warning at the first failed attempt and every tenth; the others at debug."""
        error = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0
        loud = state.attempt_number == 1 or state.attempt_number % 10 == 0
        logger.log(
            "WARNING" if loud else "DEBUG",
            "venue stream down ({}); reconnecting in {:.1f} s (attempt {})",
            _describe(error),
            wait,
            state.attempt_number,
        )

    def _connect_and_serve(self) -> None:
        if self._stop.is_set():
            return
        headers = self.signer.headers("GET", signed_path(self.url))
        try:
            with connect(
                self.url,
                additional_headers=headers,
                proxy=None,
                compression=None,
                open_timeout=10,
                max_size=64 * 1024 * 1024,  # A8: messages up to 64 MiB
                logger=WIRE_LOG,
            ) as connection:
                lasted = self._serve(_Session(self, connection))
        except InvalidStatus as refused:
            raise StreamRefused(f"handshake refused: HTTP {refused.response.status_code}") from None
        if self._stop.is_set():
            return
        if lasted < STEADY_SECONDS:
            raise ConnectionError("the venue closed the stream")  # backs off further
        logger.warning("venue stream lost; reconnecting")

    def _serve(self, session: _Session) -> float:
        """Serve one connection until it is lost or stopped; how long it lasted (seconds)."""
        self._session = session
        self.connections += 1
        self.connected.set()
        self._down_since = None
        opened = time.monotonic()
        try:
            session.serve()
        except ConnectionClosed:
            pass
        finally:
            self.connected.clear()
            self._down_since = self.now()
            self._session = None
        return time.monotonic() - opened


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionClosed | ConnectionError):
        return "connection lost"
    return f"{type(error).__name__}: {error}"


class _Session:
    """One connection: its subscriptions, their sequence numbers, the books it keeps."""

    def __init__(self, stream: KalshiStream, connection: ClientConnection) -> None:
        self.stream = stream
        self.connection = connection
        self.next_id = 1
        self.pending: dict[int, str] = {}  # command id -> channel subscribed
        self.sids: dict[int, str] = {}  # sid -> channel
        self.seqs: dict[int, int] = {}  # sid -> last seq seen
        self.market_tickers: frozenset[str] = frozenset()
        self.books: dict[str, LiveBook] = {}
        self.positions: dict[str, Decimal] = {}  # the venue's, after the last fill pushed

    def close(self) -> None:
        self.connection.close()

    def _command(self, cmd: str, params: dict[str, Any], channel: str = "") -> None:
        command_id = self.next_id
        self.next_id += 1
        if channel:
            self.pending[command_id] = channel
        self.connection.send(json.dumps({"id": command_id, "cmd": cmd, "params": params}))

    def serve(self) -> None:
        for channel in PRIVATE_CHANNELS:
            self._command("subscribe", {"channels": [channel]}, channel)
        while not self.stream._stop.is_set():
            self._follow(self.stream.watched)
            try:
                text = self.connection.recv(timeout=RECV_SECONDS)
            except TimeoutError:
                continue
            self._receive(text)

    # Markets followed ------------------------------------------------------------------------

    def _market_sids(self) -> dict[str, int]:
        return {channel: sid for sid, channel in self.sids.items() if channel in MARKET_CHANNELS}

    def _follow(self, wanted: frozenset[str]) -> None:
        """Bring the market subscriptions to `wanted`: subscribe the first time, then add and
        delete markets on the same subscriptions."""
        if wanted == self.market_tickers or any(
            c in MARKET_CHANNELS for c in self.pending.values()
        ):
            return
        sids = self._market_sids()
        added, removed = wanted - self.market_tickers, self.market_tickers - wanted
        if not sids:
            if wanted:
                for channel in MARKET_CHANNELS:
                    self._command(
                        "subscribe",
                        {"channels": [channel], "market_tickers": sorted(wanted)},
                        channel,
                    )
        else:
            for action, tickers in (("add_markets", added), ("delete_markets", removed)):
                if tickers:
                    self._command(
                        "update_subscription",
                        {
                            "sids": sorted(sids.values()),
                            "action": action,
                            "market_tickers": sorted(tickers),
                        },
                    )
        for ticker in removed:
            self.books.pop(ticker, None)
        self.market_tickers = wanted

    def _resubscribe_books(self, sid: int) -> None:
        """A gap in a book: drop it and subscribe again for a fresh snapshot."""
        self.sids.pop(sid, None)
        self.seqs.pop(sid, None)
        self.books.clear()
        self._command("unsubscribe", {"sids": [sid]})
        if self.market_tickers:
            self._command(
                "subscribe",
                {"channels": ["orderbook_delta"], "market_tickers": sorted(self.market_tickers)},
                "orderbook_delta",
            )

    # Messages --------------------------------------------------------------------------------

    def _receive(self, text: str | bytes) -> None:
        try:
            frame = parse_frame(text)
        except KalshiError as exc:
            logger.warning("venue stream: unreadable message ({}); resync", exc)
            self.stream.sink.resync("an unreadable message on the venue stream")
            return
        if frame.type == "subscribed":
            self._subscribed(frame)
            return
        if frame.type == "error":
            channel = self.pending.pop(frame.id, "") if frame.id is not None else ""
            logger.warning("venue stream refused a command {}: {}", channel or frame.id, frame.msg)
            return
        if frame.sid is None or frame.sid not in self.sids:
            return  # an answer to a command (ok, unsubscribed) or an old subscription's tail
        channel = self.sids[frame.sid]
        if not self._in_sequence(frame, channel):
            return
        try:
            self._data(frame)
        except KalshiError as exc:
            logger.warning("venue stream: unreadable {} message ({}); resync", frame.type, exc)
            self.stream.sink.resync(f"an unreadable {frame.type} message")

    def _subscribed(self, frame: Frame) -> None:
        channel = self.pending.pop(frame.id, None) if frame.id is not None else None
        sid = frame.msg.get("sid")
        if channel is None or not isinstance(sid, int):
            return
        self.sids[sid] = channel
        if channel in PRIVATE_CHANNELS and set(PRIVATE_CHANNELS) <= set(self.sids.values()):
            # Pushed from here on; what came before is REST's to tell. The first connection
            # follows the start-up reconciliation, and every cycle reads REST: only a
            # reconnection (what happened while down) needs a resync now.
            first = self.stream.connections == 1
            logger.info(
                "venue stream {}: fills, orders and positions pushed",
                "connected" if first else "reconnected",
            )
            self.stream.subscribed.set()
            if not first:
                self.stream.sink.resync("the venue stream reconnected")

    def _in_sequence(self, frame: Frame, channel: str) -> bool:
        """True to use the message. A gap asks for a resync (and a fresh book); a number seen
        already (a duplicate) is dropped."""
        if frame.seq is None:
            return True
        last = self.seqs.get(frame.sid, 0)
        if frame.seq <= last:
            return False
        self.seqs[frame.sid] = frame.seq
        if frame.seq == last + 1:
            return True
        lost = f"{channel}: expected seq {last + 1}, got {frame.seq}"
        logger.warning("venue stream: sequence gap on {}; resync", lost)
        if channel == "orderbook_delta":
            self._resubscribe_books(frame.sid)
            return False
        self.stream.sink.resync(f"a sequence gap on {lost}")
        return True

    def _check_position(self, fill: FillReport, after: Decimal | None) -> None:
        """The fill channel's own gap check (it may send no `seq`): the position after this
        fill is the one after the last plus this fill's contracts, or one was missed."""
        if after is None:
            return
        before = self.positions.get(fill.ticker)
        self.positions[fill.ticker] = after
        change = fill.count if fill.side is Side.YES else -fill.count
        if before is not None and before + change != after:
            lost = f"{fill.ticker}: position {before} + {change} is not {after}"
            logger.warning("venue stream: a fill was missed on {}; resync", lost)
            self.stream.sink.resync(f"a fill missed on {lost}")

    def _data(self, frame: Frame) -> None:
        now = self.stream.now()
        if frame.type == "fill":
            fill = parse_pushed_fill(frame.msg)
            self.stream.sink.fills((fill,))
            self._check_position(fill, post_position(frame.msg))
        elif frame.type == "ticker":
            quote = quote_from_ticker(frame.msg, now)
            if quote is not None and quote.ticker not in self.books:
                self.stream._set_quote(quote)
        elif frame.type == "orderbook_snapshot":
            ticker = str(frame.msg.get("market_ticker", ""))
            self.books[ticker] = LiveBook.from_snapshot(frame.msg)
            self.stream._set_quote(self.books[ticker].quote(ticker, now))
        elif frame.type == "orderbook_delta":
            ticker = str(frame.msg.get("market_ticker", ""))
            book = self.books.get(ticker)
            if book is not None:
                book.apply(
                    frame.msg.get("side"), frame.msg.get("price_dollars"), frame.msg.get("delta_fp")
                )
                self.stream._set_quote(book.quote(ticker, now))
        elif frame.type == "user_order":
            ended = ended_order(frame.msg)
            if ended is not None:
                self.stream.sink.order_ended(ended)
        elif frame.type == "market_position":
            logger.debug("venue stream {}: {}", frame.type, frame.msg)
