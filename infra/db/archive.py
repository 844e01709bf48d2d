"""Setting a database file aside, whole (with its WAL files), under a dated name beside it,
and keeping only the newest few of those (`sim.keep_archived_books`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

SIDECARS = ("", "-wal", "-shm")


def archive_database(path: Path, now: datetime | None = None) -> Path | None:
    """Rename `path` to `<stem>.session-<UTC stamp><suffix>`; None if there is no file.

    Nothing is deleted or rewritten: the archived book opens with `status --db` as before.
    """
    if not path.exists():
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.session-{stamp}{path.suffix}")
    for sidecar in SIDECARS:
        source = Path(f"{path}{sidecar}")
        if source.exists():
            source.rename(Path(f"{target}{sidecar}"))
    return target


def archived_books(path: Path) -> list[Path]:
    """The books archived beside `path`, oldest first (the stamp sorts as time)."""
    return sorted(path.parent.glob(f"{path.stem}.session-*{path.suffix}"))


def prune_archives(path: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archived books beside `path` (0 keeps every one);
    returns the ones deleted, sidecars included."""
    books = archived_books(path)
    if keep <= 0 or len(books) <= keep:
        return []
    deleted = []
    for book in books[:-keep]:
        for sidecar in SIDECARS:
            target = Path(f"{book}{sidecar}")
            if target.exists():
                target.unlink()
        deleted.append(book)
    return deleted
