"""Which schema revisions this program ships, and which one a book is at, without Alembic.

Reading a book (`status`, `trades`, `why`, `report`) needs only the newest revision and the set
of known ones; importing Alembic for that was a fifth of a read-only command's start-up (issue
17). Every migration names its `revision` and `down_revision` as literal assignments, read here
from the source; tests/infra/db/test_revisions.py proves the answer is Alembic's.
"""

from __future__ import annotations

import ast
import functools
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.db.engine import connect_read_only
from infra.db.errors import DatabaseCorruptError, DatabaseTooNewError, MigrationError

# `migrations/` is a top-level package beside `infra/`, in the source tree and when installed.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


@dataclass(frozen=True)
class Revisions:
    """The revisions of a migrations directory: all of them, and the newest."""

    known: frozenset[str]
    head: str


# `revision: str = "0014"` or `down_revision = ("0012", "0013")`, at the start of a line.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)


def _literals(source: Path) -> dict[str, Any]:
    """A migration's `revision` and `down_revision`, from their module-level assignments.

    Only those lines are evaluated (a literal each), not the whole module: parsing every
    migration's full syntax tree cost a read-only command 10 ms."""
    return {
        name: ast.literal_eval(value.strip())
        for name, value in _ASSIGNMENT.findall(source.read_text(encoding="utf-8"))
    }


def _parents(down_revision: Any) -> set[str]:
    """A migration's parents: none, one, or a tuple of them for a merge."""
    return {down_revision} if isinstance(down_revision, str) else set(down_revision or ())


@functools.cache
def shipped(script_location: Path = MIGRATIONS_DIR) -> Revisions:
    """The revisions at `script_location`, read once a process (they do not change as it runs)."""
    parents: dict[str, set[str]] = {}
    for source in (script_location / "versions").glob("*.py"):
        names = _literals(source)
        if isinstance(names.get("revision"), str):
            parents[names["revision"]] = _parents(names.get("down_revision"))
    heads = set(parents) - set().union(*parents.values())
    if len(heads) != 1:
        raise MigrationError(
            f"the migrations in {script_location} have {len(heads)} heads, not one: {sorted(heads)}"
        )
    return Revisions(known=frozenset(parents), head=heads.pop())


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    """The newest revision this program knows."""
    return shipped(script_location).head


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
    revisions = shipped(script_location)
    current = current_revision(path)
    if current is not None and current not in revisions.known:
        raise DatabaseTooNewError(
            f"database {path} is at schema revision {current!r}, which this version of the "
            f"program does not know (its newest is {revisions.head!r}): a newer version wrote it."
            " Upgrade the program, or start with another --db file. The file was not changed."
        )
    return current
