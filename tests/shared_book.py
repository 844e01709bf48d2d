"""One traded book per test run, for the tests that only read a book (status, trades, why,
report, --json, --csv...).

Trading a book takes a bot run (tens of seconds on a busy two-core machine); reading one takes
a fraction of a second. So the book is traded once per test run, by the real `run` command
called in process (tests/in_process.py) on the embedded simulator with a fixed start time and
Claude (the real SDK) answering YES well above the mid (tests.fakes.answers, within the bound)
from the local fake: one cycle buys YES in
several markets, partly filled, all still open and marked at the best bid.

Under pytest-xdist every worker is a process of its own: the first to need the book trades it
under a file lock in the run's shared temporary directory (the pattern pytest-xdist documents),
the others wait for it and read the same file.

The fixtures (tests/conftest.py):
- `traded_book`: the shared book, read only. A test that wrote to it would change what every
  later test reads, so the fixture checks after the test that the file did not change.
- `traded_book_copy`: a copy in the test's own tmp_path, for a test that writes (a request, a
  broken row...).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from tests.fakes.answers import confident_answer
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import run_main_in_process
from tests.process_helpers import SIM_START, child_env

BOOK_NAME = "traded-book.db"


@dataclass(frozen=True)
class TradedBook:
    """A closed book after one cycle of trading: `ticker` is a YES position it holds (the
    first bought), forecast above the mid with the rationale "test"; `run_stdout` is the run's
    report."""

    path: Path
    ticker: str
    run_stdout: str

    def files(self) -> list[Path]:
        """The database and its write-ahead log, where a write lands first (if it holds any:
        a reader may leave an empty one)."""
        wal = self.path.with_name(self.path.name + "-wal")
        return [self.path, wal] if wal.exists() and wal.stat().st_size else [self.path]

    def digest(self) -> str:
        hashed = hashlib.sha256()
        for file in self.files():
            hashed.update(file.read_bytes())
        return hashed.hexdigest()

    def copy_to(self, directory: Path) -> TradedBook:
        """The same book in `directory`, for a test that writes to it."""
        for file in self.files():
            shutil.copyfile(file, directory / file.name)
        return TradedBook(directory / self.path.name, self.ticker, self.run_stdout)


def trade_a_book(directory: Path) -> TradedBook:
    """Run the bot one cycle into `directory`/traded-book.db (a fresh book)."""
    db = directory / BOOK_NAME
    with FakeLlmServer(answer=confident_answer) as llm:
        env = child_env(
            PMT_LLM__PROVIDER="anthropic",
            ANTHROPIC_API_KEY="test-key",
            ANTHROPIC_BASE_URL=llm.url,
            PMT_SIM__MARKETS="100",
            PMT_SIM__START_TIME=SIM_START,
        )
        ran = run_main_in_process("--cycles", "1", "--db", str(db), env=env)
    assert ran.returncode == 0, ran.stderr
    # Read as the bot writes (a read-only connection would leave a log and an index beside
    # the book, which a closed book does not have).
    with closing(sqlite3.connect(db)) as connection:
        held = connection.execute(
            "SELECT ticker FROM positions WHERE side = 'yes' AND status = 'open' ORDER BY id"
        ).fetchone()
    assert held, f"one cycle bought nothing:\n{ran.stdout}\n{ran.stderr}"
    return TradedBook(db, held[0], ran.stdout)


def shared_traded_book(run_root: Path) -> TradedBook:
    """The book traded once for the whole run: built by whichever process asks first.

    `run_root` is the directory every worker of this run shares (the parent of each xdist
    worker's base temporary directory; the base temporary directory itself without xdist)."""
    directory = run_root / "shared-book"
    directory.mkdir(exist_ok=True)
    about = directory / "book.json"
    with FileLock(directory / "build.lock"):
        if not about.exists():
            book = trade_a_book(directory)
            about.write_text(json.dumps({"ticker": book.ticker, "run_stdout": book.run_stdout}))
            return book
    saved = json.loads(about.read_text())
    return TradedBook(directory / BOOK_NAME, saved["ticker"], saved["run_stdout"])


def run_root(base_temp: Path) -> Path:
    """Where the workers of one run meet: xdist gives each worker a base temporary directory
    under a common one."""
    return base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
