"""Every response has a whole-response deadline, a size cap and a nesting limit (issue 10).

The hostile answers come from a loopback proxy in front of a recording server, so the client
runs its real HTTP path.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import pytest

from domain.models import Side
from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from infra.kalshi.client import KalshiClient
from infra.kalshi.errors import AmbiguousOutcome, TransientError
from infra.kalshi.ratelimit import TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.kalshi.transport import ResponseLimits
from infra.polymarket.gamma import GammaClient
from tests.infra.kalshi import payloads as p
from tests.infra.kalshi.conftest import Sleeps
from tests.infra.kalshi.keys import FIXED_MOMENT, KEY_ID, FixedClock, rsa_key
from tests.infra.kalshi.recording_server import RecordingServer, Reply
from tests.mutating_proxy import MutatingProxy, Rule, nested, replace_body, trickle, trickle_head

DEADLINE = 1.0
LIMITS = ResponseLimits(deadline=DEADLINE, max_bytes=64 * 1024, max_depth=64)


@pytest.fixture
def proxy(server: RecordingServer) -> Iterator[MutatingProxy]:
    with MutatingProxy(server.root_url) as running:
        yield running


@pytest.fixture
def hostile_client(
    proxy: MutatingProxy, limiter: TokenBucketLimiter, sleeps: Sleeps
) -> Iterator[KalshiClient]:
    kalshi = KalshiClient(
        f"{proxy.url}/trade-api/v2",
        RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT)),
        limiter,
        timeout=(2.0, 10.0),  # the per-read timeout alone would wait 10 s after every byte
        limits=LIMITS,
        retry=RetryPolicy(attempts=2, base_delay=0.1, max_delay=0.1),
        lookup=LookupPolicy(attempts=1, first_delay=0.0, max_delay=0.0),
        sleeper=sleeps,
        rng=random.Random(1),
    )
    yield kalshi
    kalshi.close()


def _cut_off_mid_headers(proxy: MutatingProxy) -> None:
    """The client hung up while the status line and headers were still trickling in (a
    deadline that covered only the body would have waited a read timeout per byte)."""
    assert proxy.hung_up.wait(30)
    assert proxy.sent_before_hang_up
    assert max(proxy.sent_before_hang_up) < 60


# A body trickling one byte every 2 s of 10 000 (only the deadline ends it before the test's
# own timeout), and a status line and headers trickling one byte every 0.2 s (a per-read
# timeout of 10 s would never fire).
TRICKLES = pytest.mark.parametrize(
    ("rule", "mid_headers"),
    [(trickle(interval=2.0), False), (trickle_head(interval=0.2), True)],
    ids=["body", "headers"],
)


@TRICKLES
def test_a_trickle_ends_at_the_deadline(
    server: RecordingServer,
    proxy: MutatingProxy,
    hostile_client: KalshiClient,
    rule: Rule,
    mid_headers: bool,
):
    server.route("GET", "/exchange/status", Reply(200, p.EXCHANGE_STATUS))
    proxy.on("GET", "/exchange/status", rule)
    with pytest.raises(TransientError, match="longer than 1 s") as info:
        hostile_client.get_exchange_status()
    assert info.value.endpoint == "GET /exchange/status"
    assert "gave up after 2 attempts" in str(info.value)  # two attempts, each cut at its deadline
    if mid_headers:
        _cut_off_mid_headers(proxy)


@TRICKLES
def test_a_trickle_is_retried_and_a_good_answer_used(
    server: RecordingServer,
    proxy: MutatingProxy,
    hostile_client: KalshiClient,
    rule: Rule,
    mid_headers: bool,
):
    server.route("GET", "/exchange/status", Reply(200, p.EXCHANGE_STATUS))
    proxy.on("GET", "/exchange/status", rule, times=1)
    assert hostile_client.get_exchange_status().exchange_active is True
    assert proxy.hits("/exchange/status") == 1
    if mid_headers:
        _cut_off_mid_headers(proxy)


def test_trickling_headers_on_an_order_are_looked_up(
    server: RecordingServer, proxy: MutatingProxy, hostile_client: KalshiClient
):
    server.route("POST", "/portfolio/events/orders", Reply(201, p.CREATE_ACK))
    server.route("GET", "/portfolio/orders", Reply(200, {"orders": [], "cursor": ""}))
    proxy.on("POST", "/portfolio/events/orders", trickle_head(interval=0.2))
    with pytest.raises(AmbiguousOutcome):  # it reached the venue: it may exist
        hostile_client.create_order("T", Side.YES, Decimal("0.5"), Decimal(1), "cid-1")
    _cut_off_mid_headers(proxy)


@pytest.mark.parametrize("declared", [True, False])
def test_an_oversized_body_is_refused(
    server: RecordingServer, proxy: MutatingProxy, hostile_client: KalshiClient, declared: bool
):
    big = b'{"exchange_active": true, "pad": "' + b"x" * (LIMITS.max_bytes + 10) + b'"}'
    server.route("GET", "/exchange/status", Reply(200, p.EXCHANGE_STATUS))

    def oversized(answer):
        result = replace_body(big)(answer)
        if not declared:  # no Content-Length: the cap is found while reading
            result.chunks, result.interval = iter([big]), 0.0
        return result

    proxy.on("GET", "/exchange/status", oversized)
    with pytest.raises(TransientError, match="larger than 65536 bytes"):
        hostile_client.get_exchange_status()


def test_a_body_nested_200000_deep_is_a_typed_retryable_error(
    server: RecordingServer, proxy: MutatingProxy, limiter: TokenBucketLimiter, sleeps: Sleeps
):
    roomy = ResponseLimits(deadline=10.0, max_bytes=1024 * 1024, max_depth=64)
    server.route("GET", "/markets", Reply(200, p.markets_page([p.market("A")])))
    proxy.on("GET", "/markets", replace_body(nested(200_000)), times=1)
    with KalshiClient(
        f"{proxy.url}/trade-api/v2", None, limiter, limits=roomy, sleeper=sleeps
    ) as kalshi:
        markets = kalshi.get_all_markets()  # the first answer is refused, the retry used
    assert [m.ticker for m in markets] == ["A"]
    assert len(sleeps.calls) == 1


def test_nesting_error_says_what_was_refused(proxy: MutatingProxy, hostile_client: KalshiClient):
    proxy.on("GET", "/exchange/status", replace_body(nested(20_000)))  # under the size cap
    with pytest.raises(TransientError, match="nested more than 64 levels"):
        hostile_client.get_exchange_status()


def test_an_order_answer_that_breaks_a_limit_is_looked_up_not_called_unplaced(
    server: RecordingServer, proxy: MutatingProxy, hostile_client: KalshiClient
):
    server.route("POST", "/portfolio/events/orders", Reply(201, p.CREATE_ACK))
    server.route("GET", "/portfolio/orders", Reply(200, {"orders": [], "cursor": ""}))
    proxy.on("POST", "/portfolio/events/orders", replace_body(nested(100_000), status=201))
    with pytest.raises(AmbiguousOutcome):  # it may exist: kept in flight, never "not placed"
        hostile_client.create_order("T", Side.YES, Decimal("0.5"), Decimal(1), "cid-1")
    assert len(server.calls("POST", "/portfolio/events/orders")) == 1


@TRICKLES
def test_gamma_has_the_same_deadline(
    server: RecordingServer, proxy: MutatingProxy, rule: Rule, mid_headers: bool
):
    server.prefix = ""
    server.route("GET", "/markets/keyset", Reply(200, {"markets": [], "next_cursor": None}))
    proxy.on("GET", "/markets/keyset", rule)
    with (
        GammaClient(
            proxy.url, limits=LIMITS, retry=RetryPolicy(attempts=1), sleeper=Sleeps()
        ) as gamma,
        pytest.raises(TransientError, match="longer than 1 s"),
    ):
        gamma.get_all_markets()
    if mid_headers:
        _cut_off_mid_headers(proxy)
