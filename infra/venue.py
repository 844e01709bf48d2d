"""Connecting to a venue: the embedded simulator, a running one, Kalshi demo, live, or paper
(Kalshi's public market data with orders simulated in a paper account of its own)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from loguru import logger

from domain.clock import Clock, format_utc
from domain.errors import OperatorInterventionRequired
from domain.money import exact_dollars
from infra.clock import SystemClock
from infra.kalshi.bounds import WireBounds
from infra.kalshi.client import DEMO_URL, PRODUCTION_URL, KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import KeyFileError, RequestSigner
from infra.kalshi.stream import Backoff, KalshiStream, StreamSink, VenueStream
from infra.kalshi.transport import ResponseLimits
from infra.paper.exchange import PaperExchange
from infra.paper.market_data import LiveMarketData
from infra.paper.store import PaperStore
from infra.paper.stream import PaperStream
from infra.polymarket.gamma import GammaClient, PolymarketListing
from infra.settings import REAL_MONEY_FLAG, REAL_MONEY_ONLY_BY_FLAG, Settings
from infra.sim import SimConfig, SimExchange
from infra.urls import VENUE_DOMAINS, host_of, is_kalshi_host, is_loopback, redact_urls
from infra.venue_client import VenueClient

CONNECT_TIMEOUT = 3.05  # seconds; reads get settings.request_timeout
# The venue's WebSocket (A1, A8), by the REST URL the bot trades at.
STREAM_URLS = {
    PRODUCTION_URL: "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
    DEMO_URL: "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2",
    "https://api.elections.kalshi.com/trade-api/v2": "wss://api.elections.kalshi.com/trade-api/ws/v2",
    "https://demo-api.kalshi.co/trade-api/v2": "wss://demo-api.kalshi.co/trade-api/ws/v2",
}
StreamFactory = Callable[[StreamSink], VenueStream]
LOOPBACK_BACKOFF = Backoff(initial=0.05, maximum=2.0)


@dataclass
class Venue:
    name: str
    client: VenueClient
    gamma: PolymarketListing | None
    clock: Clock
    sim: SimExchange | None = None
    # Opens the venue's WebSocket, pushing to a sink (None: no stream, REST alone).
    open_stream: StreamFactory | None = None

    @property
    def description(self) -> str:
        if isinstance(self.client, PaperExchange):
            store = self.client.store
            source = redact_urls(self.client.base_url)
            return f"paper (market data {source}; paper account {store.path})"
        if self.sim is None:
            return f"{self.name} ({redact_urls(self.client.base_url)})"
        start = self.sim.start_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.name} (embedded simulator, seed {self.sim.config.seed}, starting {start})"

    def close(self) -> None:
        self.client.close()
        if self.gamma is not None:
            self.gamma.close()
        if self.sim is not None:
            self.sim.stop()


def connect(settings: Settings, *, confirm_live: bool = False, **sim_options: Any) -> Venue:
    """Build the clients for the configured venue; raise OperatorInterventionRequired if the
    credentials or flags do not allow it. `confirm_live` is the command-line flag (real money is
    confirmed by it alone); `sim_options` tune the embedded simulator (tests)."""
    venue = settings.resolved_venue
    limits = settings.rate_limits
    limiter = TokenBucketLimiter(
        RateLimitConfig(**limits.model_dump())  # one limiter for the whole process
    )
    timeout = float(settings.request_timeout)
    if venue == "sim" and settings.exchange_url is None:
        return _embedded_sim(settings, limiter, timeout, sim_options)
    if venue == "paper":
        return _paper(settings, limiter, timeout)
    if venue == "live" and not confirm_live:
        raise OperatorInterventionRequired(
            f"--venue live trades real money: add {REAL_MONEY_FLAG} to confirm"
            f" ({REAL_MONEY_ONLY_BY_FLAG})"
        )
    base_url = settings.exchange_url or (PRODUCTION_URL if venue == "live" else DEMO_URL)
    check_account_url(venue, base_url)
    signer = _signer_from_files(settings)
    client = KalshiClient(
        base_url, signer, limiter, timeout=(CONNECT_TIMEOUT, timeout), **_guards(settings)
    )
    gamma_url = _origin(base_url) if venue == "sim" else settings.polymarket.gamma_url
    stream_url = settings.stream.url or STREAM_URLS.get(base_url)
    if venue == "sim" and stream_url is None:
        stream_url = sim_stream_url(base_url)
    return Venue(
        venue,
        client,
        _gamma(settings, gamma_url, timeout),
        SystemClock(),
        open_stream=_stream(settings, venue, stream_url, signer),
    )


def sim_stream_url(base_url: str) -> str | None:
    """A standalone simulator's WebSocket: on the port after its HTTP port (infra.sim)."""
    parts = urlsplit(base_url)
    if parts.port is None:
        return None
    return f"ws://{parts.hostname}:{parts.port + 1}/trade-api/ws/v2"


def _stream(
    settings: Settings, venue: str, url: str | None, signer: RequestSigner
) -> StreamFactory | None:
    """The venue's WebSocket, signed with the account's keys; the URL is held to the rules of
    the exchange URL (check_account_url): the handshake is signed with them."""
    if not settings.stream.enabled:
        return None
    if url is None:
        logger.info("no WebSocket for this exchange (set stream.url): fills are read once a cycle")
        return None
    check_account_url(venue, url.replace("ws", "http", 1))
    # A simulator on this machine is back at once; a venue over the network is given time.
    backoff = LOOPBACK_BACKOFF if is_loopback(host_of(url)) else Backoff()
    return lambda sink: KalshiStream(url, signer, sink, backoff=backoff)


def check_account_url(venue: str, url: str) -> None:
    """Orders signed with the account's keys go only where the venue says: `live` over https
    to Kalshi's production (kalshi.com), `demo` over https to its demo (kalshi.co), `sim` to a
    simulator on this machine. A proxy in between could rewrite every order (the signature does
    not cover the body), and keys sent to production under another venue's name would trade
    real money without the flag. Loopback is allowed for live and demo in tests, logged."""
    host = host_of(url)
    shown = redact_urls(url)
    if venue == "sim":
        if not is_loopback(host):
            raise OperatorInterventionRequired(
                f"--venue sim refuses the exchange URL {shown}: a standalone simulator runs on"
                " this machine (127.0.0.1, localhost); an exchange elsewhere is --venue demo or"
                " --venue live"
            )
        return
    if is_loopback(host):
        logger.warning(
            "--venue {} at {}: a loopback address, for tests only (orders go to whatever"
            " listens on this machine, not to Kalshi)",
            venue,
            shown,
        )
        return
    domain = VENUE_DOMAINS[venue]
    if urlsplit(url).scheme != "https" or not is_kalshi_host(host, (domain,)):
        raise OperatorInterventionRequired(
            f"--venue {venue} refuses the exchange URL {shown}: orders signed with your Kalshi"
            f" keys go only over https:// to a Kalshi {venue} host (*.{domain}), e.g."
            f" {PRODUCTION_URL if venue == 'live' else DEMO_URL}"
        )


def _embedded_sim(
    settings: Settings, limiter: TokenBucketLimiter, timeout: float, options: dict[str, Any]
) -> Venue:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = str(uuid.uuid4())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sim = SimExchange(
        SimConfig(
            seed=settings.sim.seed,
            markets=settings.sim.markets,
            time_scale=float(settings.sim.time_scale),
            # Re-quote about every two real seconds, as a real book moves, whatever the scale.
            quote_interval_seconds=max(60.0, 2 * float(settings.sim.time_scale)),
            initial_balance=max(settings.initial_bankroll * 10, Decimal(10_000)),
            **{"start_time": settings.sim.start_time, **settings.sim.price_options(), **options},
        )
    )
    sim.register_key(key_id, public_pem)
    sim.start()
    signer = RequestSigner(key_id, key)
    client = KalshiClient(
        sim.base_url, signer, limiter, timeout=(CONNECT_TIMEOUT, timeout), **_guards(settings)
    )
    gamma = _gamma(settings, sim.gamma_url, timeout)
    open_stream = _stream(settings, "sim", settings.stream.url or sim.ws_url, signer)
    return Venue("sim", client, gamma, sim.clock, sim, open_stream=open_stream)


def _paper(settings: Settings, limiter: TokenBucketLimiter, timeout: float) -> Venue:
    """Kalshi's public market data (no keys), orders simulated in the paper account."""
    public = KalshiClient(
        settings.data_url or PRODUCTION_URL,
        None,  # public endpoints only: the paper exchange never signs anything
        limiter,
        timeout=(CONNECT_TIMEOUT, timeout),
        **_guards(settings),
    )
    clock = SystemClock()
    try:
        store = PaperStore(
            settings.paper_account_path,
            settings.paper.starting_cash,
            clock.now(),
            exclusive=True,
        )
    except BaseException:
        public.close()
        raise
    logger.info(
        "paper account {} (cash {} when created {})",
        store.path,
        exact_dollars(store.starting_cash),
        format_utc(store.created_at),
    )
    exchange = PaperExchange(LiveMarketData(public), store, clock)
    gamma = _gamma(settings, _paper_gamma_url(settings), timeout)
    open_stream: StreamFactory | None = None
    if settings.stream.enabled:
        open_stream = lambda sink: PaperStream(exchange, sink)  # noqa: E731
    return Venue("paper", exchange, gamma, clock, open_stream=open_stream)


def _paper_gamma_url(settings: Settings) -> str:
    """Polymarket's own listing beside Kalshi's data; beside any other data source (a
    simulator, which serves its linked Gamma listing at its origin, as `--exchange-url` does)
    that origin's, unless `polymarket.gamma_url` is set."""
    data_url = settings.data_url
    if data_url is None or "gamma_url" in settings.polymarket.model_fields_set:
        return settings.polymarket.gamma_url
    if is_kalshi_host(host_of(data_url)):
        return settings.polymarket.gamma_url
    return _origin(data_url)


def _signer_from_files(settings: Settings) -> RequestSigner:
    if settings.kalshi_api_key_id is None or settings.kalshi_private_key_path is None:
        raise OperatorInterventionRequired(
            f"--venue {settings.resolved_venue} needs Kalshi credentials: set KALSHI_API_KEY_ID"
            " and KALSHI_PRIVATE_KEY_PATH (the PEM file Kalshi gave you)"
        )
    try:
        return RequestSigner.from_files(
            settings.kalshi_api_key_id.get_secret_value(), settings.kalshi_private_key_path
        )
    except KeyFileError as exc:
        raise OperatorInterventionRequired(str(exc)) from None


def _gamma(settings: Settings, url: str, timeout: float) -> GammaClient | None:
    if not settings.polymarket.enabled:
        return None
    return GammaClient(url, timeout=(CONNECT_TIMEOUT, timeout), limits=_guards(settings)["limits"])


def _guards(settings: Settings) -> dict[str, Any]:
    """The ceilings on venue numbers and the bounds on every response, from `[limits]`."""
    limits = settings.limits
    return {
        "bounds": WireBounds(
            max_dollars=limits.max_dollars,
            max_contracts=limits.max_contracts,
            max_market_contracts=limits.max_market_contracts,
        ),
        "limits": ResponseLimits(
            deadline=float(limits.response_deadline),
            max_bytes=limits.max_response_bytes,
            max_depth=limits.max_json_depth,
        ),
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
