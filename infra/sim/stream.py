"""The simulator's WebSocket (A8): Kalshi's channels, in its wire format, on a loopback port.

The handshake is signed like a REST request (`GET` + `/trade-api/ws/v2`, the same
KALSHI-ACCESS-* headers) and refused with 401 otherwise. A client subscribes with
`{"id", "cmd": "subscribe", "params": {"channels": [...], "market_tickers": [...]}}` and is
answered `subscribed` with a `sid`; `update_subscription` (`add_markets`, `delete_markets`) and
`unsubscribe` work on those sids. Each data message is `{"type", "sid", "seq", "msg"}` with `seq`
counting from 1 per subscription (A8), except on `fill` and `user_orders`, which send none, as
the venue's own examples show (a `fill` carries `post_position_fp` instead).

Private channels, for the key's own account: `fill`, `user_orders` (type `user_order`) and
`market_positions` (type `market_position`). Market channels, for `market_tickers`: `ticker`
(the top of the book, at subscription and on each change) and `orderbook_delta` (an
`orderbook_snapshot`, then a delta per changed level).

Each connection is served by one thread, which reads commands with a short timeout and, in
between, pushes what changed in the exchange since it last looked: the exchange's own records
(the account's fills, orders and positions; the market's book), so what is pushed is what REST
answers. Faults (tests): `drop_next(channel)` closes the connection instead of sending that
channel's next message, `skip_next(channel)` loses it (and its sequence number, if it has one),
`duplicate_next(channel)` sends it twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from infra.sim.auth import Authenticator
from infra.sim.book import book_levels
from infra.sim.engine import Exchange
from infra.sim.kalshi_json import fill_json, market_json, order_json
from infra.sim.models import Account, Fill, MarketState
from infra.sim.wire import ApiError, cents_dollars, count, exact_dollars

# The server's own lines (listening, each connection opened and closed) only when they matter.
server_log = logging.getLogger(f"{__name__}.server")
server_log.setLevel(logging.WARNING)

WS_PATH = "/trade-api/ws/v2"
PRIVATE = ("fill", "user_orders", "market_positions")
MARKET = ("ticker", "orderbook_delta")
# Channels whose messages carry no `seq`: so the venue's own `fill` example, and third-party
# captures of `user_order` (A8 says every data message has one; the examples win).
UNSEQUENCED = frozenset({"fill", "user_orders"})
POLL_SECONDS = 0.02  # how often a connection looks for news between commands
TICKER_FIELDS = (
    "yes_bid_dollars",
    "yes_ask_dollars",
    "no_bid_dollars",
    "no_ask_dollars",
    "yes_bid_size_fp",
    "yes_ask_size_fp",
    "last_price_dollars",
    "volume_fp",
    "open_interest_fp",
)


class StreamFaults:
    """Faults on the pushed messages, one message of a channel at a time (thread-safe):
    `drop` closes the connection instead of sending it, `skip` loses it (and its sequence
    number), `duplicate` sends it twice (the same sequence number)."""

    KINDS = ("drop", "skip", "duplicate")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], int] = {}  # (kind, channel) -> messages left

    def add(self, kind: str, channel: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"{kind!r} is not a stream fault: {', '.join(self.KINDS)}")
        with self._lock:
            self._pending[kind, channel] = self._pending.get((kind, channel), 0) + 1

    def drop_next(self, channel: str) -> None:
        self.add("drop", channel)

    def skip_next(self, channel: str) -> None:
        self.add("skip", channel)

    def duplicate_next(self, channel: str) -> None:
        self.add("duplicate", channel)

    def take(self, channel: str) -> str | None:
        """The fault for the message about to be sent on `channel`, if any."""
        with self._lock:
            for kind in self.KINDS:
                if self._pending.get((kind, channel), 0) > 0:
                    self._pending[kind, channel] -= 1
                    return kind
        return None


def _fill_msg(fill: Fill, client_order_id: str) -> dict[str, Any]:
    """A `fill` message body: the REST record's fields under the channel's names (the fill's
    id is `trade_id` alone, as in Kalshi's example; `market_ticker`, `ts`/`ts_ms`)."""
    rest = fill_json(fill)
    return {
        "trade_id": rest["fill_id"],
        "order_id": rest["order_id"],
        "market_ticker": fill.ticker,
        "is_taker": rest["is_taker"],
        "side": rest["side"],
        "action": rest["action"],
        "outcome_side": rest["outcome_side"],
        "book_side": rest["book_side"],
        "purchased_side": fill.book_side.outcome,  # A5.9: a bid buys YES, an ask buys NO
        "yes_price_dollars": rest["yes_price_dollars"],
        "count_fp": rest["count_fp"],
        "fee_cost": rest["fee_cost"],
        "ts": int(fill.ts),
        "ts_ms": int(fill.ts * 1000),
        "client_order_id": client_order_id,
        "post_position_fp": count(fill.post_position),
        "subaccount": 0,
    }


def _position_msg(ticker: str, state: tuple[Decimal, Decimal, Decimal, Decimal]) -> dict[str, Any]:
    position, exposure, realized, fees = state
    return {
        "market_ticker": ticker,
        "position_fp": count(position),
        "position_cost_dollars": exact_dollars(exposure),
        "realized_pnl_dollars": exact_dollars(realized),
        "fees_paid_dollars": exact_dollars(fees),
        "subaccount": 0,
    }


@dataclass
class _Subscription:
    sid: int
    channel: str
    tickers: set[str] = field(default_factory=set)
    seq: int = 0


@dataclass
class _Seen:
    """What a connection last pushed, to push only what changed."""

    fills: int = 0  # the account's fills already pushed (it only grows)
    orders: dict[str, tuple[str, Decimal, Decimal]] = field(default_factory=dict)
    positions: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = field(default_factory=dict)
    tickers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    books: dict[str, tuple[dict[int, Decimal], dict[int, Decimal]]] = field(default_factory=dict)


class _Dropped(Exception):
    """The drop fault: the connection is closed instead of sending."""


class _Session:
    """One connection: its subscriptions, and what it pushed already."""

    def __init__(
        self, connection: ServerConnection, key_id: str, exchange: Exchange, faults: StreamFaults
    ) -> None:
        self.connection = connection
        self.key_id = key_id
        self.exchange = exchange
        self.faults = faults
        self.subscriptions: dict[int, _Subscription] = {}
        self.next_sid = 1
        self.seen = _Seen()
        # Data messages made under the exchange's lock, sent after it is released: a slow
        # client never holds up the exchange. None stands for the drop fault.
        self.outbox: list[dict[str, Any] | None] = []

    def serve(self, stop: threading.Event) -> None:
        with self.exchange.lock:
            account = self.exchange.account(self.key_id)
            self.seen.fills = len(account.fills)
            self.seen.orders = {o.order_id: _order_state(o) for o in account.orders}
            self.seen.positions = {t: _position_state(p) for t, p in account.positions.items()}
        while not stop.is_set():
            try:
                text = self.connection.recv(timeout=POLL_SECONDS)
            except TimeoutError:
                text = None
            if text is not None:
                self._command(text)
            self._push()
            self._flush()

    # Commands ------------------------------------------------------------------------------

    def _send(self, payload: dict[str, Any]) -> None:
        self.connection.send(json.dumps(payload))

    def _error(self, command_id: Any, code: int, message: str) -> None:
        self._send({"id": command_id, "type": "error", "msg": {"code": code, "msg": message}})

    def _command(self, text: str | bytes) -> None:
        try:
            command = json.loads(text)
            command_id, name = command.get("id"), command["cmd"]
            params = command.get("params") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            self._error(None, 1, "Unable to process message")
            return
        if name == "subscribe":
            self._subscribe(command_id, params)
        elif name == "unsubscribe":
            for sid in params.get("sids") or ():
                self.subscriptions.pop(sid, None)
            self._send({"id": command_id, "type": "unsubscribed", "msg": {}})
        elif name == "update_subscription":
            self._update(command_id, params)
        else:
            self._error(command_id, 5, "Unknown command")

    def _tickers(self, params: dict[str, Any]) -> set[str]:
        tickers = set(params.get("market_tickers") or ())
        if params.get("market_ticker"):
            tickers.add(params["market_ticker"])
        return tickers

    def _subscribe(self, command_id: Any, params: dict[str, Any]) -> None:
        channels = params.get("channels") or ()
        unknown = [c for c in channels if c not in PRIVATE + MARKET]
        if not channels or unknown:
            self._error(command_id, 8, f"Unknown channel name: {unknown or channels}")
            return
        tickers = self._tickers(params)
        for channel in channels:
            if channel in MARKET and not tickers:
                self._error(command_id, 3, f"Params required: market_tickers for {channel}")
                continue
            subscription = _Subscription(self.next_sid, channel, set(tickers))
            self.next_sid += 1
            self.subscriptions[subscription.sid] = subscription
            self._send(
                {
                    "id": command_id,
                    "type": "subscribed",
                    "msg": {"channel": channel, "sid": subscription.sid},
                }
            )
            self._initial(subscription, tickers)

    def _update(self, command_id: Any, params: dict[str, Any]) -> None:
        sids = list(params.get("sids") or ()) + ([params["sid"]] if params.get("sid") else [])
        action, tickers = params.get("action"), self._tickers(params)
        found = [self.subscriptions[s] for s in sids if s in self.subscriptions]
        if not found or action not in {"add_markets", "delete_markets"}:
            self._error(command_id, 6, "Subscription or action not found")
            return
        for subscription in found:
            if action == "add_markets":
                added = tickers - subscription.tickers
                subscription.tickers |= added
                self._initial(subscription, added)
            else:
                subscription.tickers -= tickers
                for ticker in tickers:
                    self.seen.tickers.pop(ticker, None)
                    self.seen.books.pop(ticker, None)
        self._send({"id": command_id, "type": "ok", "msg": {}})

    def _initial(self, subscription: _Subscription, tickers: set[str]) -> None:
        """A market channel starts with the state of each market: the ticker, or the book's
        snapshot (then deltas)."""
        if subscription.channel not in MARKET:
            return
        with self.exchange.synced() as exchange:
            for ticker in sorted(tickers):
                market = exchange.markets_by_ticker.get(ticker)
                if market is None:
                    continue
                if subscription.channel == "ticker":
                    self._ticker(subscription, exchange, market, force=True)
                else:
                    yes, no = book_levels(market, exchange.epoch)
                    self.seen.books[ticker] = (dict(yes), dict(no))
                    self._data(
                        subscription,
                        "orderbook_snapshot",
                        {
                            "market_ticker": ticker,
                            "market_id": ticker,
                            "yes_dollars_fp": _levels(yes),
                            "no_dollars_fp": _levels(no),
                        },
                    )

    # Pushes --------------------------------------------------------------------------------

    def _data(self, subscription: _Subscription, kind: str, msg: dict[str, Any]) -> None:
        subscription.seq += 1
        fault = self.faults.take(subscription.channel)
        if fault == "skip":
            return
        if fault == "drop":
            self.outbox.append(None)
            return
        frame: dict[str, Any] = {"type": kind, "sid": subscription.sid}
        if subscription.channel not in UNSEQUENCED:
            frame["seq"] = subscription.seq
        self.outbox += [frame | {"msg": msg}] * (2 if fault == "duplicate" else 1)

    def _flush(self) -> None:
        outbox, self.outbox = self.outbox, []
        for payload in outbox:
            if payload is None:
                raise _Dropped
            self._send(payload)

    def _by_channel(self, channel: str) -> list[_Subscription]:
        return [s for s in self.subscriptions.values() if s.channel == channel]

    def _push(self) -> None:
        if not self.subscriptions:
            return
        with self.exchange.synced() as exchange:
            account = exchange.account(self.key_id)
            self._push_fills(exchange, account)
            self._push_orders(account)
            self._push_positions(account)
            for subscription in self._by_channel("ticker"):
                for ticker in sorted(subscription.tickers):
                    market = exchange.markets_by_ticker.get(ticker)
                    if market is not None:
                        self._ticker(subscription, exchange, market)
            for subscription in self._by_channel("orderbook_delta"):
                for ticker in sorted(subscription.tickers):
                    market = exchange.markets_by_ticker.get(ticker)
                    if market is not None:
                        self._book_deltas(subscription, exchange, market)

    def _push_fills(self, exchange: Exchange, account: Account) -> None:
        new = account.fills[self.seen.fills :]
        self.seen.fills = len(account.fills)
        for subscription in self._by_channel("fill"):
            for fill in new:
                order = exchange.orders_by_id.get(fill.order_id)
                client_order_id = order.client_order_id if order is not None else ""
                self._data(subscription, "fill", _fill_msg(fill, client_order_id))

    def _push_orders(self, account: Account) -> None:
        changed = []
        for order in account.orders:
            state = _order_state(order)
            if self.seen.orders.get(order.order_id) != state:
                self.seen.orders[order.order_id] = state
                changed.append(order)
        for subscription in self._by_channel("user_orders"):
            for order in changed:
                self._data(subscription, "user_order", order_json(order))

    def _push_positions(self, account: Account) -> None:
        changed = []
        for ticker, position in account.positions.items():
            state = _position_state(position)
            if self.seen.positions.get(ticker) != state:
                self.seen.positions[ticker] = state
                changed.append((ticker, state))
        for subscription in self._by_channel("market_positions"):
            for ticker, state in changed:
                self._data(subscription, "market_position", _position_msg(ticker, state))

    def _ticker(
        self,
        subscription: _Subscription,
        exchange: Exchange,
        market: MarketState,
        *,
        force: bool = False,
    ) -> None:
        data = market_json(exchange, market)
        values = tuple(str(data.get(name, "")) for name in TICKER_FIELDS)
        if not force and self.seen.tickers.get(market.ticker) == values:
            return
        self.seen.tickers[market.ticker] = values
        now = exchange.now_ts
        msg = {"market_ticker": market.ticker, "market_id": market.ticker}
        msg |= dict(zip(TICKER_FIELDS, values, strict=True))
        msg |= {"price_dollars": data.get("last_price_dollars"), "ts": int(now)}
        msg |= {"ts_ms": int(now * 1000)}
        self._data(subscription, "ticker", msg)

    def _book_deltas(
        self, subscription: _Subscription, exchange: Exchange, market: MarketState
    ) -> None:
        before = self.seen.books.get(market.ticker)
        if before is None:
            return
        yes, no = book_levels(market, exchange.epoch)
        self.seen.books[market.ticker] = (dict(yes), dict(no))
        for side, old, new in (("yes", before[0], yes), ("no", before[1], no)):
            for price in sorted(set(old) | set(new)):
                delta = new.get(price, Decimal(0)) - old.get(price, Decimal(0))
                if delta != 0:
                    self._data(
                        subscription,
                        "orderbook_delta",
                        {
                            "market_ticker": market.ticker,
                            "market_id": market.ticker,
                            "price_dollars": cents_dollars(price),
                            "delta_fp": count(delta),
                            "side": side,
                            "ts_ms": int(exchange.now_ts * 1000),
                        },
                    )


def _levels(levels: dict[int, Decimal]) -> list[list[str]]:
    """Bids ascending, best last, as the REST book (A10.4)."""
    return [[cents_dollars(p), count(levels[p])] for p in sorted(levels) if levels[p] > 0]


def _order_state(order: Any) -> tuple[str, Decimal, Decimal]:
    return (str(order.status), order.filled, order.remaining)


def _position_state(position: Any) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (position.position, position.exposure, position.realized, position.fees)


class SimStream:
    """The WebSocket server beside the simulator's HTTP server (its own loopback port)."""

    def __init__(
        self, exchange: Exchange, authenticator: Authenticator, host: str, port: int = 0
    ) -> None:
        self.exchange = exchange
        self.authenticator = authenticator
        self.host = host
        self.port = port  # 0: any free port
        self.faults = StreamFaults()
        self._keys: dict[int, str] = {}  # id(connection) -> the key it signed with
        self._keys_lock = threading.Lock()
        self._stop = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sim's WebSocket is not started")
        port = self._server.socket.getsockname()[1]
        return f"ws://{self.host}:{port}{WS_PATH}"

    def start(self) -> None:
        self._server = serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._authenticate,
            ping_interval=10,  # A8: the venue pings every 10 s
            compression=None,
            logger=server_log,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sim-stream", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        for connection in list(server.connections):
            _close(connection)
        if thread is not None:
            thread.join()

    def drop_connections(self) -> None:
        """Close every open connection at once, as a network failure would."""
        if self._server is not None:
            for connection in list(self._server.connections):
                _close(connection)

    def _authenticate(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path != WS_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        try:
            key_id = self.authenticator.authenticate(headers, "GET", path)
        except ApiError as refused:
            body = json.dumps(refused.body())
            return connection.respond(HTTPStatus.UNAUTHORIZED, body)
        with self._keys_lock:
            self._keys[id(connection)] = key_id
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._keys_lock:
            key_id = self._keys.pop(id(connection))
        session = _Session(connection, key_id, self.exchange, self.faults)
        try:
            session.serve(self._stop)
        except _Dropped:
            _close(connection)
        except ConnectionClosed:
            return


def _close(connection: ServerConnection) -> None:
    """Close the socket under the connection: the client sees the connection lost."""
    with contextlib.suppress(OSError):
        connection.socket.shutdown(socket.SHUT_RDWR)
