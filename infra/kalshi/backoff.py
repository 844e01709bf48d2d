"""Retry schedules: exponential backoff with full jitter for reads, a fixed ladder for lookups.

Kalshi's 429 carries no Retry-After, so the client backs off on its own; full jitter
(a uniform draw in [0, min(cap, base * 2^n)]) keeps many threads from retrying in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to repeat a request the venue did not answer usefully."""

    attempts: int = 5  # total tries, the first included
    base_delay: float = 0.25  # seconds
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays cannot be negative")

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class LookupPolicy:
    """How to look for an order whose create answer was lost.

    The first lookup is immediate; then waits double from `first_delay` up to `max_delay`.
    The venue is eventually consistent (demo: create -> get can take ~0.5 s), so a single
    "not found" right after a timeout proves nothing.
    """

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 4.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before lookup number `attempt` (0-based)."""
        if attempt == 0:
            return 0.0
        return min(self.max_delay, self.first_delay * (2 ** (attempt - 1)))
