"""Checks on the database file before anything starts, each failing with what to do.

They turn what would otherwise surface minutes later as a crashed actor (or never, as a bot
waiting on SQLite's busy timeout) into one line at start-up.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from infra.db.errors import DatabaseError

PROBE_TIMEOUT = 2.0  # seconds to wait for another program's write transaction to end


class DatabaseLocationError(DatabaseError):
    """The database cannot live where it was asked to."""


class DatabaseLockedError(DatabaseError):
    """Another program holds the database's write lock."""


def check_location(path: Path) -> None:
    """The database's folder exists (or can be made) and is a folder."""
    for parent in (path.parent, *path.parent.parents):
        if parent.exists() and not parent.is_dir():
            raise DatabaseLocationError(
                f"cannot use the database {path}: {parent} is a file, not a folder;"
                " choose another --db"
            )
    if path.exists() and not path.is_file():
        raise DatabaseLocationError(
            f"cannot use the database {path}: it is not a file; choose another --db"
        )


def check_writable(path: Path) -> None:
    """Nothing else holds the write lock (pm-trader's own lock file rules out another bot, so
    this is another program: a sqlite3 shell, a database browser, a backup tool)."""
    if not path.exists():
        return
    try:
        with closing(sqlite3.connect(path, timeout=PROBE_TIMEOUT)) as connection:
            connection.isolation_level = None
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseLockedError(
                f"the database {path} is locked by another program (not a pm-trader: its lock"
                " file is free), e.g. a sqlite3 shell or a database browser with a write"
                " open; close it, then start again"
            ) from None
        # Anything else (not a database at all...) is for the schema check to describe.
