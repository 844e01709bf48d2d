"""What a user sees in the log: HTTP client chatter only at DEBUG, one clock, labelled."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from loguru import logger

from infra.logs import clock_stamp, setup_logging
from infra.sim.clock import SimClock


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    clock_stamp.use(None)
    setup_logging("INFO")


def test_an_http_request_line_shows_only_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    logging.getLogger("httpx").info('HTTP Request: POST https://llm/v1/messages "200 OK"')
    logger.complete()
    assert "HTTP Request" not in capsys.readouterr().err
    setup_logging("DEBUG")
    logging.getLogger("httpx").info('HTTP Request: POST https://llm/v1/messages "200 OK"')
    logger.complete()
    [line] = [x for x in capsys.readouterr().err.splitlines() if "HTTP Request" in x]
    assert " DEBUG " in line


def test_log_lines_carry_the_wall_clock_and_the_simulated_one_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 24: the embedded simulator's log ran on its 600x clock, not the operator's."""
    setup_logging("INFO")
    clock_stamp.use(SimClock(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)))
    before = datetime.now(UTC)
    logger.info("hello")
    [line] = [x for x in capsys.readouterr().err.splitlines() if "hello" in x]
    assert int(line[:2]) in {before.hour, (before.hour + 1) % 24}  # the wall clock's hour
    assert line[12:].startswith(" sim 07:08:09 INFO")
