"""Opening a book to read it (`status`, `trades`, `why`, `report`): never creates or changes a file.

A missing, unreadable, foreign, older or newer file is refused with one line saying what is
wrong and what to do; nothing is migrated, no WAL switch is made, no -wal or -shm is created.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from infra.db.engine import create_read_only_engine
from infra.db.errors import DatabaseError, DatabaseMissingError
from infra.db.repository import Database
from infra.db.revisions import check_database, head_revision


def open_for_reading(path: Path) -> Database:
    """The book at `path`, read-only; raises `DatabaseError` (with the fix) if it cannot be."""
    if not path.exists():
        raise DatabaseMissingError(
            f"no pm-trader book at {path}: the bot has not run with this database (check --db,"
            " --venue and --exchange-url, and the directory you run from)"
        )
    if not path.is_file() or not os.access(path, os.R_OK):
        raise DatabaseError(f"database {path} cannot be read (not a readable file)")
    revision = check_database(path)
    if revision is None:
        raise DatabaseMissingError(f"{path} holds no pm-trader book (an empty SQLite file)")
    if revision != head_revision():
        raise DatabaseError(
            f"database {path} is at schema revision {revision!r}, older than this program's"
            f" {head_revision()!r}: run the bot once on it (`pm-trader run --cycles 0 --db"
            f" {path}`) to upgrade it, then read it"
        )
    engine = create_read_only_engine(path)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1 FROM bankroll_history LIMIT 1").all()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"database {path} cannot be read: {exc.orig or exc}") from None
    return Database(engine)
