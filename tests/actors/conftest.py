from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import pytest

from actors.bankroll import Bankroll
from actors.base import ping
from actors.storage import Storage
from infra.clock import SystemClock
from infra.db.migrate import migrate


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    migrate(path)
    return path


@pytest.fixture
def storage(db_path: Path) -> Iterator[pykka.ActorRef[Any]]:
    ref = Storage.start(db_path)
    ping(ref)
    yield ref
    ref.stop(timeout=10)


StartBankroll = Callable[..., pykka.ActorRef[Any]]


@pytest.fixture
def start_bankroll(storage: pykka.ActorRef[Any]) -> Iterator[StartBankroll]:
    started: list[pykka.ActorRef[Any]] = []

    def start(initial: Decimal = Decimal(1000), **kwargs: Any) -> pykka.ActorRef[Any]:
        ref = Bankroll.start(storage, initial, SystemClock(), **kwargs)
        ping(ref)
        started.append(ref)
        return ref

    yield start
    for ref in started:
        ref.stop(timeout=10)
