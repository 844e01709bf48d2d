"""`status` and `report` read a book and nothing else: a missing, unreadable or foreign file is
one clear line and exit 1, and nothing is created (issue 12, point 3). One book per exchange
(point 1)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from infra.settings import load_settings
from tests.in_process import run_main_in_process
from tests.shared_book import TradedBook


def _files(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


@pytest.mark.parametrize("command", ["status", "report"])
def test_a_missing_book_is_one_line_exit_1_and_nothing_is_created(
    command: str, tmp_path: Path
) -> None:
    book = tmp_path / "data" / "nothing.db"
    result = run_main_in_process(command, "--db", str(book))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"no pm-trader book at {book}" in line
    assert _files(tmp_path) == []


def test_an_unreadable_path_and_an_empty_file_are_refused_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.db"
    directory.mkdir()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    before = _files(tmp_path)
    for path, expected in ((directory, "cannot be read"), (empty, "no pm-trader book")):
        result = run_main_in_process("status", "--db", str(path))
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert expected in result.stderr
    assert _files(tmp_path) == before
    assert empty.read_bytes() == b""


def test_status_of_a_closed_book_creates_no_file_beside_it(
    traded_book_copy: TradedBook, tmp_path: Path
) -> None:
    book = traded_book_copy.path
    before = {path: path.read_bytes() for path in _files(tmp_path)}
    assert run_main_in_process("status", "--db", str(book)).returncode == 0
    assert run_main_in_process("report", "--db", str(book)).returncode == 0
    assert {path: path.read_bytes() for path in _files(tmp_path)} == before


@pytest.mark.parametrize(
    ("venue", "url", "expected"),
    [
        (None, None, "data/pm-trader-sim.db"),
        ("demo", None, "data/pm-trader-demo.db"),
        (None, "http://127.0.0.1:8800/trade-api/v2", "data/pm-trader-sim-127.0.0.1-8800.db"),
        (None, "http://127.0.0.1:8801/trade-api/v2/", "data/pm-trader-sim-127.0.0.1-8801.db"),
        (
            "demo",
            "https://proxy.example/kalshi/trade-api/v2",
            "data/pm-trader-demo-proxy.example-kalshi.db",
        ),
    ],
)
def test_each_exchange_has_its_own_default_book(
    venue: str | None, url: str | None, expected: str
) -> None:
    settings = load_settings(venue=venue, exchange_url=url)
    assert settings.database_path == Path(expected)
