"""Durable storage: SQLite (WAL) through SQLAlchemy, schema managed by Alembic."""

from infra.db.errors import (
    DatabaseCorruptError,
    DatabaseError,
    DatabaseTooNewError,
    JournalModeError,
    MigrationError,
)
from infra.db.migrate import current_revision, head_revision, migrate
from infra.db.repository import Database, Repository

__all__ = [
    "Database",
    "DatabaseCorruptError",
    "DatabaseError",
    "DatabaseTooNewError",
    "JournalModeError",
    "MigrationError",
    "Repository",
    "current_revision",
    "head_revision",
    "migrate",
]
