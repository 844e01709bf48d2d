"""Bring a database file to the newest schema at start-up, before any actor opens it.

Alembic treats DDL on SQLite as non-transactional, so an upgrade that fails halfway could leave
a half-migrated file. The file is therefore backed up (sqlite3 backup API) before any upgrade and
restored from that backup if the upgrade fails. Files this program cannot read, or that a newer
version of it has migrated, are refused without being touched.
"""

from __future__ import annotations

import functools
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from loguru import logger

from infra.db.engine import connect_read_only, create_engine_for
from infra.db.errors import DatabaseCorruptError, DatabaseTooNewError, MigrationError
from infra.private_files import private_file, private_folder

# `migrations/` is a top-level package beside `infra/`, in the source tree and when installed.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(script_location: Path = MIGRATIONS_DIR) -> Config:
    """The Alembic configuration, built in code (there is no alembic.ini)."""
    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(script_location).replace("%", "%%"))
    return config


@functools.cache
def _script(script_location: Path) -> ScriptDirectory:
    """The migrations at `script_location`, read once a process: reading a book checks its
    revision against them several times (`status` did five times, loading every script each time),
    and the scripts a program ships do not change while it runs."""
    return ScriptDirectory.from_config(alembic_config(script_location))


def _head(script: ScriptDirectory) -> str:
    head = script.get_current_head()
    if head is None:
        raise MigrationError(f"no migrations found in {script.dir}")
    return head


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    """The newest revision this program knows."""
    return _head(_script(script_location))


def current_revision(path: Path) -> str | None:
    """The revision stamped in the file, or None if it does not exist or was never migrated.

    Opens the file read-only; raises `DatabaseCorruptError` if it is not a SQLite database.
    """
    if not path.exists():
        return None
    try:
        with closing(connect_read_only(path)) as connection:
            stamped = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            row = (
                connection.execute("SELECT version_num FROM alembic_version").fetchone()
                if stamped
                else None
            )
    except sqlite3.DatabaseError as exc:
        raise DatabaseCorruptError(
            f"database {path} cannot be read as a SQLite database ({exc}). It was not changed; "
            "restore it from a backup or start with another --db file."
        ) from exc
    return None if row is None else str(row[0])


def check_database(path: Path, *, script_location: Path = MIGRATIONS_DIR) -> str | None:
    """The file's revision, if this program can use it; reads only.

    Raises `DatabaseCorruptError` for a file that is not SQLite, `DatabaseTooNewError` for one
    written by a newer version of the program.
    """
    script = _script(script_location)
    current = current_revision(path)
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise DatabaseTooNewError(
            f"database {path} is at schema revision {current!r}, which this version of the "
            f"program does not know (its newest is {_head(script)!r}): a newer version wrote it."
            " Upgrade the program, or start with another --db file. The file was not changed."
        )
    return current


def migrate(path: Path, *, script_location: Path = MIGRATIONS_DIR) -> str:
    """Upgrade the database at `path` to head (creating it if needed); returns the revision.

    Raises `DatabaseCorruptError`, `DatabaseTooNewError` (both leave the file untouched) or
    `MigrationError` (the file has been restored from the backup the message names).
    """
    head = head_revision(script_location)
    current = check_database(path, script_location=script_location)
    if current == head:
        return head
    private_folder(path.parent)
    backup = _backup(path, current) if path.exists() else None
    logger.info("migrating database {} from {} to {}", path, current or "empty", head)
    try:
        _upgrade(path, script_location)
    except Exception as exc:
        if backup is None:
            raise MigrationError(f"creating the schema of {path} failed: {exc}") from exc
        _restore(backup, path)
        raise MigrationError(
            f"upgrading database {path} from {current or 'empty'} to {head} failed: {exc}. "
            f"The file was restored from the backup {backup}."
        ) from exc
    return head


def _backup(path: Path, current: str | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{current or 'base'}-{stamp}")
    private_file(target)
    with closing(connect_read_only(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    logger.info("backed up database {} to {}", path, target)
    return target


def _restore(backup: Path, path: Path) -> None:
    with closing(connect_read_only(backup)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    logger.warning("restored database {} from {}", path, backup)


def _upgrade(path: Path, script_location: Path) -> None:
    engine = create_engine_for(path)
    try:
        with engine.connect() as connection:
            driver = connection.connection.dbapi_connection
            assert driver is not None
            # Batch migrations drop and re-create tables, which enforced foreign keys would
            # block or cascade. SQLite ignores this PRAGMA inside a transaction, so it goes
            # straight to the driver before SQLAlchemy's first BEGIN.
            driver.execute("PRAGMA foreign_keys=OFF")
            config = alembic_config(script_location)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            violations = driver.execute("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise MigrationError(f"foreign keys broken after the upgrade: {violations[:5]}")
    finally:
        engine.dispose()
