"""Shared fixtures: actor hygiene after every test; the traded book every reader shares."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pykka
import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from tests.shared_book import TradedBook

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


@pytest.fixture(scope="session")
def _shared_traded_book(tmp_path_factory: pytest.TempPathFactory) -> TradedBook:
    # Lazy: it imports the whole program, which a test of a pure module need not wait for.
    from tests.shared_book import run_root, shared_traded_book  # noqa: PLC0415

    return shared_traded_book(run_root(tmp_path_factory.getbasetemp()))


@pytest.fixture
def traded_book(_shared_traded_book: TradedBook) -> Iterator[TradedBook]:
    """The book traded once per test run (tests/shared_book.py), to read only."""
    before = _shared_traded_book.digest()
    yield _shared_traded_book
    assert _shared_traded_book.digest() == before, "a test wrote to the shared traded book"


@pytest.fixture
def traded_book_copy(_shared_traded_book: TradedBook, tmp_path: Path) -> TradedBook:
    """The traded book copied into the test's tmp_path, for a test that writes to it."""
    return _shared_traded_book.copy_to(tmp_path)
