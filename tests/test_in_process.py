"""The in-process entry point (tests/in_process.py) leaves the test process as it found it: a
leak there (a signal handler, a log sink on a closed stream, a changed environment) would make
later tests fail or pass by the order they ran in."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest
from loguru import logger

from tests.in_process import HANDLED_SIGNALS, run_main_in_process


def test_a_run_puts_back_the_signal_handlers_logging_and_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers = {signum: signal.getsignal(signum) for signum in HANDLED_SIGNALS}
    root = list(logging.getLogger().handlers)
    environment = dict(os.environ)
    ran = run_main_in_process("--cycles", "0", "--db", str(tmp_path / "book.db"))
    assert ran.returncode == 0, ran.stderr
    assert "trading ACTIVE" in ran.stderr  # the program's log, captured
    assert {signum: signal.getsignal(signum) for signum in HANDLED_SIGNALS} == handlers
    assert logging.getLogger().handlers == root
    assert dict(os.environ) == environment
    capsys.readouterr()
    logger.info("after the run")  # to the stderr of the moment, not the run's captured one
    assert "after the run" in capsys.readouterr().err
