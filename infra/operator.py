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


def request(
    path: Path, action: OperatorAction, code: HaltCode | None, clock: Clock | None = None
) -> int:
    """Record the request; returns its id. Refuses a path that holds no book."""
    if check_database(path) is None:
        raise DatabaseMissingError(
            f"no pm-trader book at {path}: check --db (or --venue), the bot's database"
        )
    migrate(path)  # a no-op at head; an older book is brought up to date first, as at start
    with Database.open(path) as db, db.unit_of_work() as repo:
        return repo.request_operator_command(action, code, (clock or SystemClock()).now())
