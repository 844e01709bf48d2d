"""One bot per database: an exclusive OS file lock beside the database file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from infra.private_files import FILE_MODE, private_folder


class AlreadyRunning(RuntimeError):
    """Another bot holds the lock on this database."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def bot_running(database: Path) -> bool:
    """True while a bot holds `database`'s lock. Only probes: a shared lock taken and dropped at
    once, never the file created, so it cannot keep a bot from starting but for that instant."""
    try:
        fd = os.open(lock_path(database), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's lock
    return False


class DatabaseLock:
    """flock(2) on `<db>.lock`: released by the OS even if the process is killed."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        private_folder(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"another bot (pid {holder}) is already running on {self.path.with_suffix('')};"
                " stop it first, or use another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
