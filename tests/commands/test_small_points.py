"""Issue 24's smaller rough edges, each as a user met it."""

from __future__ import annotations

from pathlib import Path

import pytest
from loguru import logger

from commands.run import _start_new_book
from infra.db.migrate import migrate
from infra.settings import load_settings
from infra.sim.cli import build_parser
from tests.in_process import run_main_in_process


def test_the_venue_is_accepted_in_any_letter_case() -> None:
    assert load_settings(venue="Paper").resolved_venue == "paper"
    shown = run_main_in_process("config", "--venue", "SIM")
    assert shown.returncode == 0, shown.stderr
    assert 'venue = "sim"' in shown.stdout


def test_the_archive_warning_names_the_installed_command(tmp_path: Path) -> None:
    book = tmp_path / "pm-trader-sim.db"
    migrate(book)
    said: list[str] = []
    handle = logger.add(lambda m: said.append(m.record["message"]), level="WARNING")
    try:
        _start_new_book(book, keep=3)
    finally:
        logger.remove(handle)
    [warning] = said
    assert "see it with: pm-trader status --db " in warning
    assert "main.py" not in warning


def test_the_simulators_help_lists_keygen(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert "python -m infra.sim keygen" in capsys.readouterr().out
