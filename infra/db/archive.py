"""Setting a database file aside, whole (with its WAL files), under a dated name beside it."""

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
