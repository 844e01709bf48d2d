"""Operator requests to the running bot, through the database it already owns.

A command such as `ack-drift` writes one `operator_commands` row; the running bot applies it at
its next reconciliation (at most one cycle later), logs what it did, and records the outcome on
the row (shown by `status`). With no bot running, the request waits for the next start.
"""

from __future__ import annotations

from pathlib import Path

from domain.clock import Clock
from domain.halts import HaltCode, OperatorAction
from infra.clock import SystemClock
from infra.db.errors import DatabaseMissingError
from infra.db.migrate import check_database, migrate
from infra.db.repository import Database


def open_book(path: Path) -> None:
    """Make sure `path` is a book at the current schema, without creating one.

    An older book (say, an archived simulator session) is upgraded as at start-up, after a
    backup; at the current schema this only reads."""
    if check_database(path) is None:
        raise DatabaseMissingError(
            f"no pm-trader book at {path}: check --db (or --venue), the bot's database"
        )
    migrate(path)


def request(
    path: Path, action: OperatorAction, code: HaltCode | None, clock: Clock | None = None
) -> int:
    """Record the request; returns its id. Refuses a path that holds no book."""
    open_book(path)
    with Database.open(path) as db, db.unit_of_work() as repo:
        return repo.request_operator_command(action, code, (clock or SystemClock()).now())
