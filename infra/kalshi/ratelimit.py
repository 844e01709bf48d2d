"""One token-bucket limiter for the whole process, mirroring Kalshi's read and write buckets.

Kalshi (since Apr 2026) gives each account a read bucket and a write bucket, refilled at a
per-second rate up to a capacity; a request costs 10 tokens by default, a cancel 2. Every
thread must go through the same limiter, or the account's budget is exceeded by the sum of
well-behaved threads. Over any window of T seconds a bucket admits at most
`capacity + rate * T` tokens, which is exactly what the venue enforces.

Tests inject a fake clock and sleeper; the real limiter waits on a Condition (so the lock is
released while waiting) against time.monotonic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

# Float clocks cannot always represent the exact refill instant; without a tolerance a fake
# clock could spin on delays smaller than its resolution.
_EPSILON = 1e-9


class Bucket(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class RateLimitConfig:
    """Basic-tier defaults; field names match `infra.settings.RateLimitSettings`."""

    read_rate: Decimal = Decimal(200)  # tokens per second
    read_burst: Decimal = Decimal(200)  # bucket capacity
    write_rate: Decimal = Decimal(100)
    write_burst: Decimal = Decimal(200)
    request_cost: Decimal = Decimal(10)
    cancel_cost: Decimal = Decimal(2)

    def __post_init__(self) -> None:
        for name in ("read_rate", "read_burst", "write_rate", "write_burst"):
            if Decimal(getattr(self, name)) <= 0:
                raise ValueError(f"rate limit {name} must be positive")
        for name in ("request_cost", "cancel_cost"):
            cost = Decimal(getattr(self, name))
            if cost <= 0:
                raise ValueError(f"rate limit {name} must be positive")
            if cost > min(Decimal(self.read_burst), Decimal(self.write_burst)):
                raise ValueError(f"rate limit {name} exceeds a bucket's capacity")

    @classmethod
    def requests_per_second(cls, reads: int, writes: int | None = None) -> RateLimitConfig:
        """The old "N requests per second" knob expressed as buckets of one-second bursts."""
        cost = cls.request_cost
        write_count = reads if writes is None else writes
        return cls(
            read_rate=cost * reads,
            read_burst=cost * reads,
            write_rate=cost * write_count,
            write_burst=cost * write_count,
        )


@dataclass
class _BucketState:
    rate: float
    capacity: float
    tokens: float
    updated: float
    admitted: int = 0
    waited: float = field(default=0.0)

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now


class TokenBucketLimiter:
    """Thread-safe read/write token buckets; `acquire` blocks until the tokens are there."""

    def __init__(
        self,
        config: RateLimitConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config or RateLimitConfig()
        self._clock = clock
        self._sleeper = sleeper
        self._cond = threading.Condition()
        now = clock()
        self._buckets = {
            Bucket.READ: _BucketState(
                float(self.config.read_rate),
                float(self.config.read_burst),
                float(self.config.read_burst),
                now,
            ),
            Bucket.WRITE: _BucketState(
                float(self.config.write_rate),
                float(self.config.write_burst),
                float(self.config.write_burst),
                now,
            ),
        }

    @property
    def request_cost(self) -> float:
        return float(self.config.request_cost)

    @property
    def cancel_cost(self) -> float:
        return float(self.config.cancel_cost)

    def acquire(self, bucket: Bucket, cost: float | Decimal | None = None) -> float:
        """Take `cost` tokens (default: one request) from `bucket`; return seconds waited."""
        needed = self.request_cost if cost is None else float(cost)
        state = self._buckets[Bucket(bucket)]
        if needed <= 0:
            raise ValueError("cost must be positive")
        if needed > state.capacity:
            raise ValueError(f"cost {needed} exceeds the {bucket} bucket's capacity")
        waited = 0.0
        with self._cond:
            while True:
                now = self._clock()
                state.refill(now)
                if state.tokens + _EPSILON >= needed:
                    state.tokens -= needed
                    state.admitted += 1
                    state.waited += waited
                    return waited
                delay = (needed - state.tokens) / state.rate
                waited += delay
                self._wait(delay)

    def _wait(self, delay: float) -> None:
        """Called with the lock held; releases it while waiting."""
        if self._sleeper is None:
            self._cond.wait(delay)
            return
        self._cond.release()
        try:
            self._sleeper(delay)
        finally:
            self._cond.acquire()

    def drain(self, bucket: Bucket) -> None:
        """Empty a bucket (the venue just said 429): every thread waits for a refill."""
        with self._cond:
            state = self._buckets[Bucket(bucket)]
            state.refill(self._clock())
            state.tokens = min(state.tokens, 0.0)

    def available(self, bucket: Bucket) -> float:
        with self._cond:
            state = self._buckets[Bucket(bucket)]
            state.refill(self._clock())
            return state.tokens

    def admitted(self, bucket: Bucket) -> int:
        with self._cond:
            return self._buckets[Bucket(bucket)].admitted


_default_lock = threading.Lock()
_default: TokenBucketLimiter | None = None


def process_limiter(config: RateLimitConfig | None = None) -> TokenBucketLimiter:
    """The process-wide limiter, created on first use (with `config`, if given then).

    Passing a different config after creation is an error: two budgets for one account
    would defeat the purpose.
    """
    global _default  # noqa: PLW0603 (one limiter per process is the point)
    with _default_lock:
        if _default is None:
            _default = TokenBucketLimiter(config)
        elif config is not None and config != _default.config:
            raise ValueError("the process-wide rate limiter already exists with another config")
        return _default
