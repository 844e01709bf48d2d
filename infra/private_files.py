"""Files and folders only their owner can read: the book, its lock, the logs, the data folders.

The book holds the account's positions and the operator's requests; a group- or world-readable
one leaks the first and, writable, forges the second. Modes are set explicitly, never left to
the umask (under umask 000 a default file would be 0666). SQLite gives a database's -wal, -shm
and journal files the mode of the database file, so creating that file 0600 first covers them.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Create `path` and each missing parent 0700; folders that exist are left as they are."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 if it does not exist (in a folder that does); an existing
    file is left as it is. OSError if it cannot be created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def open_private(path: str, flags: int) -> int:
    """An `opener` for open() (loguru passes it on): a file it creates is 0600 (the umask can
    only take bits away from that)."""
    return os.open(path, flags, FILE_MODE)
