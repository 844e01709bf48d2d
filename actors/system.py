"""The trading system: the supervised actors, start-up reconciliation, and the cycle loop.

Start order (stop is the reverse): Storage, Bankroll, Positions, Reconciler, Executor,
Analyst, Scanner. The ask graph is acyclic: Executor, Reconciler, Analyst and Scanner ask
Bankroll, Positions and Storage; Bankroll and Positions ask Storage; Storage asks no one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
from loguru import logger

from actors.analyst import Analyst, LlmForecasting
from actors.bankroll import Bankroll
from actors.base import CrashReport, ask
from actors.directory import ActorUnavailable
from actors.executor import Executor
from actors.faults import FaultPlan
from actors.health import report_health
from actors.positions import Positions
from actors.reconciler import Reconciler
from actors.scanner import Scanner
from actors.storage import Storage
from actors.stream_feed import ReconcilerFeed
from actors.supervisor import ChildSpec, RestartPolicy, ShutdownRequest, Supervisor
from domain.clock import format_utc
from domain.forecasting import OfflineForecaster
from domain.health import Part, check, given_up_problem
from domain.killswitch import KillSwitchLimits
from domain.linking import LinkConfig
from domain.messages import (
    BankrollSnapshot,
    BookSnapshot,
    CommitWork,
    CycleStats,
    GetBankroll,
    GetBook,
    InsertDeadLetter,
    Reconcile,
    ReconciliationReport,
    RunCycle,
)
from domain.scoring import ScorecardPolicy
from domain.screening import ScreenSettings
from domain.sizing import ExecutionPolicy, SizingLimits
from infra.db.retention import SnapshotRetention
from infra.kalshi.stream import VenueStream
from infra.settings import Settings
from infra.settings_record import trading_settings
from infra.venue import Venue

RECONCILE_TIMEOUT = 120.0
SHUTDOWN_GRACE = 30.0  # seconds a cycle may take to finish after a stop signal


# The stages a cycle's marker passes through: a restart of one of them mid-cycle may have lost it.
PIPELINE = frozenset({"scanner", "analyst", "executor", "reconciler"})


@dataclass(frozen=True)
class CycleLost:
    """Cycle `cycle`'s marker may be gone: `actor`, a stage of the pipeline, was restarted."""

    cycle: int
    actor: str


@dataclass
class SystemEvents:
    """How the outside world talks to a running system. `completed` carries each finished
    cycle's stats, and a `CycleLost` when a stage restarts mid-cycle."""

    shutting_down: threading.Event = field(default_factory=threading.Event)
    completed: queue.Queue[CycleStats | CycleLost] = field(default_factory=queue.Queue)
    escalation: queue.Queue[ShutdownRequest] = field(default_factory=queue.Queue)


def screen_settings(settings: Settings) -> ScreenSettings:
    scanner = settings.scanner
    return ScreenSettings(
        min_volume=scanner.min_volume,
        max_spread=scanner.max_spread,
        min_time_to_close=timedelta(minutes=float(scanner.min_minutes_to_close)),
        max_time_to_close=timedelta(days=float(scanner.max_days_to_close)),
        cooldown=timedelta(minutes=float(scanner.cooldown_minutes)),
        max_candidates=scanner.max_candidates,
        rank_by=scanner.rank_by,
    )


def kill_switch_limits(settings: Settings) -> KillSwitchLimits:
    risk = settings.risk
    return KillSwitchLimits(
        max_daily_loss_fraction=risk.max_daily_loss_fraction,
        max_daily_loss=risk.max_daily_loss,
        max_drawdown=risk.max_drawdown,
    )


def snapshot_retention(settings: Settings) -> SnapshotRetention | None:
    history = settings.history
    return (
        None if history.full is None else SnapshotRetention(full=history.full, every=history.every)
    )


def sizing_limits(settings: Settings) -> SizingLimits:
    risk = settings.risk
    return SizingLimits(
        kelly_multiplier=risk.kelly_multiplier,
        max_fraction_per_order=risk.max_fraction_per_order,
        max_order_cost=risk.max_order_cost,
        min_edge=risk.min_edge,
        count_step=risk.count_step,
        max_event_exposure=risk.max_event_exposure,
        max_disagreement=risk.max_disagreement,
        execution=ExecutionPolicy(
            mode=settings.execution.mode, taker_edge=settings.execution.taker_edge
        ),
    )


class TradingSystem:
    def __init__(
        self,
        settings: Settings,
        venue: Venue,
        database: Path,
        *,
        llm: LlmForecasting | None = None,
        scorecard_policy: ScorecardPolicy | None = None,
        fault_plan: FaultPlan | None = None,
        restart_policy: RestartPolicy | None = None,
        reconciler_checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.reconciler_checkpoint = reconciler_checkpoint
        self.venue = venue
        self.events = SystemEvents()
        plan = fault_plan or FaultPlan()
        clock = venue.clock
        self.supervisor = Supervisor(
            self._specs(database, llm, scorecard_policy, plan),
            clock,
            policy=restart_policy,
            on_shutdown=self._escalate,
            record_dead_letter=self._record_dead_letter,
            on_restart=self._restarted,
        )
        self.directory = self.supervisor.directory
        self._running_cycle: int | None = None
        self.given_up = 0  # cycles given up in this run (each is a health failure)
        self.clock = clock
        self.forecaster_label = llm.provider.label if llm is not None else OfflineForecaster.label
        self.stream: VenueStream | None = None

    def _specs(
        self,
        database: Path,
        llm: LlmForecasting | None,
        policy: ScorecardPolicy | None,
        plan: FaultPlan,
    ) -> list[ChildSpec]:
        s, venue, events = self.settings, self.venue, self.events
        directory = lambda: self.directory  # noqa: E731 - the supervisor builds it first

        def spec(name: str, build: Callable[..., Any], **options: Any) -> ChildSpec:
            def factory(on_crash: Callable[[CrashReport], None]) -> Any:
                return build(fault_plan=plan, on_crash=on_crash)

            return ChildSpec(name=name, factory=factory, **options)

        storage = lambda: directory().get("storage")  # noqa: E731
        return [
            spec(
                "storage",
                lambda **kw: Storage.start(database, retention=snapshot_retention(s), **kw),
                escalate_on_crash=True,
            ),
            spec(
                "bankroll",
                lambda **kw: Bankroll.start(storage(), s.initial_bankroll, self.clock, **kw),
            ),
            spec(
                "positions",
                lambda **kw: Positions.start(
                    storage(), bankroll=lambda: directory().get("bankroll"), clock=self.clock, **kw
                ),
                after_restart=self._reconcile_later,
            ),
            spec(
                "reconciler",
                lambda **kw: Reconciler.start(
                    directory(),
                    venue.client,
                    self.clock,
                    venue.name,
                    on_cycle_complete=events.completed.put,
                    max_failures=s.reconciler.max_failures,
                    max_cash_drift=s.risk.max_cash_drift,
                    kill_switch=kill_switch_limits(s),
                    checkpoint=self.reconciler_checkpoint,
                    book=s.book_flag,
                    **kw,
                ),
            ),
            spec(
                "executor",
                lambda **kw: Executor.start(
                    directory(),
                    venue.client,
                    s.risk,
                    self.clock,
                    events.shutting_down,
                    book=s.book_flag,
                    execution=s.execution,
                    reentry_cooldown=s.exits.reentry_cooldown,
                    **kw,
                ),
                after_restart=self._reconcile_later,
            ),
            spec(
                "analyst",
                lambda **kw: Analyst.start(
                    directory(),
                    OfflineForecaster(),
                    sizing_limits(s),
                    self.clock,
                    llm=llm,
                    scorecard_policy=policy,
                    exits=s.exits.policy() if s.exits.enabled else None,
                    **kw,
                ),
            ),
            spec(
                "scanner",
                lambda **kw: Scanner.start(
                    directory(),
                    venue.client,
                    venue.gamma,
                    self.clock,
                    screen_settings(s),
                    link_config=LinkConfig(threshold=s.polymarket.link_threshold),
                    link_pairs=s.polymarket.pairs,
                    min_opinion_confidence=s.polymarket.min_opinion_confidence,
                    record=s.recorder.enabled,
                    recorded_settings=trading_settings(s),
                    keep_recordings=s.recorder.keep,
                    max_quarantined_share=s.scanner.max_quarantined_share,
                    value_held=s.exits.enabled,
                    **kw,
                ),
            ),
        ]

    # Lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self.supervisor.start()

    def stop(self) -> None:
        self.events.shutting_down.set()
        if self.stream is not None:
            self.stream.stop()
        self.supervisor.stop()

    def start_stream(self) -> None:
        """The venue's WebSocket, once the start-up reconciliation has read the book's records
        (what it pushes before then is REST's to tell). Off or absent: REST alone."""
        if self.venue.open_stream is None or self.stream is not None:
            return
        self.stream = self.venue.open_stream(ReconcilerFeed(self.directory))
        self.stream.start()
        self.watch_markets()

    def watch_markets(self) -> None:
        """The stream follows the books of the markets held or with an order out."""
        if self.stream is None:
            return
        try:
            book: BookSnapshot = ask(self.directory.get("positions"), GetBook())
        except (ActorUnavailable, pykka.ActorDeadError, pykka.Timeout):
            return  # restarting: the next cycle's call does it
        self.stream.watch({p.ticker for p in book.positions} | set(book.claimed))

    def _warn_if_stream_down(self) -> None:
        down = None if self.stream is None else self.stream.down_since()
        if down is not None:
            logger.warning(
                "venue stream down since {}: fills are read from REST once a cycle until it is"
                " back",
                format_utc(down),
            )

    def _escalate(self, request: ShutdownRequest) -> None:
        self.events.shutting_down.set()
        self.events.escalation.put(request)

    def _record_dead_letter(self, crash: CrashReport) -> None:
        letter = InsertDeadLetter(
            ts=self.clock.now(),
            actor=crash.actor,
            message_kind=crash.message_kind or "",
            message_id=crash.message_id or "",
            error=f"{crash.error_type}: {crash.error}"[:1000],
        )
        self.directory.get("storage").tell(CommitWork(writes=(letter,)))

    def _restarted(self, name: str) -> None:
        """A stage restarted while a cycle ran: that cycle's marker may be lost with the old
        actor (its state, or its mailbox). Say so at once, so the cycle is not waited for."""
        cycle = self._running_cycle
        if name in PIPELINE and cycle is not None:
            self.events.completed.put(CycleLost(cycle=cycle, actor=name))

    def _reconcile_later(self) -> None:
        """After Executor or Positions restarts: reconcile, then trade again only if it passes."""
        self.directory.get("reconciler").tell(Reconcile(enable_trading=True))

    # Operations --------------------------------------------------------------------------

    def reconcile(self, *, enable_trading: bool, starting: bool = False) -> ReconciliationReport:
        reconciler = self.directory.get("reconciler")
        command = Reconcile(enable_trading=enable_trading, starting=starting)
        report: ReconciliationReport = ask(reconciler, command, RECONCILE_TIMEOUT)
        return report

    def bankroll(self) -> BankrollSnapshot:
        snapshot: BankrollSnapshot = ask(self.directory.get("bankroll"), GetBankroll())
        return snapshot

    def run_cycle(self, number: int, timeout: float) -> CycleStats | None:
        """Send one cycle down the pipeline and wait for its marker to come out the end.

        Returns None if a stage of the pipeline was restarted during the cycle (its marker
        may be lost: the cycle is given up at once, not waited out), if the cycle did not
        complete within `timeout`, or if an escalation arrived. A given-up cycle is a health
        failure (domain.health: part `cycle`), a completed one a healthy cycle.
        """
        stats = CycleStats(cycle=number, started_at=self.clock.now())
        self._running_cycle = number
        try:
            self.directory.get("scanner").tell(RunCycle(stats=stats))
            done = self._wait_for_cycle(number, timeout)
        finally:
            self._running_cycle = None
        problem = None
        if isinstance(done, str):
            self.given_up += 1
            problem = given_up_problem(f"{done} ({self.given_up} given up in this run)")
        report_health(self.directory, logger, check(Part.CYCLE, number, self.clock.now(), problem))
        self.watch_markets()
        self._warn_if_stream_down()
        return done if isinstance(done, CycleStats) else None

    def _wait_for_cycle(self, number: int, timeout: float) -> CycleStats | str:
        """The cycle's figures, or why it was given up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.events.escalation.empty():
            if self.events.shutting_down.is_set():
                # No new orders are sent now; give the stages in hand a bounded grace.
                deadline = min(deadline, time.monotonic() + SHUTDOWN_GRACE)
            try:  # the short wait only rechecks the stop and escalation flags
                done = self.events.completed.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(done, CycleLost):
                if done.cycle == number:
                    return f"the {done.actor} restarted mid-cycle"
                continue
            if done.cycle == number:
                return done
            logger.warning("a late cycle {} completed; ignored", done.cycle)
        if not self.events.escalation.empty():
            return "the supervisor is stopping the system"
        return f"it did not complete within {timeout:g} s"

    def balance(self) -> Decimal:
        return self.bankroll().balance
