"""Shared fixtures: actor hygiene after every test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pykka
import pytest
from hypothesis import HealthCheck, settings

# Property tests must give the same verdict on every run and every machine: the examples are
# derived from each test (not drawn at random), no deadline or speed check can fail on a busy
# two-core machine, and no example database carries one run's findings into the next.
settings.register_profile(
    "pm-trader",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("pm-trader")


@pytest.fixture(autouse=True)
def _no_leftover_actors() -> Iterator[None]:
    """Every test stops what it started; a leftover actor thread is a bug (Mopidy's rule)."""
    yield
    leftovers = pykka.ActorRegistry.get_all()
    pykka.ActorRegistry.stop_all(block=True, timeout=10)
    assert not leftovers, f"actors left running: {[ref.actor_class.__name__ for ref in leftovers]}"
    alive = [t.name for t in threading.enumerate() if t.name.startswith(("Storage", "Bankroll"))]
    assert not alive, f"actor threads still alive: {alive}"
