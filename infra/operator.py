"""Operator requests to the running bot, through the database it already owns.

A command such as `ack-drift` writes one `operator_commands` row; the running bot applies it at
its next reconciliation (at most one cycle later), logs what it did, and records the outcome on
the row (shown by `status`). With no bot running, a halt's request (`pause`, `resume`,
`ack-drift`) waits for the next start; a sale's (`close`, `flatten`) is refused (commands/close.py).
"""

from __future__ import annotations

import getpass
import os
import socket
from decimal import Decimal
from pathlib import Path

from domain.clock import Clock
from domain.halts import HaltCode, OperatorAction, Requester
from infra.clock import SystemClock
from infra.db.errors import DatabaseMissingError
from infra.db.migrate import migrate
from infra.db.reading import open_for_reading
from infra.db.repository import Database
from infra.db.revisions import check_database


def open_book(path: Path) -> None:
    """Make sure `path` is a book at the current schema, without creating one.

    An older book (say, an archived simulator session) is upgraded as at start-up, after a
    backup; at the current schema this only reads."""
    if check_database(path) is None:
        raise DatabaseMissingError(
            f"no pm-trader book at {path}: check --db (or --venue), the bot's database"
        )
    migrate(path)


def requester() -> Requester:
    """This process: the OS user running it, its pid and the host."""
    try:
        user = getpass.getuser()
    except OSError:  # no login name anywhere (a container without a passwd entry)
        user = f"uid {os.getuid()}"
    return Requester(user=user, pid=os.getpid(), host=socket.gethostname() or "unknown")


def request(
    path: Path,
    action: OperatorAction,
    code: HaltCode | None,
    clock: Clock | None = None,
    ticker: str | None = None,
    accepted: Decimal | None = None,
    by: Requester | None = None,
) -> int:
    """Record the request, with who made it (this process unless `by`); returns its id.
    Refuses a path that holds no book."""
    open_book(path)
    with Database.open(path) as db, db.unit_of_work() as repo:
        now = (clock or SystemClock()).now()
        return repo.request_operator_command(
            action, code, now, by or requester(), ticker=ticker, accepted=accepted
        )


def held_tickers(path: Path) -> set[str]:
    """The markets the book holds a position in (open or recovered)."""
    open_book(path)
    with open_for_reading(path) as db, db.read() as repo:
        return {p.ticker for p in repo.open_positions()}
