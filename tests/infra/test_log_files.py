"""Log rotation touches only its own files (issue 20, point 6): a `log_file` pointing at an
existing 10 MB file renamed it, and retention deleted three `*.db` files beside it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from infra.logs import setup_logging
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    setup_logging("INFO")


def test_a_log_file_naming_a_database_is_refused_and_nothing_beside_it_is_touched(
    tmp_path: Path,
) -> None:
    book = tmp_path / "pm-trader-sim.db"
    book.write_bytes(b"SQLite format 3\x00" + b"\x00" * (TEN_MB + 1))
    archived = [tmp_path / f"pm-trader-sim.session-2026120{n}T000000Z.db" for n in (1, 2, 3)]
    for file in archived:
        file.write_bytes(b"SQLite format 3\x00")
    before = {file.name: file.stat().st_size for file in tmp_path.iterdir()}
    ran = run_main_in_process(
        "--cycles", "0", "--db", str(tmp_path / "other.db"), "--log-file", str(book),
        env=child_env(),
    )  # fmt: skip
    assert ran.returncode == 2, ran.stderr
    assert f"log_file: {book} exists and is not a pm-trader log" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert {file.name: file.stat().st_size for file in tmp_path.iterdir()} == before


def test_rotation_keeps_five_of_its_own_and_deletes_nothing_else(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text("2026-12-01T00:00:00.000Z INFO     main       a line\n" + "x" * TEN_MB)
    rotated = [tmp_path / f"bot.2026-11-{day:02d}_00-00-00_000000.log" for day in range(1, 8)]
    for age, file in enumerate(rotated):
        file.write_text("old")
        mtime = 1_700_000_000 + age
        os.utime(file, (mtime, mtime))
    others = [tmp_path / name for name in ("bot.session-1.log", "bot.backup.log", "bot.log.bak")]
    for file in others:
        file.write_text("not ours")
    setup_logging("INFO", log)
    logger.info("past ten megabytes: this line rotates the log")
    setup_logging("INFO")  # closes the file
    assert all(file.exists() for file in others), "retention deleted someone else's file"
    kept = sorted(p.name for p in tmp_path.glob("bot.2026-*.log"))
    assert len(kept) == 5
    assert rotated[-1].name in kept  # the newest of the old ones
    assert rotated[0].name not in kept
    assert "rotates the log" in log.read_text()
    assert log.stat().st_size < 1000
