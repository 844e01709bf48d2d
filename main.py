"""Composition root: configuration, logging, migrations, venue, actors, signals, exit code."""

from __future__ import annotations

import sys
from pathlib import Path

from loguru import logger
from rich.console import Console

from actors.system import TradingSystem
from domain.errors import OperatorInterventionRequired
from domain.ledger import LedgerCheck, check
from infra.cli import parse
from infra.db.archive import archive_database
from infra.db.errors import DatabaseError
from infra.db.migrate import check_database, migrate
from infra.db.repository import Database
from infra.forecasting_setup import build_llm, scorecard_policy
from infra.lockfile import AlreadyRunning, DatabaseLock
from infra.logs import setup_logging
from infra.report_view import render_run
from infra.scorecard_view import render_scorecard
from infra.settings import ConfigError, Settings, load_settings
from infra.signals import install_signal_handlers
from infra.status_view import render_status
from infra.venue import Venue, connect

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2
CYCLE_TIMEOUT = 300.0


def trade(settings: Settings, venue: Venue, path: Path, console: Console) -> int:
    system = TradingSystem(
        settings,
        venue,
        path,
        llm=build_llm(settings),
        scorecard_policy=scorecard_policy(settings),
    )
    events = system.events
    install_signal_handlers(events.shutting_down)
    forecaster = system.forecaster_label
    logger.info("venue {}; database {}; forecaster {}", venue.description, path, forecaster)
    system.start()
    cycles = []
    try:
        start_balance = system.balance()
        report = system.reconcile(enable_trading=True)
        if not report.ok:
            logger.error("start-up reconciliation failed, not trading: {}", report.error)
            return EXIT_FAILURE
        number = 0
        while not events.shutting_down.is_set() and (
            settings.cycles is None or number < settings.cycles
        ):
            number += 1
            stats = system.run_cycle(number, CYCLE_TIMEOUT)
            if stats is not None:
                cycles.append(stats)
                logger.info(
                    "cycle {}: {} markets, {} candidates, {} orders ({} filled, {} partly),"
                    " {} settled",
                    number,
                    stats.markets_scanned,
                    stats.candidates,
                    stats.orders_placed,
                    stats.orders_filled,
                    stats.orders_partial,
                    stats.settled,
                )
            if settings.cycles is None or number < settings.cycles:
                events.shutting_down.wait(settings.seconds_between_cycles)
        end_balance = system.balance()
    finally:
        system.stop()
    escalation = None if events.escalation.empty() else events.escalation.get()
    ledger = _check_ledger(path)
    render_run(
        console,
        venue.description,
        forecaster,
        cycles,
        start_balance,
        end_balance,
        ledger.ok,
        ledger.problem or f"{ledger.rows} rows, balance {ledger.last_balance}",
    )
    if escalation is not None:
        logger.error("stopped: {}", escalation.reason)
        return escalation.exit_code
    return EXIT_OK if ledger.ok else EXIT_FAILURE


def _check_ledger(path: Path) -> LedgerCheck:
    with Database.open(path) as db, db.read() as repo:
        return check(repo.ledger_entries())


def _start_new_book(path: Path) -> None:
    """The embedded simulator is a new exchange every run, so it gets a new book: positions
    from the last session could never settle on it. The old book is archived, not deleted
    (a corrupt or newer file is refused first, as always)."""
    if not path.exists():
        return
    check_database(path)
    archived = archive_database(path)
    logger.warning(
        "the embedded simulator is a new exchange each run: the last session's book is kept"
        " as {} (see it with: main.py status --db {})",
        archived,
        archived,
    )


def run(settings: Settings, console: Console) -> int:
    path = settings.database_path
    venue = connect(settings)  # refuses bad flags or keys before any file is created
    try:
        with DatabaseLock(path):
            if venue.sim is not None:
                _start_new_book(path)
            revision = migrate(path)
            logger.debug("database {} at revision {}", path, revision)
            return trade(settings, venue, path, console)
    finally:
        venue.close()


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
    console = Console()
    try:
        if invocation.command == "status":
            return EXIT_OK if render_status(settings.database_path, console) else EXIT_FAILURE
        if invocation.command == "report":
            render_scorecard(settings.database_path, console)
            return EXIT_OK
        return run(settings, console)
    except OperatorInterventionRequired as exc:
        logger.error("{}", exc)
        return EXIT_CONFIG
    except (DatabaseError, AlreadyRunning) as exc:
        logger.error("{}", exc)
        return EXIT_FAILURE
    finally:
        logger.complete()


if __name__ == "__main__":
    sys.exit(main())
