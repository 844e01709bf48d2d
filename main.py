"""The entry point (`pm-trader` or `python main.py`): parse, configure, dispatch, exit code.

Each command lives in `commands/`; this file only turns its outcome or its refusal into an
exit code and a line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys

from loguru import logger

from actors.supervisor import StartupFailed
from commands.base import EXIT_CONFIG, EXIT_FAILURE, make_console
from commands.parser import parse
from domain.errors import OperatorInterventionRequired
from infra.db.errors import DatabaseError
from infra.lockfile import AlreadyRunning
from infra.logs import setup_logging
from infra.settings import ConfigError, load_settings, unknown_environment


def main(argv: list[str] | None = None) -> int:
    invocation = parse(sys.argv[1:] if argv is None else argv)
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


def cli() -> None:
    """The `pm-trader` console script."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # `pm-trader trades --csv | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILURE)


if __name__ == "__main__":
    cli()
