"""Integration tests over real HTTP against the simulated exchange (infra/sim)."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from domain.models import Side
from infra.clock import SystemClock
from infra.kalshi import (
    AmbiguousOutcome,
    AuthenticationError,
    KalshiClient,
    KalshiError,
    KeyFileError,
    LookupPolicy,
    MalformedResponse,
    RateLimitConfig,
    RequestSigner,
    RetryPolicy,
    TimeInForce,
    TokenBucketLimiter,
    TransientError,
    VenueRefused,
)
from infra.sim import SimConfig, SimExchange
from tests.infra.kalshi.conftest import Sleeps
from tests.infra.kalshi.keys import KEY_ID, SkewedClock, ed_key, public_pem, rsa_key, write
from tests.infra.sim.helpers import START

ED_KEY_ID = "ed25519-key-1"
BALANCE = "/trade-api/v2/portfolio/balance"
CREATE = "/trade-api/v2/portfolio/events/orders"
ORDERS_PREFIX = "/portfolio/events/orders"


def unlimited() -> TokenBucketLimiter:
    big = Decimal(1_000_000)
    return TokenBucketLimiter(
        RateLimitConfig(read_rate=big, read_burst=big, write_rate=big, write_burst=big)
    )


def start_sim(**config: Any) -> SimExchange:
    sim = SimExchange(
        SimConfig(**{"seed": 7, "markets": 200, "time_scale": 0, "start_time": START, **config})
    )
    sim.register_key(KEY_ID, public_pem(rsa_key()))
    sim.register_key(ED_KEY_ID, public_pem(ed_key()))
    sim.start()
    return sim


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    exchange = start_sim()
    yield exchange
    exchange.stop()


class Clients:
    """Builds clients against one sim and closes them all at the end."""

    def __init__(self, sim: SimExchange) -> None:
        self.sim = sim
        self.made: list[KalshiClient] = []
        # One limiter for every client of the test, like the process-wide one; the sim's
        # budget is Kalshi's Basic tier, and so are the limiter's defaults.
        self.limiter = TokenBucketLimiter()

    def __call__(
        self,
        signer: RequestSigner | None = None,
        *,
        limiter: TokenBucketLimiter | None = None,
        timeout: tuple[float, float] = (2.0, 5.0),
        retry: RetryPolicy | None = None,
        sleeper: Any = None,
    ) -> KalshiClient:
        client = KalshiClient(
            self.sim.base_url,
            signer,
            limiter or self.limiter,
            timeout=timeout,
            retry=retry or RetryPolicy(attempts=3, base_delay=0.0),
            lookup=LookupPolicy(attempts=3, first_delay=0.05, max_delay=0.1),
            sleeper=sleeper or Sleeps(),
            rng=random.Random(0),
        )
        self.made.append(client)
        return client


@pytest.fixture
def clients(sim: SimExchange) -> Iterator[Clients]:
    factory = Clients(sim)
    yield factory
    for client in factory.made:
        client.close()


@pytest.fixture
def client(clients: Clients) -> KalshiClient:
    return clients(RequestSigner(KEY_ID, rsa_key()))


def open_ticker(sim: SimExchange) -> str:
    return sim.open_tickers()[0]


def buy(client: KalshiClient, ticker: str, cid: str, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "ticker": ticker,
        "side": Side.YES,
        "price": Decimal("0.99"),
        "count": Decimal(1),
        "client_order_id": cid,
        **changes,
    }
    return client.create_order(**arguments)


# ---------------------------------------------------------------------- authentication


def test_signed_reads_work_with_rsa_and_ed25519(sim: SimExchange, clients: Clients):
    assert clients(RequestSigner(KEY_ID, rsa_key())).get_balance().balance == Decimal(1000)
    assert clients(RequestSigner(ED_KEY_ID, ed_key())).get_balance().balance == Decimal(1000)


def test_wrong_key_is_refused_once(sim: SimExchange, clients: Clients):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = clients(RequestSigner(KEY_ID, other))
    with pytest.raises(AuthenticationError) as info:
        client.get_balance()
    assert info.value.status == 401
    assert info.value.details == "INCORRECT_API_KEY_SIGNATURE"
    assert "demo keys only work on demo" in str(info.value)
    assert sim.stats.request_count("GET", BALANCE) == 1  # never retried


def test_unknown_key_id(sim: SimExchange, clients: Clients):
    with pytest.raises(AuthenticationError) as info:
        clients(RequestSigner("no-such-key", rsa_key())).get_positions()
    assert info.value.details == "NOT_FOUND"


@pytest.mark.parametrize("skew", [timedelta(seconds=-60), timedelta(seconds=60)])
def test_stale_or_future_timestamp(sim: SimExchange, clients: Clients, skew: timedelta):
    signer = RequestSigner(KEY_ID, rsa_key(), SkewedClock(SystemClock(), skew))
    with pytest.raises(AuthenticationError) as info:
        clients(signer).get_balance()
    assert info.value.code == "header_timestamp_expired"
    assert "clock" in str(info.value)


def test_wrong_key_on_order_creation_places_nothing(sim: SimExchange, clients: Clients):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthenticationError):
        buy(clients(RequestSigner(KEY_ID, other)), open_ticker(sim), "cid-auth")
    assert sim.stats.orders_created.get("cid-auth", 0) == 0
    assert sim.stats.request_count("POST", CREATE) == 1


def test_bad_key_file_fails_before_any_request(sim: SimExchange, tmp_path: Path):
    path = write(tmp_path / "kalshi.pem", b"-----BEGIN PRIVATE KEY-----\nnot a key\n")
    with pytest.raises(KeyFileError, match=str(path)):
        RequestSigner.from_files(KEY_ID, path)
    with pytest.raises(KeyFileError, match="does not exist"):
        RequestSigner.from_files(KEY_ID, tmp_path / "missing.pem")
    assert sum(sim.stats.requests.values()) == 0


def test_public_reads_need_no_key(sim: SimExchange, clients: Clients):
    client = clients(None)
    assert client.get_exchange_status().trading_active
    ticker = open_ticker(sim)
    assert client.get_market(ticker).ticker == ticker
    assert client.get_orderbook(ticker).ticker == ticker
    with pytest.raises(AuthenticationError, match="KALSHI_API_KEY_ID"):
        client.get_balance()


# ---------------------------------------------------------------------------- paging


def test_more_than_5000_markets_paged_without_loss_or_repeat():
    sim = start_sim(markets=5000)
    client = KalshiClient(sim.base_url, None, unlimited())
    try:
        # `status=open` lists inactive markets and combos too (A5.2).
        expected = [m.ticker for m in sim.exchange.markets if m.status.listed_open]
        assert len(expected) >= 5000
        for limit in (1000, 333):
            before = sim.stats.request_count("GET", "/trade-api/v2/markets")
            markets = client.get_all_markets(limit=limit)
            tickers = [market.ticker for market in markets]
            assert tickers == expected
            assert len(set(tickers)) == len(tickers)
            pages = sim.stats.request_count("GET", "/trade-api/v2/markets") - before
            assert pages == math.ceil(len(expected) / limit)
    finally:
        client.close()
        sim.stop()


def test_looping_pages_are_detected_not_followed(sim: SimExchange, client: KalshiClient):
    sim.faults.truncate_pages = True  # half pages whose cursor leads back to the start
    with pytest.raises(MalformedResponse) as info:
        client.get_all_markets(limit=50)
    assert info.value.field in {"cursor", "markets[0]"}
    assert sim.stats.request_count("GET", "/trade-api/v2/markets") <= 3


def test_portfolio_lists_page_fully(sim: SimExchange, client: KalshiClient):
    tickers = sim.open_tickers()[:12]
    for index, ticker in enumerate(tickers):
        buy(client, ticker, f"cid-page-{index}")
    orders = client.get_orders(limit=5)
    assert {o.client_order_id for o in orders} == {f"cid-page-{i}" for i in range(12)}
    assert {p.ticker for p in client.get_positions(limit=5)} == set(tickers)
    assert len({f.fill_id for f in client.get_fills(limit=5)}) == len(client.get_fills())


# -------------------------------------------------------------------------- retries


def test_reads_are_retried_under_5xx(sim: SimExchange, clients: Clients):
    clean = clients(None).get_all_markets(limit=20)
    sim.faults.target("/markets")
    sim.faults.error_rate = 0.5
    flaky = clients(None, retry=RetryPolicy(attempts=12, base_delay=0.0))
    assert flaky.get_all_markets(limit=20) == clean
    stats = sim.stats
    assert stats.statuses.get(500, 0) + stats.statuses.get(503, 0) > 0


def test_read_timeouts_are_retried(sim: SimExchange, clients: Clients):
    sim.faults.target("/portfolio/balance")
    sim.faults.update(timeout_rate=0.5, hang_seconds=5.0)
    client = clients(
        RequestSigner(KEY_ID, rsa_key()),
        timeout=(2.0, 0.3),
        retry=RetryPolicy(attempts=10, base_delay=0.0),
    )
    for _ in range(4):
        assert client.get_balance().balance == Decimal(1000)
    assert sim.stats.faults_injected.get("hang", 0) > 0


def test_reads_give_up_after_bounded_attempts(sim: SimExchange, clients: Clients):
    sim.faults.target("/markets")
    sim.faults.error_rate = 1.0
    with pytest.raises(TransientError, match="gave up after 3 attempts"):
        clients(None).get_all_markets()
    assert sim.stats.request_count("GET", "/trade-api/v2/markets") == 3


# --------------------------------------------------------------------------- orders


def test_order_with_dropped_response_is_found_and_never_placed_twice(
    sim: SimExchange, client: KalshiClient
):
    ticker = open_ticker(sim)
    sim.faults.drop_order_responses = 1
    ack = buy(client, ticker, "cid-drop")
    assert ack.client_order_id == "cid-drop"
    assert ack.fill_count + ack.remaining_count == Decimal(1)
    stats = sim.stats
    assert stats.orders_created["cid-drop"] == 1
    assert stats.request_count("POST", CREATE) == 1
    (order,) = [o for o in client.get_orders(ticker=ticker) if o.client_order_id == "cid-drop"]
    assert order.order_id == ack.order_id

    # A resend with the same client_order_id is answered 409 and resolved to the same order.
    again = buy(client, ticker, "cid-drop")
    assert again.order_id == ack.order_id
    assert sim.stats.orders_created["cid-drop"] == 1


def test_409_for_another_order_under_the_same_id_is_a_refusal(
    sim: SimExchange, client: KalshiClient
):
    ticker = open_ticker(sim)
    buy(client, ticker, "cid-reuse")
    with pytest.raises(VenueRefused) as info:
        buy(client, ticker, "cid-reuse", count=Decimal(3))
    assert (info.value.status, info.value.code) == (409, "order_already_exists")
    assert sim.stats.orders_created["cid-reuse"] == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"error_rate": 1.0},
        {"malformed_rate": 1.0},
        {"timeout_rate": 1.0, "hang_seconds": 5.0},
    ],
)
def test_unexecuted_order_with_no_usable_answer_is_ambiguous(
    sim: SimExchange, clients: Clients, fault: dict[str, Any]
):
    """The sim did not execute these; the client cannot know that, so it must not guess."""
    client = clients(RequestSigner(KEY_ID, rsa_key()), timeout=(2.0, 0.3))
    ticker = open_ticker(sim)
    sim.faults.target(ORDERS_PREFIX)
    sim.faults.update(**fault)
    with pytest.raises(AmbiguousOutcome) as info:
        buy(client, ticker, "cid-unknown")
    assert info.value.client_order_id == "cid-unknown"
    stats = sim.stats
    assert stats.request_count("POST", CREATE) == 1  # never resent
    assert stats.orders_created.get("cid-unknown", 0) == 0
    assert stats.request_count("GET", "/trade-api/v2/portfolio/orders") == 3  # the lookups


def test_refusals_come_back_unchanged(sim: SimExchange, client: KalshiClient):
    with pytest.raises(VenueRefused) as info:
        buy(client, open_ticker(sim), "cid-poor", count=Decimal(5000))
    assert (info.value.status, info.value.code) == (400, "available_balance_too_low")
    assert info.value.details
    with pytest.raises(VenueRefused) as off_tick:
        buy(client, open_ticker(sim), "cid-tick", price=Decimal("0.555"))
    assert off_tick.value.code == "invalid_price"


def test_cancel_a_resting_order(sim: SimExchange, client: KalshiClient):
    ticker = open_ticker(sim)
    ack = buy(
        client,
        ticker,
        "cid-rest",
        price=Decimal("0.01"),
        count=Decimal(2),
        time_in_force=TimeInForce.GOOD_TILL_CANCELED,
    )
    assert ack.remaining_count == Decimal(2)
    cancel = client.cancel_order(ack.order_id)
    assert cancel.reduced_by == Decimal(2)
    assert client.get_order(ack.order_id).status.value == "canceled"


# ------------------------------------------------------------------------ malformed


def test_malformed_reads_raise_and_change_nothing(sim: SimExchange, client: KalshiClient):
    ticker = open_ticker(sim)
    buy(client, ticker, "cid-pos")
    positions = client.get_positions()
    balance = client.get_balance()
    sim.faults.target("/portfolio/positions")
    sim.faults.malformed_rate = 1.0
    with pytest.raises(MalformedResponse) as info:
        client.get_positions()
    assert info.value.endpoint == "GET /portfolio/positions"
    assert "not JSON" in str(info.value)
    sim.faults.reset()
    assert client.get_positions() == positions
    assert client.get_balance() == balance


# ---------------------------------------------------------------------- rate limits


def hammer(client: KalshiClient, threads: int, calls: int) -> list[BaseException]:
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        for _ in range(calls):
            try:
                client.get_balance()
            except KalshiError as exc:  # collected and asserted on by the test
                with lock:
                    errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


def test_threads_sharing_the_limiter_stay_within_the_budget():
    """Server and client agree on the budget (client at 90%): no 429 at all."""
    sim = start_sim(read_rate=2000.0, read_burst=400.0)
    limiter = TokenBucketLimiter(RateLimitConfig(read_rate=Decimal(1800), read_burst=Decimal(360)))
    client = KalshiClient(sim.base_url, RequestSigner(KEY_ID, rsa_key()), limiter)
    try:
        assert hammer(client, threads=8, calls=40) == []
        stats = sim.stats
        bucket = f"read:{KEY_ID}"
        assert stats.rate_limited == 0
        assert stats.admitted_tokens(bucket) == 8 * 40 * 10
        assert stats.max_tokens_in_window(bucket, 1.0) <= 360 + 1800 * 1.05
    finally:
        client.close()
        sim.stop()


def test_429_storm_backs_off_and_never_exceeds_the_client_budget():
    """The client believes in a budget twice the account's: 429s rain; it keeps its own pace,
    retries through the same limiter, and every call ends (success or a bounded give-up)."""
    sim = start_sim(read_rate=100.0, read_burst=100.0)
    limiter = TokenBucketLimiter(RateLimitConfig(read_rate=Decimal(200), read_burst=Decimal(200)))
    client = KalshiClient(
        sim.base_url,
        RequestSigner(KEY_ID, rsa_key()),
        limiter,
        retry=RetryPolicy(attempts=8, base_delay=0.05, max_delay=0.5),
    )
    try:
        started = time.monotonic()
        errors = hammer(client, threads=8, calls=6)
        elapsed = time.monotonic() - started
        stats = sim.stats
        sent = stats.request_count("GET", BALANCE)
        assert stats.rate_limited > 0  # the storm happened
        assert all(isinstance(e, TransientError) and e.rate_limited for e in errors)
        assert len(errors) < 48 // 4  # most calls got through
        # Every attempt, retries included, went through the client's limiter.
        assert sent * 10 <= 200 + 200 * elapsed
        assert stats.max_tokens_in_window(f"read:{KEY_ID}", 1.0) <= 100 + 100
    finally:
        client.close()
        sim.stop()


def test_a_listing_parses_again_only_the_records_that_changed(
    sim: SimExchange, clients: Clients
) -> None:
    client = clients()
    first = client.list_markets().markets
    again = client.list_markets().markets
    assert all(a is b for a, b in zip(first, again, strict=True))  # served unchanged: reused
    sim.advance(6 * 3600)  # prices move, markets close
    later = client.list_markets().markets
    assert later == clients().list_markets().markets  # what a client with no past parses
    before = {market.ticker: market for market in first}
    reused = [market for market in later if before.get(market.ticker) is market]
    assert 0 < len(reused) < len(later)
