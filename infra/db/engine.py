"""The SQLite engine: per-connection PRAGMAs, real transactions, WAL checked at open.

Python 3.11's sqlite3 driver runs in "legacy transaction control": it issues no BEGIN before
SELECT or DDL, so a unit of work is not really atomic. SQLAlchemy's documented fix is used: the
driver's own transaction handling is switched off (`isolation_level = None`) and SQLAlchemy's
`begin` event emits BEGIN itself.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from sqlite3 import Connection as DBAPIConnection

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry

from infra.db.errors import JournalModeError
from infra.private_files import private_file

BUSY_TIMEOUT_MS = 5000

# Per connection. synchronous=FULL: a write is on disk before it is acknowledged (with WAL,
# NORMAL could lose the last transactions on power loss, and the ledger promises they survive).
CONNECTION_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=FULL",
)


def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, issues BEGIN
    cursor = dbapi_connection.cursor()
    try:
        for pragma in CONNECTION_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def create_engine_for(path: Path) -> Engine:
    """An engine for the database file at `path`, in WAL mode (set on first open, then checked);
    a new file is created 0600 (infra.private_files), and its WAL files follow its mode."""
    with suppress(OSError):  # no such folder, no permission: SQLite says so in its own words
        private_file(path)
    engine = create_engine(URL.create("sqlite", database=str(path)))
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    try:
        _ensure_wal(engine, path)
    except BaseException:
        engine.dispose()
        raise
    return engine


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open without writing anything, not even the -wal and -shm files a WAL reader creates.

    Without a -wal file (the database was closed cleanly) the main file holds everything and can
    be read as immutable; with one, it must be read through the WAL, which already exists.
    """
    wal_exists = path.with_name(f"{path.name}-wal").exists()
    mode = "mode=ro" if wal_exists else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, check_same_thread=False)


def create_read_only_engine(path: Path) -> Engine:
    """An engine that reads the existing file at `path` and can never change or create one."""
    engine = create_engine("sqlite://", creator=lambda: connect_read_only(path))
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _ensure_wal(engine: Engine, path: Path) -> None:
    # journal_mode is stored in the file, so this is a no-op after the first open; it must run
    # outside a transaction, hence the raw driver connection.
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        assert driver is not None
        mode = driver.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise JournalModeError(
            f"database {path} is in journal mode {mode!r}, not WAL; it may be on a file system "
            "that does not support WAL (a network share?). Use a --db file on a local disk."
        )


_SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass(frozen=True)
class Pragmas:
    journal_mode: str
    foreign_keys: int
    synchronous: str


EXPECTED_PRAGMAS = Pragmas(journal_mode="wal", foreign_keys=1, synchronous="FULL")


def read_pragmas(engine: Engine) -> Pragmas:
    """The settings a connection from `engine` actually has (for tests and a start-up check)."""
    with engine.connect() as connection:

        def value(name: str) -> str | int:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()

        synchronous = int(value("synchronous"))
        return Pragmas(
            journal_mode=str(value("journal_mode")).lower(),
            foreign_keys=int(value("foreign_keys")),
            synchronous=_SYNCHRONOUS_NAMES.get(synchronous, str(synchronous)),
        )
