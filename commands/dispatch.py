"""Run a parsed command: load the settings, set up logging, execute, and turn the outcome or
the refusal into an exit code and a line on stderr, never a traceback.

`main.py` imports this only once the command line is parsed, so `--version` and `--help`
answer without loading pydantic, loguru or rich.
"""

from __future__ import annotations

import os
import sys

from loguru import logger
from rich.console import Console

from commands.base import EXIT_CONFIG, EXIT_FAILURE
from commands.parser import Invocation
from domain.errors import OperatorInterventionRequired, StartupFailed
from infra.db.errors import DatabaseError
from infra.lockfile import AlreadyRunning
from infra.log_files import LogFileRefused
from infra.logs import setup_logging
from infra.settings import ConfigError, load_settings, unknown_environment

PIPED_WIDTH = 200  # columns when the output is a file or a pipe: nothing wraps a line there


def make_console() -> Console:
    """The terminal's width on a terminal; when piped, `COLUMNS` if set, else a wide page so
    no table is squeezed.

    Markup and emoji codes are off: text from a venue, a model or the book (a ticker `[/]`, a
    title with `[link=...]` or `:warning:`) is shown as it is, in every table and line. A line
    styled on purpose says `markup=True` and escapes what it interpolates."""
    columns = os.environ.get("COLUMNS", "")
    width = None if sys.stdout.isatty() or columns.isdigit() else PIPED_WIDTH
    return Console(width=width, markup=False, emoji=False)


def dispatch(invocation: Invocation) -> int:
    try:
        settings = load_settings(invocation.config_file, **invocation.overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        setup_logging(
            settings.log_level,
            settings.log_file,
            json=settings.log_json,
            secrets=settings.secret_values(),
        )
    except LogFileRefused as exc:
        print(f"error: invalid configuration:\n  log_file: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(
            f"error: invalid configuration:\n  log_file: cannot write {settings.log_file}"
            f" ({exc.strerror or exc}); give a file in a folder you can write",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    for warning in unknown_environment(os.environ):
        logger.warning("{}", warning)
    try:
        return invocation.command.execute(settings, invocation.options, make_console())
    except OperatorInterventionRequired as exc:
        logger.error("{}", exc)
        return EXIT_CONFIG
    except (DatabaseError, AlreadyRunning, StartupFailed) as exc:
        logger.error("{}", exc)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a user; the log file has it
        logger.opt(exception=exc).debug("the unexpected error's traceback")
        logger.error(
            "unexpected {}: {} (the log file, or --log-level debug, has the details)",
            type(exc).__name__,
            str(exc).splitlines()[0] if str(exc) else "",
        )
        return EXIT_FAILURE
    finally:
        logger.complete()
