"""Archived simulator books are kept up to `sim.keep_archived_books`, oldest deleted first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.db.archive import archive_database, archived_books, prune_archives


def _archive_n(book: Path, n: int) -> list[Path]:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    made = []
    for i in range(n):
        book.write_bytes(f"book {i}".encode())
        Path(f"{book}-wal").write_bytes(b"wal")
        archived = archive_database(book, start + timedelta(minutes=i))
        assert archived is not None
        made.append(archived)
    return made


def test_only_the_newest_books_are_kept_with_their_sidecars(tmp_path: Path) -> None:
    book = tmp_path / "pm-trader-sim.db"
    made = _archive_n(book, 5)
    deleted = prune_archives(book, keep=2)
    assert deleted == made[:3]
    assert archived_books(book) == made[3:]
    assert not any(Path(f"{old}-wal").exists() for old in deleted)
    assert Path(f"{made[4]}-wal").exists()
    assert made[4].read_bytes() == b"book 4"


def test_zero_keeps_every_book(tmp_path: Path) -> None:
    book = tmp_path / "pm-trader-sim.db"
    made = _archive_n(book, 3)
    assert prune_archives(book, keep=0) == []
    assert archived_books(book) == made
