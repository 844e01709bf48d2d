"""Capturing what the bot logs, for tests that assert a warning names what went wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from loguru import logger


@contextmanager
def capture_logs(level: str = "WARNING") -> Iterator[list[str]]:
    """The messages logged at `level` or above while the block runs."""
    lines: list[str] = []
    sink = logger.add(lines.append, level=level, format="{message}")
    try:
        yield lines
    finally:
        logger.remove(sink)
