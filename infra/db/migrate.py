"""Bring a database file to the newest schema at start-up, before any actor opens it.

Alembic treats DDL on SQLite as non-transactional, so an upgrade that fails halfway could leave
a half-migrated file. The file is therefore backed up (sqlite3 backup API) before any upgrade and
restored from that backup if the upgrade fails. Files this program cannot read, or that a newer
version of it has migrated, are refused without being touched.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from infra.db.engine import connect_read_only, create_engine_for
from infra.db.errors import MigrationError
from infra.db.revisions import MIGRATIONS_DIR, check_database, head_revision
from infra.private_files import private_file, private_folder

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(script_location: Path = MIGRATIONS_DIR) -> Config:
    """The Alembic configuration, built in code (there is no alembic.ini).

    Alembic is imported only to upgrade: a book already at the head is checked without it
    (infra/db/revisions.py), which keeps it out of every read-only command's start-up."""
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(script_location).replace("%", "%%"))
    return config


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
            from alembic import command  # noqa: PLC0415

            config = alembic_config(script_location)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            violations = driver.execute("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise MigrationError(f"foreign keys broken after the upgrade: {violations[:5]}")
    finally:
        engine.dispose()
