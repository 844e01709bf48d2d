"""Composition root: configuration, logging, migrations, actors, signals, exit code."""

from __future__ import annotations

import sys

from loguru import logger
from rich.console import Console

from actors.bankroll import Bankroll
from actors.base import ask, ping
from actors.storage import Storage
from domain.messages import BankrollSnapshot, GetBankroll
from domain.money import usd
from infra.cli import parse
from infra.clock import SystemClock
from infra.db.errors import DatabaseError
from infra.db.migrate import migrate
from infra.logs import setup_logging
from infra.settings import ConfigError, Settings, load_settings
from infra.status_view import render_status

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def run(settings: Settings) -> int:
    path = settings.database_path
    revision = migrate(path)
    logger.info("database {} at revision {}", path, revision)
    storage = Storage.start(path)
    started = [storage]
    try:
        ping(storage)
        bankroll = Bankroll.start(storage, settings.initial_bankroll, SystemClock())
        started.append(bankroll)
        ping(bankroll)
        snapshot: BankrollSnapshot = ask(bankroll, GetBankroll())
        lock = " (zero-bankroll lock: no new orders)" if snapshot.locked else ""
        Console().print(f"Bankroll: {usd(snapshot.balance)}{lock}")
    finally:
        for ref in reversed(started):
            ref.stop(timeout=10)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    invocation = parse(argv)
    try:
        settings = load_settings(invocation.config_file, **invocation.overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(
        settings.log_level,
        settings.log_file,
        json=settings.log_json,
        secrets=settings.secret_values(),
    )
    try:
        if invocation.command == "status":
            ok = render_status(settings.database_path, Console())
            return EXIT_OK if ok else EXIT_FAILURE
        return run(settings)
    except DatabaseError as exc:
        logger.error("{}", exc)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
