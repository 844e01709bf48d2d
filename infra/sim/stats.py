"""Counters a test (or `GET /_sim/stats`) can read: requests, 429s, admitted tokens, orders."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# Admission records kept per bucket; enough for minutes of traffic at the highest tier.
MAX_ADMISSIONS_KEPT = 100_000


@dataclass(frozen=True)
class SimStats:
    """A frozen snapshot. Bucket names are "<read|write>:<identity>", identity being the API key
    id for authenticated traffic or "ip:<address>" otherwise. Admission times come from the rate
    limiter's monotonic clock (`SimConfig.rate_clock`)."""

    requests: MappingProxyType[tuple[str, str], int]
    statuses: MappingProxyType[int, int]
    rate_limited: int
    rate_limited_by_bucket: MappingProxyType[str, int]
    admitted: MappingProxyType[str, tuple[tuple[float, int], ...]]
    orders_created: MappingProxyType[str, int]
    order_attempts: MappingProxyType[str, int]
    faults_injected: MappingProxyType[str, int]
    server_seconds: MappingProxyType[tuple[str, str], float]

    def request_count(self, method: str, template: str) -> int:
        return self.requests.get((method, template), 0)

    def server_time(self, method: str, template: str) -> float:
        """Seconds spent handling requests to a route (excluding injected latency)."""
        return self.server_seconds.get((method, template), 0.0)

    def admitted_tokens(self, bucket: str) -> int:
        return sum(tokens for _, tokens in self.admitted.get(bucket, ()))

    def max_tokens_in_window(self, bucket: str, window: float = 1.0) -> int:
        """The most tokens admitted into `bucket` within any window of `window` seconds."""
        events = self.admitted.get(bucket, ())
        best = running = 0
        start = 0
        for end_time, tokens in events:
            running += tokens
            while events[start][0] <= end_time - window:
                running -= events[start][1]
                start += 1
            best = max(best, running)
        return best

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": {f"{m} {t}": n for (m, t), n in sorted(self.requests.items())},
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "rate_limited": self.rate_limited,
            "rate_limited_by_bucket": dict(self.rate_limited_by_bucket),
            "admitted_tokens": {b: self.admitted_tokens(b) for b in self.admitted},
            "max_tokens_per_second": {b: self.max_tokens_in_window(b) for b in self.admitted},
            "orders_created": dict(self.orders_created),
            "order_attempts": dict(self.order_attempts),
            "faults_injected": dict(self.faults_injected),
            "server_seconds": {f"{m} {t}": s for (m, t), s in sorted(self.server_seconds.items())},
        }


class StatsRecorder:
    """The mutable, thread-safe side; `snapshot()` hands out immutable copies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str]] = Counter()
        self._statuses: Counter[int] = Counter()
        self._limited: Counter[str] = Counter()
        self._admitted: defaultdict[str, deque[tuple[float, int]]] = defaultdict(
            lambda: deque(maxlen=MAX_ADMISSIONS_KEPT)
        )
        self._orders_created: Counter[str] = Counter()
        self._order_attempts: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._seconds: defaultdict[tuple[str, str], float] = defaultdict(float)

    def request(self, method: str, template: str) -> None:
        with self._lock:
            self._requests[(method, template)] += 1

    def served(self, method: str, template: str, seconds: float) -> None:
        with self._lock:
            self._seconds[(method, template)] += seconds

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def rate_limited(self, bucket: str) -> None:
        with self._lock:
            self._limited[bucket] += 1

    def admitted(self, bucket: str, at: float, tokens: int) -> None:
        with self._lock:
            self._admitted[bucket].append((at, tokens))

    def order_attempt(self, client_order_id: str) -> None:
        with self._lock:
            self._order_attempts[client_order_id] += 1

    def order_created(self, client_order_id: str) -> None:
        with self._lock:
            self._orders_created[client_order_id] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            for counter in (
                self._requests,
                self._statuses,
                self._limited,
                self._orders_created,
                self._order_attempts,
                self._faults,
            ):
                counter.clear()
            self._admitted.clear()
            self._seconds.clear()

    def snapshot(self) -> SimStats:
        with self._lock:
            return SimStats(
                requests=MappingProxyType(dict(self._requests)),
                statuses=MappingProxyType(dict(self._statuses)),
                rate_limited=sum(self._limited.values()),
                rate_limited_by_bucket=MappingProxyType(dict(self._limited)),
                admitted=MappingProxyType({k: tuple(v) for k, v in self._admitted.items()}),
                orders_created=MappingProxyType(dict(self._orders_created)),
                order_attempts=MappingProxyType(dict(self._order_attempts)),
                faults_injected=MappingProxyType(dict(self._faults)),
                server_seconds=MappingProxyType(dict(self._seconds)),
            )
