"""`pm-trader run` (the default): trade on the configured venue until told to stop."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from loguru import logger
from rich.console import Console

from actors.analyst import LlmForecasting
from actors.notifier import RunningNotifier, start_notifier
from actors.session import run_session
from actors.system import TradingSystem, kill_switch_limits
from commands.base import EXIT_FAILURE, EXIT_OK
from commands.run_report import Holdings, render_run
from commands.views import read_history
from domain.ledger import LedgerCheck
from domain.messages import CycleStats
from infra.db.archive import archive_database, prune_archives
from infra.db.history import Valuation
from infra.db.integrity import check_ledger, record_checkpoint, verify_ledger
from infra.db.migrate import migrate
from infra.db.preflight import check_location, check_writable
from infra.db.repository import Database
from infra.db.revisions import check_database
from infra.lockfile import DatabaseLock
from infra.logs import clock_stamp
from infra.settings import REAL_MONEY_FLAG, Settings
from infra.signals import install_signal_handlers
from infra.venue import Venue, connect
from services.forecasting_setup import build_llm, scorecard_policy
from web.server import served_dashboard


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cycles", type=int, help="run N cycles then stop (0: start and stop)")
    parser.add_argument("--log-file", type=Path, help="also log to this rotating file")
    parser.add_argument("--log-json", action="store_true", default=None, help="JSON log lines")
    parser.add_argument(
        REAL_MONEY_FLAG,
        dest="confirm_live",
        action="store_true",
        help="required with --venue live, on the command line each run (no file or variable)",
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    path = settings.database_path
    check_location(path)
    # Refuses bad flags, keys or URLs before any file is created.
    venue = connect(settings, confirm_live=options.confirm_live)
    if venue.name == "live":
        logger.warning("{}", real_money_line(settings, venue))
    if venue.sim is not None:
        clock_stamp.use(venue.clock)  # log lines also carry the simulated time the book stores
        logger.info(
            "the book's times are the simulator's clock (`sim` in the log), {}x real time",
            settings.sim.time_scale,
        )
    try:
        with DatabaseLock(path):
            check_writable(path)
            if venue.sim is not None:
                _start_new_book(path, settings.sim.keep_archived_books)
            revision = migrate(path)
            logger.debug("database {} at revision {}", path, revision)
            chain = verify_ledger(path, venue.clock.now())  # before any actor trades
            logger.debug("ledger chain holds: {} rows", chain.rows)
            with served_dashboard(settings, path):
                return trade(settings, venue, path, console, llm=build_llm(settings))
    finally:
        venue.close()


NOTIFIER_STOP_SECONDS = 30.0  # the last look at shutdown: each channel tried once more


def _stop_notifier(notifier: RunningNotifier) -> None:
    if not notifier.stop(timeout=NOTIFIER_STOP_SECONDS):
        logger.warning("the last notices were still being sent at shutdown: some may be lost")


def trade(
    settings: Settings,
    venue: Venue,
    path: Path,
    console: Console,
    *,
    llm: LlmForecasting | None,
    cycles: int | None = None,
    before_cycle: Callable[[int], None] | None = None,
) -> int:
    """Run the actors on `venue` (with `settings.cycles`, or `cycles`), then report the run.

    `llm` is the forecaster (None: offline); `before_cycle` is the session's (it drives the
    clock: no wait between cycles)."""
    system = TradingSystem(
        settings,
        venue,
        path,
        llm=llm,
        scorecard_policy=scorecard_policy(settings),
    )
    install_signal_handlers(system.events.shutting_down)
    forecaster = system.forecaster_label
    logger.info("venue {}; database {}; forecaster {}", venue.description, path, forecaster)
    logger.info(
        "{}; forecasts more than {} from the mid are refused (risk.max_disagreement)",
        kill_switch_limits(settings).describe(),
        settings.risk.max_disagreement,
    )
    if before_cycle is None:
        notifier = start_notifier(settings.notifications, path, system.clock)
        try:
            session = run_session(
                system,
                settings.cycles,
                settings.seconds_between_cycles,
                after_cycle=None
                if notifier is None
                else lambda _: notifier.look(system.clock.now()),
            )
        finally:
            if notifier is not None:
                _stop_notifier(notifier)
    else:  # a replay: the caller drives the clock, no wait between cycles, and no notices
        session = run_session(system, cycles, 0, before_cycle=before_cycle)
    if session.startup_error is not None:
        return EXIT_FAILURE
    ledger = _check_ledger(path, venue.clock.now())
    render_run(
        console,
        venue.description,
        forecaster,
        session.cycles,
        session.start_balance,
        session.end_balance,
        _holdings(path, session.started_at),
        ledger.ok,
        ledger.problem or f"{ledger.rows} rows, balance {ledger.last_balance}",
        given_up=session.given_up,
    )
    if session.escalation is not None:
        logger.error("stopped: {}", session.escalation.reason)
        return session.escalation.exit_code
    if any(stats.llm_refused for stats in session.cycles):
        logger.error("the LLM provider refused our credentials: fix the key and run again")
        return EXIT_FAILURE
    if _llm_never_answered(session.cycles):
        logger.error("the LLM never answered in this run: no forecast was made")
        return EXIT_FAILURE
    # A bounded run that was unhealthy failed. Not a replay: its recording holds only the
    # markets the bot analysed or held, so a part may fail there that did not live; it says so.
    bounded = before_cycle is None and settings.cycles is not None
    if bounded and not session.healthy:
        logger.error("the run was unhealthy (see the health lines above, and `status`)")
        return EXIT_FAILURE
    return EXIT_OK if ledger.ok else EXIT_FAILURE


def real_money_line(settings: Settings, venue: Venue) -> str:
    """What a live run trades with: the venue, the account (its key's last characters) and
    every cap in effect, each one changed from its default (by a file, a variable or a flag)
    marked with the default, so a raised cap cannot pass unseen."""
    key = settings.kalshi_api_key_id
    account = f"...{key.get_secret_value()[-4:]}" if key is not None else "(none)"
    caps = {
        "initial_bankroll": (settings.initial_bankroll, Settings.model_fields["initial_bankroll"]),
        **{
            f"risk.{name}": (getattr(settings.risk, name), field)
            for name, field in type(settings.risk).model_fields.items()
        },
        **{
            f"llm.{name}": (getattr(settings.llm, name), type(settings.llm).model_fields[name])
            for name in ("cycle_budget", "daily_budget")
        },
    }
    shown = []
    for name, (value, field) in caps.items():
        text = "off" if value is None else str(value)
        if value != field.default:
            text += f" (default {'off' if field.default is None else field.default})"
        shown.append(f"{name} {text}")
    return f"REAL MONEY: venue {venue.description}, account key {account}; caps: {', '.join(shown)}"


def _check_ledger(path: Path, at: datetime) -> LedgerCheck:
    """The chain since the last checkpoint, checked by SQLite in one pass (infra.db.integrity),
    and recorded as the newest checkpoint if it holds: no ledger row becomes a Python object
    beyond those written since, however long the book's history."""
    with Database.open(path) as db, db.unit_of_work() as repo:
        verdict = check_ledger(repo)
        if not verdict.problem:
            record_checkpoint(repo, verdict.chain, at)
    chain = verdict.chain
    return LedgerCheck(
        ok=not verdict.problem,
        rows=chain.rows,
        total_change=chain.last_balance,
        last_balance=chain.last_balance,
        problem=verdict.problem,
    )


def _llm_never_answered(cycles: tuple[CycleStats, ...]) -> bool:
    """Every cycle asked the LLM and none got a forecast back."""
    tried = [s for s in cycles if any(reason.startswith("LLM_") for reason, _ in s.skipped)]
    return bool(tried) and len(tried) == len(cycles) and not any(s.forecasts for s in cycles)


def _holdings(path: Path, since: datetime) -> Holdings:
    with read_history(path) as history:
        held = history.held()
        fees = history.fees_since(since)
    valued = Valuation.of(held)
    return Holdings(
        open_positions=valued.positions,
        unmarked=valued.unmarked,
        market_value=valued.market_value,
        unrealized_pnl=valued.unrealized_pnl,
        fees=fees,
    )


def _start_new_book(path: Path, keep: int) -> None:
    """The embedded simulator is a new exchange every run, so it gets a new book: positions
    from the last session could never settle on it. The old book is archived, not deleted
    (a corrupt or newer file is refused first, as always)."""
    if not path.exists():
        return
    check_database(path)
    archived = archive_database(path)
    logger.warning(
        "the embedded simulator is a new exchange each run: the last session's book is kept"
        " as {} (see it with: pm-trader status --db {})",
        archived,
        archived,
    )
    for deleted in prune_archives(path, keep):
        logger.info("deleted the archived book {} (sim.keep_archived_books = {})", deleted, keep)
