"""The accelerated, injectable market clock.

Sim time = start + manual advances + (wall time elapsed) x time_scale. Tests use time_scale 0
and drive everything with `advance()`; `make run` uses e.g. 60x so markets open, close and settle
while the bot watches. The clock satisfies `domain.clock.Clock` (it has `now()`), so a composition
root can hand the very same clock to the bot in sim mode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    """Thread-safe sim time; monotonic as long as `advance` is only given non-negative values."""

    def __init__(
        self,
        start: datetime,
        time_scale: float = 0.0,
        wall: Callable[[], float] = time.monotonic,
        anchor: float | None = None,
    ) -> None:
        """`anchor`: the reading of `wall` that corresponds to `start` (default: now)."""
        if start.tzinfo is None:
            raise ValueError("the sim clock needs an aware start time")
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._lock = threading.Lock()
        self._wall = wall
        self._base = start.timestamp()
        self._wall_anchor = wall() if anchor is None else anchor
        self._scale = time_scale

    def timestamp(self) -> float:
        """Sim time as Unix seconds."""
        with self._lock:
            return self._base + (self._wall() - self._wall_anchor) * self._scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sim clock only moves forward")
        with self._lock:
            self._base += seconds

    @property
    def time_scale(self) -> float:
        with self._lock:
            return self._scale

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed without a jump: fold the elapsed scaled time into the base first."""
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        with self._lock:
            wall_now = self._wall()
            self._base += (wall_now - self._wall_anchor) * self._scale
            self._wall_anchor = wall_now
            self._scale = time_scale
