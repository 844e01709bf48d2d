"""Errors the database layer raises that the program must handle at start-up.

`main.py` catches `DatabaseError` and exits with the message: each one says what is wrong with
which file and what the operator can do about it.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """Base class: the database file cannot be used as it is."""


class DatabaseCorruptError(DatabaseError):
    """The file is not a readable SQLite database."""


class DatabaseTooNewError(DatabaseError):
    """The file was migrated by a newer version of the program than this one."""


class MigrationError(DatabaseError):
    """An upgrade failed; the file was restored from the backup taken before it."""


class JournalModeError(DatabaseError):
    """The file database could not be put in WAL mode."""


class DatabaseMissingError(DatabaseError):
    """A command that reads or asks something of an existing book found no book there."""


class LedgerIntegrityError(DatabaseError):
    """The ledger's chain is broken, or it is empty beside an existing book: refuse to trade."""
