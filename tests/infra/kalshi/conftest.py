from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import pytest

from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from tests.infra.kalshi.keys import FIXED_MOMENT, KEY_ID, FixedClock, rsa_key
from tests.infra.kalshi.recording_server import RecordingServer


class Sleeps:
    """A sleeper that records instead of sleeping (retries stay instant and visible)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    recording = RecordingServer().start()
    yield recording
    recording.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def limiter() -> TokenBucketLimiter:
    big = Decimal(1_000_000)
    return TokenBucketLimiter(
        RateLimitConfig(read_rate=big, read_burst=big, write_rate=big, write_burst=big)
    )


@pytest.fixture
def client(
    server: RecordingServer, sleeps: Sleeps, limiter: TokenBucketLimiter
) -> Iterator[KalshiClient]:
    signer = RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT))
    kalshi = KalshiClient(
        server.base_url,
        signer,
        limiter,
        timeout=(2.0, 0.5),
        retry=RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0),
        lookup=LookupPolicy(attempts=3, first_delay=0.5, max_delay=1.0),
        sleeper=sleeps,
        rng=random.Random(1),
    )
    yield kalshi
    kalshi.close()
