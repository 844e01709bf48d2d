"""The book, its lock, the logs and the data folders are private: files 0600, folders 0700,
whatever the umask (issue 20, point 4): a readable book leaks the account's positions, a
writable one forges the operator's requests. Each test runs under umask 000, where anything
left to the default mode would be 0666 / 0777."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from infra.db.migrate import migrate
from infra.llm_usage import LlmUsage
from infra.lockfile import DatabaseLock
from infra.paper.store import PaperStore
from tests.in_process import exchange_in_process, run_main_in_process
from tests.process_helpers import child_env


@pytest.fixture(autouse=True)
def _umask_000() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (itself excluded) with its permission bits."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def assert_private(root: Path, *expected: str) -> None:
    found = modes(root)
    for name in expected:
        assert name in found, f"{name} was not created: {sorted(found)}"
    for name, mode in found.items():
        wanted = "0o700" if (root / name).is_dir() else "0o600"
        assert mode == wanted, f"{name} is {mode}, not {wanted}: {found}"


def test_a_run_leaves_a_private_book_lock_log_and_folders(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "data" / "books" / "book.db"
    log = home / "logs" / "bot.log"
    argv = ["--cycles", "0", "--db", str(db), "--log-file", str(log)]
    ran = run_main_in_process(*argv, env=child_env(PMT_SIM__MARKETS="20"))
    assert ran.returncode == 0, ran.stderr
    assert_private(home, "data", "data/books", "data/books/book.db", "data/books/book.db.lock")
    assert_private(home, "logs", "logs/bot.log")


def test_a_paper_run_leaves_a_private_paper_account(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with exchange_in_process(tmp_path, markets=20) as exchange:
        argv = ["--venue", "paper", "--data-url", exchange.base_url, "--cycles", "0"]
        argv += ["--db", str(home / "data" / "paper-book.db")]
        env = child_env(PMT_PAPER__ACCOUNT_DB=str(home / "accounts" / "paper.db"))
        ran = run_main_in_process(*argv, env=env)
    assert ran.returncode == 0, ran.stderr
    assert_private(home, "data/paper-book.db", "accounts/paper.db", "accounts/paper.db.lock")


def test_each_database_the_program_creates_is_private_with_its_wal_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    book = home / "replays" / "out.db"  # as `replay --out` makes its book: migrate
    migrate(book)
    with DatabaseLock(book):
        usage = LlmUsage(home / "usage" / "llm-usage.db")
        usage.record("call-1", datetime(2026, 12, 1, tzinfo=UTC), Decimal("0.01"), "m")
        store = PaperStore(home / "paper" / "account.db", Decimal(100), datetime.now(UTC))
        try:  # open, so its WAL files are there: SQLite gives them the database's mode
            assert_private(home, "paper/account.db-wal", "paper/account.db-shm")
        finally:
            store.close()
    assert_private(home, "replays/out.db", "replays/out.db.lock", "usage/llm-usage.db")
