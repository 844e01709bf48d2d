"""`SimExchange`: the embeddable simulated Kalshi (+ Gamma) exchange on loopback."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

from infra.sim.admin_routes import AdminRoutes
from infra.sim.app import SimApp
from infra.sim.auth import Authenticator, KeyRegistry
from infra.sim.clock import SimClock
from infra.sim.config import SimConfig
from infra.sim.engine import Exchange
from infra.sim.faults import Faults
from infra.sim.gamma_routes import GammaRoutes
from infra.sim.kalshi_routes import KalshiRoutes
from infra.sim.paths import KALSHI_PREFIX
from infra.sim.ratelimit import RateLimiter
from infra.sim.server import SimHTTPServer
from infra.sim.stats import SimStats, StatsRecorder
from infra.sim.stream import SimStream, StreamFaults


def _clock(config: SimConfig) -> tuple[datetime, SimClock]:
    """The start time and the sim clock.

    At time scale 1 with no start time the sim clock *is* the wall clock (the one signatures
    are checked against), so every timestamp it emits and every `expiration_time` it accepts
    agrees with a third-party client's clock. Otherwise the clock starts at the given time, or
    at the current minute, and runs at `time_scale` on the injectable scale clock.
    """
    if config.start_time is None and config.time_scale == 1:
        now = config.auth_clock()
        return datetime.fromtimestamp(now, UTC), SimClock(
            datetime.fromtimestamp(now, UTC), 1.0, config.auth_clock, anchor=now
        )
    start = config.start_time or datetime.now(UTC).replace(second=0, microsecond=0)
    return start, SimClock(start, config.time_scale, config.scale_clock)


class SimExchange:
    """A Kalshi-compatible exchange with markets that open, trade and settle on a sim clock.

    Typical test use::

        sim = SimExchange(SimConfig(seed=7, time_scale=0))
        sim.register_key("key-1", public_pem)
        sim.start()
        ...  # talk HTTP to sim.base_url; drive time with sim.advance(seconds)
        sim.stop()
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.start_time, self.clock = _clock(self.config)
        self._recorder = StatsRecorder()
        self.faults = Faults(seed=self.config.seed)
        self._keys = KeyRegistry()
        self.exchange = Exchange(self.config, self.clock, self._recorder)
        limiter = RateLimiter(
            read_rate=self.config.read_rate,
            read_burst=self.config.read_burst,
            write_rate=self.config.write_rate,
            write_burst=self.config.write_burst,
            clock=self.config.rate_clock,
            recorder=self._recorder,
        )
        authenticator = Authenticator(
            self._keys, self.config.auth_clock, self.config.timestamp_tolerance_seconds
        )
        # On a fixed port, the WebSocket takes the next one (a bot derives it from the URL).
        ws_port = self.config.port + 1 if self.config.port else 0
        self.stream = SimStream(self.exchange, authenticator, self.config.host, ws_port)
        routes = [
            *KalshiRoutes(self.exchange, self.config.cancel_cost).routes(),
            *AdminRoutes(
                self.exchange,
                self.faults,
                self._recorder,
                self._keys,
                self.register_key,
                self.stream,
            ).routes(),
            *GammaRoutes(self.exchange).routes(),
        ]
        self.app = SimApp(
            routes,
            authenticator=authenticator,
            keys=self._keys,
            limiter=limiter,
            faults=self.faults,
            recorder=self._recorder,
            request_cost=self.config.request_cost,
        )
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()
        self._stopped = False

    # -- server lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Bind (port 0 = an ephemeral port) and serve in a background thread."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the sim is already started")
            if self._stopped:
                raise RuntimeError("a stopped sim cannot be restarted; create a new one")
            self._server = SimHTTPServer((self.config.host, self.config.port), self.app)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # how fast stop() returns
                name=f"sim-exchange:{self.port}",
                daemon=True,
            )
            self._thread.start()
            self.stream.start()

    def stop(self) -> None:
        """Idempotent. Wakes hung requests, closes connections and joins every thread."""
        with self._lifecycle:
            self._stopped = True
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self.stream.stop()
        server.stop_event.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> SimExchange:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sim is not started")
        return int(self._server.server_address[1])

    @property
    def gamma_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.gamma_url}{KALSHI_PREFIX}"

    @property
    def ws_url(self) -> str:
        """The WebSocket (A8), on a loopback port of its own: `ws://host:port/trade-api/ws/v2`."""
        return self.stream.url

    @property
    def stream_faults(self) -> StreamFaults:
        return self.stream.faults

    # -- accounts, time, observation -------------------------------------------------------------

    def register_key(
        self, key_id: str, public_key_pem: bytes, balance: Decimal | None = None
    ) -> None:
        """Register an RSA or Ed25519 public key; its account starts with `initial_balance`."""
        self._keys.register(key_id, public_key_pem)
        self.exchange.open_account(
            key_id, self.config.initial_balance if balance is None else balance
        )

    def advance(self, seconds: float) -> None:
        """Move the sim clock forward and run everything that falls due (closes, payouts...)."""
        self.clock.advance(seconds)
        self.exchange.sync()

    @property
    def stats(self) -> SimStats:
        return self._recorder.snapshot()

    def reset_stats(self) -> None:
        self._recorder.reset()

    # -- test hooks ----------------------------------------------------------------------------

    def set_true_probability(self, ticker: str, p: float) -> None:
        self.exchange.set_probability(ticker, p)

    def settle(
        self, ticker: str, result: str, settlement_value: Decimal | str | None = None
    ) -> None:
        """Close (if open), determine with `result` (yes, no, void; scalar with a value in
        dollars per YES contract) and finalize now, paying out."""
        value = None if settlement_value is None else Decimal(settlement_value)
        self.exchange.force_settle(ticker, result, value)

    def place_external_position(
        self, key_id: str, ticker: str, side: str, count: Decimal | str, price: Decimal | str
    ) -> str:
        """Give an account a position it did not trade through the API (no fee); returns the
        order id. `side` is "yes" or "no"; `price` is that side's price."""
        order = self.exchange.external_position(
            key_id, ticker, side, Decimal(count), Decimal(price)
        )
        return order.order_id

    def pin_book(
        self,
        ticker: str,
        yes_bids: list[tuple[str | Decimal, str | Decimal]] | None = None,
        no_bids: list[tuple[str | Decimal, str | Decimal]] | None = None,
    ) -> None:
        """Fix the market maker's quotes for `ticker` (dollar price, count) until `unpin_book`."""
        self.exchange.pin_book(
            ticker,
            [(Decimal(p), Decimal(c)) for p, c in yes_bids or ()],
            [(Decimal(p), Decimal(c)) for p, c in no_bids or ()],
        )

    def unpin_book(self, ticker: str) -> None:
        self.exchange.pin_book(ticker, None, None)

    def open_tickers(self) -> list[str]:
        """Tickers of the markets open right now, in listing order."""
        with self.exchange.synced() as ex:
            return [m.ticker for m in ex.markets if m.status.value == "active"]

    def true_probability(self, ticker: str) -> float:
        """The market's hidden fair value now (for evaluation only; see infra.sim.pricing)."""
        with self.exchange.synced() as ex:
            return ex.truth(ex.market(ticker))

    def truths(self) -> dict[str, float]:
        """Every open market's hidden fair value now, by ticker (for evaluation only)."""
        with self.exchange.synced() as ex:
            return {m.ticker: ex.truth(m) for m in ex.markets if m.status.value == "active"}

    def balance(self, key_id: str) -> Decimal:
        with self.exchange.synced() as ex:
            return ex.account(key_id).balance
