"""Kalshi's token buckets: a read and a write bucket per account (or per client IP)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

from infra.sim.stats import StatsRecorder


class BucketKind(StrEnum):
    READ = "read"
    WRITE = "write"


class TokenBucket:
    """Starts full; refills continuously at `rate` tokens a second up to `capacity`."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def try_take(self, cost: int) -> float | None:
        """Take `cost` tokens if available; returns the admission time, or None when refused."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._stamp)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._stamp = now
            if self._tokens + 1e-9 < cost:
                return None
            self._tokens -= cost
            return now

    @property
    def tokens(self) -> float:
        with self._lock:
            return self._tokens


class RateLimiter:
    """Looks up (or creates) the bucket for an identity and admits or refuses a request."""

    def __init__(
        self,
        *,
        read_rate: float,
        read_burst: float,
        write_rate: float,
        write_burst: float,
        clock: Callable[[], float],
        recorder: StatsRecorder,
    ) -> None:
        self._settings = {
            BucketKind.READ: (read_rate, read_burst),
            BucketKind.WRITE: (write_rate, write_burst),
        }
        self._clock = clock
        self._recorder = recorder
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, name: str, kind: BucketKind) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                rate, burst = self._settings[kind]
                bucket = self._buckets[name] = TokenBucket(rate, burst, self._clock)
            return bucket

    def admit(self, identity: str, kind: BucketKind, cost: int) -> bool:
        name = f"{kind}:{identity}"
        admitted_at = self._bucket(name, kind).try_take(cost)
        if admitted_at is None:
            self._recorder.rate_limited(name)
            return False
        self._recorder.admitted(name, admitted_at, cost)
        return True
