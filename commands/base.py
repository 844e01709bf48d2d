"""What every command is: a name, a one-line summary, its own flags, and a body."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from infra.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2
PIPED_WIDTH = 200  # columns when the output is a file or a pipe: nothing wraps a line there


def make_console() -> Console:
    """The terminal's width on a terminal; a wide page when piped, so no table is squeezed."""
    return Console() if sys.stdout.isatty() else Console(width=PIPED_WIDTH)


@dataclass(frozen=True)
class Command:
    """`execute(settings, options, console)` returns the process exit code.

    `options` holds the command's own flags (those that are not settings, e.g. `--json`).
    """

    name: str
    summary: str
    execute: Callable[[Settings, argparse.Namespace, Console], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda _parser: None
