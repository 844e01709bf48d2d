"""The command line as a user meets it: help per command, --version, the console script.

The entry point is called in process; only the installed console script runs as a program."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from commands import VERSION
from commands.parser import parse
from infra.settings import load_settings
from tests.in_process import run_main_in_process
from tests.process_helpers import ROOT, child_env

RUN_ONLY_FLAGS = ("--cycles", "--log-file", "--log-json", "--i-understand-this-is-real-money")


def test_main_py_is_a_thin_dispatcher() -> None:
    assert len((ROOT / "main.py").read_text().splitlines()) < 80


@pytest.mark.parametrize("command", ["status", "report"])
def test_a_command_s_help_shows_its_own_flags_not_the_run_flags(command: str) -> None:
    result = run_main_in_process(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: pm-trader {command}" in result.stdout
    assert "--db" in result.stdout
    for flag in RUN_ONLY_FLAGS:
        assert flag not in result.stdout


def test_run_help_shows_the_run_flags() -> None:
    result = run_main_in_process("run", "--help")
    assert result.returncode == 0, result.stderr
    for flag in RUN_ONLY_FLAGS:
        assert flag in result.stdout


def test_version() -> None:
    result = run_main_in_process("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"pm-trader {VERSION}"


def test_without_a_command_the_bot_runs_and_flags_may_come_before_the_command() -> None:
    run = parse(["--cycles", "3", "--db", "x.db"])
    assert run.command.name == "run"
    assert run.overrides == {"cycles": 3, "db": Path("x.db")}
    status = parse(["--db", "x.db", "status"])
    assert status.command.name == "status"
    assert status.overrides == {"db": Path("x.db")}


def test_run_flags_are_refused_by_status() -> None:
    result = run_main_in_process("status", "--cycles", "3")
    assert result.returncode == 2
    assert "unrecognized arguments: --cycles 3" in result.stderr


@pytest.mark.parametrize("given", ["debug", "Debug", "DEBUG"])
def test_log_levels_are_case_insensitive(given: str) -> None:
    assert load_settings(log_level=given).log_level == "DEBUG"


def test_log_level_in_lower_case_on_the_command_line(tmp_path: Path) -> None:
    result = run_main_in_process(
        "--cycles", "0", "--db", str(tmp_path / "x.db"), "--log-level", "debug"
    )
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in result.stderr


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    """Install the package as a user would (a wheel built in isolation) and call `pm-trader`."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "data", "tests", "__pycache__", "*.egg-info", "build", ".*cache"
        ),
    )
    target = tmp_path / "target"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, source],
        check=True,
        capture_output=True,
        timeout=170,
    )
    result = subprocess.run(
        [target / "bin" / "pm-trader", "status", "--help"],
        capture_output=True,
        text=True,
        env=child_env(PYTHONPATH=str(target)),
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: pm-trader status" in result.stdout
