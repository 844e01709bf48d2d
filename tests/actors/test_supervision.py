"""Supervision: each actor crashed by the fault plan is restarted with no lost or doubled state.

Real actors, a real SQLite file and real HTTP against the simulator (its clock frozen). No
sleeps: Ping barriers (mailboxes are FIFO), the supervisor's event queues, and a fault plan
that can also hold an actor just before a chosen message. Every timeout below is only a guard
against a hang.

A crash loses the end-of-cycle marker if the crashed actor holds it (scanner, analyst,
executor, reconciler): those tests start the cycle with a bare `RunCycle` and wait for the
restart instead of the marker. Bankroll and Positions only answer asks, so the Executor
survives their crash, refuses that one signal, and the marker completes the cycle.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import pytest
from loguru import logger

from actors.base import CrashReport, ask, ping
from actors.directory import ActorUnavailable
from actors.executor import client_order_id
from actors.faults import FaultPlan
from actors.supervisor import RestartPolicy, ShutdownRequest
from actors.system import TradingSystem
from domain.fees import taker_fee
from domain.ledger import LedgerCheck, check
from domain.messages import (
    AnalyzeCandidates,
    BookSnapshot,
    ClaimMarket,
    CommitWork,
    CycleStats,
    EndOfCycle,
    ExecuteSignal,
    GetBook,
    Message,
    Reconcile,
    ReserveFunds,
    RunCycle,
)
from domain.models import (
    Execution,
    ExecutionStatus,
    Forecast,
    LedgerEntry,
    Position,
    PositionStats,
    PositionStatus,
    Side,
    TradeSignal,
)
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.kalshi.backoff import RetryPolicy
from infra.venue import connect
from tests.actors.system_harness import Harness, running_system, settings_for
from tests.infra.sim.helpers import START

GUARD = 60.0  # seconds: only ever a guard against a hang
DAY = 24 * 3600
MARKETS = "/trade-api/v2/markets"  # the simulator's route for the market list
# Small, quick cycles that still trade: 6 candidates, any positive edge after fees.
SMALL: dict[str, Any] = {
    "scanner": {"max_candidates": 6},
    "risk": {"min_edge": "0"},
    "sim_options": {"start_time": START},
}


# A fault plan that also observes ------------------------------------------------------------


@dataclass
class Hold:
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    message: Message | None = None


class ObservedPlan(FaultPlan):
    """The production fault plan, plus a record of what each actor received and holds.

    Both run in the receiving actor's thread before the plan's own rules: a recorded message
    really was delivered, and a held actor has not crashed yet.
    """

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()
        self._received: defaultdict[str, list[str]] = defaultdict(list)
        self._holds: dict[tuple[str, type | None], Hold] = {}
        self._reached: list[Hold] = []

    def hold(self, actor: str, message_type: type[Message] | None) -> Hold:
        """Stop `actor` just before its next `message_type` (None: its next start) until
        `release` is set."""
        hold = Hold()
        with self._guard:
            self._holds[(actor, message_type)] = hold
        return hold

    def _wait_if_held(self, actor: str, kind: type | None, message: object = None) -> None:
        with self._guard:
            hold = self._holds.pop((actor, kind), None)
            if hold is not None:
                self._reached.append(hold)
        if hold is not None:
            hold.message = message  # type: ignore[assignment]
            hold.reached.set()
            assert hold.release.wait(GUARD), "the test never released its hold"

    def before_message(self, actor: str, message: object) -> None:
        with self._guard:
            if isinstance(message, Message):
                self._received[actor].append(message.message_id)
        self._wait_if_held(actor, type(message), message)
        super().before_message(actor, message)

    def before_start(self, actor: str) -> None:
        self._wait_if_held(actor, None)
        super().before_start(actor)

    def deliveries(self, actor: str, message_id: str) -> int:
        with self._guard:
            return self._received[actor].count(message_id)

    def release_all(self) -> None:
        """Let every held actor go (a failed test must still stop its system)."""
        with self._guard:
            holds = list(self._holds.values())
            self._holds.clear()
        for hold in [*holds, *self._reached]:
            hold.release.set()


# Helpers ------------------------------------------------------------------------------------


def tell(h: Harness, actor: str, message: Message) -> None:
    h.system.directory.get(actor).tell(message)


def barrier(h: Harness, *actors: str) -> None:
    """Each actor, in turn, has handled everything sent to it before this call."""
    for actor in actors:
        ping(h.system.directory.get(actor), timeout=GUARD)


def start_cycle(h: Harness, number: int) -> None:
    """Send a cycle down the pipeline without waiting for its end-of-cycle marker."""
    tell(h, "scanner", RunCycle(stats=CycleStats(cycle=number, started_at=h.system.clock.now())))


def dead_letters(path: Path) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT actor, message_kind, message_id FROM dead_letters ORDER BY id")
        return [tuple(row) for row in rows]


@dataclass(frozen=True)
class Book:
    """What the database says, read apart from the actors.

    `executions` holds all of them: `Harness.read()` asks `executions_with_status()` with no
    status, which selects none.
    """

    ledger: LedgerCheck
    entries: list[LedgerEntry]
    positions: list[Position]
    executions: list[Execution]
    stats: PositionStats


def read(h: Harness) -> Book:
    with Database.open(h.path) as db, db.read() as repo:
        entries = repo.ledger_entries()
        return Book(
            ledger=check(entries),
            entries=entries,
            positions=repo.all_positions(),
            executions=repo.executions_with_status(*ExecutionStatus),
            stats=PositionStats.model_validate(repo.position_stats().model_dump()),
        )


def book(h: Harness) -> BookSnapshot:
    snapshot: BookSnapshot = ask(h.system.directory.get("positions"), GetBook(), GUARD)
    return snapshot


def signal_for(h: Harness, ticker: str, *, count: int = 5, cycle: int = 99) -> ExecuteSignal:
    """A real, affordable signal: buy YES at the market's current ask."""
    price = h.venue.client.get_orderbook(ticker).ask(Side.YES)
    assert price is not None, f"{ticker} has no YES ask"
    n = Decimal(count)
    fee = taker_fee(n, price)
    signal = TradeSignal(
        ticker=ticker,
        side=Side.YES,
        limit_price=price,
        count=n,
        probability=min(price + Decimal("0.1"), Decimal("0.99")),
        edge=Decimal("0.05"),
        kelly_fraction=Decimal("0.01"),
        fee=fee,
        cost=price * n + fee,
    )
    forecast = Forecast(
        ticker=ticker, probability=signal.probability, model="test", made_at=h.system.clock.now()
    )
    return ExecuteSignal(cycle=cycle, signal=signal, forecast=forecast)


def tradable(h: Harness, skip: frozenset[str] = frozenset()) -> str:
    """An open market with a YES ask strictly inside (0.05, 0.95)."""
    for ticker in h.sim.open_tickers():
        if ticker in skip:
            continue
        price = h.venue.client.get_orderbook(ticker).ask(Side.YES)
        if price is not None and Decimal("0.05") < price < Decimal("0.95"):
            return ticker
    raise AssertionError("no tradable market")


@dataclass
class Start:
    venue: Decimal
    bankroll: Decimal


def mark(h: Harness) -> Start:
    return Start(venue=h.venue_balance(), bankroll=h.system.balance())


def assert_consistent(h: Harness, start: Start) -> None:
    """No lost or doubled state: the ledger, the venue, the book and the owners all agree."""
    db = read(h)
    ledger, positions, executions = db.ledger, db.positions, db.executions
    assert ledger.ok, ledger.problem
    # The bot's cash moved exactly as the venue's did (fills, fees and payouts to the micro).
    assert h.system.balance() - start.bankroll == h.venue_balance() - start.venue
    # Each order reached the venue once, and every order at the venue is one of ours.
    created = h.sim.stats.orders_created
    assert set(created.values()) <= {1}, created
    placed = {e.client_order_id for e in executions if e.status is not ExecutionStatus.REJECTED}
    assert set(created) == placed
    # No position doubled: one active position per market, one position per order.
    active = [p for p in positions if p.status in (PositionStatus.OPEN, PositionStatus.RECOVERED)]
    assert len({p.ticker for p in active}) == len(active)
    per_order = Counter(p.client_order_id for p in positions if p.client_order_id is not None)
    assert set(per_order.values()) <= {1}
    local = {(p.ticker, p.side, p.count) for p in active}
    remote = {(r.ticker, r.side, r.count) for r in h.venue.client.get_positions() if r.position}
    assert local == remote
    # The state owners (restarted or not) hold exactly what the database says.
    snapshot = h.system.bankroll()
    assert (snapshot.balance, snapshot.ledger_rows) == (ledger.last_balance, ledger.rows)
    held = book(h)
    assert sorted(p.id or 0 for p in held.positions) == sorted(p.id or 0 for p in active)
    assert set(held.claimed) == {e.ticker for e in executions if e.status.in_flight}
    assert held.exposure == sum((p.cost for p in active), Decimal(0)) + sum(
        (e.reserved for e in executions if e.status.in_flight), Decimal(0)
    )
    assert held.stats == db.stats


def trade_on(h: Harness, first: int, start: Start) -> None:
    """Two more cycles (the second after every market so far has settled), then check."""
    trading = h.cycle(first)
    h.sim.advance(12 * DAY)
    settling = h.cycle(first + 1)
    assert trading.errors == ()
    assert settling.errors == ()
    assert settling.settled > 0, "the checks below need settled positions to mean anything"
    assert_consistent(h, start)


def expect_restart(h: Harness, actor: str, old_urn: str | None) -> CrashReport:
    """The supervisor restarted `actor` (new URN) and dead-lettered the crashed message."""
    events = h.system.supervisor.events
    assert events.restarted.get(timeout=GUARD) == actor
    new_urn = h.system.directory.current_urn(actor)
    assert new_urn is not None
    assert new_urn != old_urn
    assert h.system.directory.get(actor).is_alive()
    report: CrashReport = events.dead_letters.get(timeout=GUARD)
    assert (report.actor, report.actor_urn, report.error_type) == (actor, old_urn, "InjectedFault")
    barrier(h, "storage")  # the dead letter was told to Storage before the restart
    assert dead_letters(h.path) == [(actor, report.message_kind, report.message_id)]
    return report


def assert_quiet(h: Harness) -> None:
    """One crash, one restart: no further crash, give-up or escalation."""
    events = h.system.supervisor.events
    assert events.restarted.empty()
    assert events.dead_letters.empty()
    assert events.gave_up.empty()
    assert h.system.events.escalation.empty()
    assert not h.system.events.shutting_down.is_set()


@pytest.fixture
def plan() -> ObservedPlan:
    return ObservedPlan()


@contextmanager
def supervised(tmp_path: Path, plan: ObservedPlan, **overrides: Any) -> Iterator[Harness]:
    """A running system on `plan`; every hold is released before the ordered stop."""
    with running_system(tmp_path, fault_plan=plan, **{**SMALL, **overrides}) as h:
        try:
            yield h
        finally:
            plan.release_all()


# Each actor crashed, restarted, nothing lost or doubled -------------------------------------


def test_scanner_crash_on_run_cycle(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("scanner", RunCycle)
    with supervised(tmp_path, plan) as h:
        start, urn = mark(h), h.system.directory.current_urn("scanner")
        scans = h.sim.stats.request_count("GET", MARKETS)
        start_cycle(h, 1)  # crashes before scanning: this cycle's marker is lost
        report = expect_restart(h, "scanner", urn)
        assert report.message_kind == "RunCycle"
        # Not redelivered: the new scanner did not scan for the crashed cycle.
        barrier(h, "scanner")
        assert h.sim.stats.request_count("GET", MARKETS) == scans
        trade_on(h, 2, start)
        assert h.sim.stats.request_count("GET", MARKETS) > scans  # (the count is the right one)
        assert plan.deliveries("scanner", report.message_id) == 1
        assert h.system.events.completed.empty()  # cycle 1 never completed late
        assert_quiet(h)


def test_analyst_crash_on_analyze_candidates(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("analyst", AnalyzeCandidates)
    with supervised(tmp_path, plan) as h:
        start, urn = mark(h), h.system.directory.current_urn("analyst")
        start_cycle(h, 1)
        report = expect_restart(h, "analyst", urn)
        assert report.message_kind == "AnalyzeCandidates"
        barrier(h, "analyst", "executor", "reconciler")
        assert h.sim.stats.orders_created == {}  # nothing of the crashed cycle was traded
        trade_on(h, 2, start)
        assert plan.deliveries("analyst", report.message_id) == 1
        assert h.system.events.completed.empty()
        assert_quiet(h)


def test_executor_crash_on_execute_signal(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("executor", ExecuteSignal)
    # Hold the Executor at its first signal until the Analyst has sent the whole cycle, so
    # the crash is mid-cycle (signals and the marker queued behind it die with it).
    hold = plan.hold("executor", ExecuteSignal)
    with supervised(tmp_path, plan) as h:
        start, urn = mark(h), h.system.directory.current_urn("executor")
        start_cycle(h, 1)
        assert hold.reached.wait(GUARD), "cycle 1 produced no signal"
        barrier(h, "scanner", "analyst")
        crashed = hold.message
        assert isinstance(crashed, ExecuteSignal)
        hold.release.set()
        report = expect_restart(h, "executor", urn)
        assert report.message_id == crashed.message_id
        barrier(h, "reconciler", "executor")  # the restart's reconciliation has run
        # Not redelivered, and the signals queued behind it were dropped, not half-done.
        assert client_order_id(crashed) not in h.sim.stats.order_attempts
        assert h.sim.stats.order_attempts == {}
        assert read(h).executions == []
        trade_on(h, 2, start)
        assert plan.deliveries("executor", crashed.message_id) == 1
        assert client_order_id(crashed) not in h.sim.stats.order_attempts
        assert h.system.events.completed.empty()
        assert_quiet(h)


def test_reconciler_crash_on_end_of_cycle(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("reconciler", EndOfCycle)
    with supervised(tmp_path, plan) as h:
        start, urn = mark(h), h.system.directory.current_urn("reconciler")
        start_cycle(h, 1)
        report = expect_restart(h, "reconciler", urn)
        assert report.message_kind == "EndOfCycle"
        traded = dict(h.sim.stats.orders_created)
        assert traded, "cycle 1 traded before its reconciliation crashed"
        trade_on(h, 2, start)
        assert plan.deliveries("reconciler", report.message_id) == 1
        assert h.system.events.completed.empty()
        assert_quiet(h)


def test_bankroll_crash_on_reserve_funds(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("bankroll", ReserveFunds)
    with supervised(tmp_path, plan) as h:
        start, urn = mark(h), h.system.directory.current_urn("bankroll")
        first = h.cycle(1)  # the Executor survives: the marker completes the cycle
        report = expect_restart(h, "bankroll", urn)
        assert report.message_kind == "ReserveFunds"
        refused = dict(first.refused)
        # That signal (and any sent while Bankroll was down) was refused, fail closed.
        assert refused.pop("GUARD_BANKROLL_UNAVAILABLE") >= 1
        assert refused == {}
        # The rebuilt Bankroll holds exactly the ledger's balance; nothing was reserved for
        # the refused signals (every reservation belongs to an order the venue saw).
        db, snapshot = read(h), h.system.bankroll()
        assert (snapshot.balance, snapshot.ledger_rows) == (db.ledger.last_balance, db.ledger.rows)
        assert len(db.executions) == first.orders_placed
        assert_consistent(h, start)
        trade_on(h, 2, start)
        assert plan.deliveries("bankroll", report.message_id) == 1
        assert_quiet(h)


def test_positions_crash_on_claim_market(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("positions", ClaimMarket)
    # After Positions restarts, the supervisor has the Reconciler reconcile. Hold that
    # reconciliation until the Executor has finished the cycle: run while the Executor is
    # between sending an order and booking it, it books the same order a second time
    # (a known race, outside this test's subject; see the report).
    with supervised(tmp_path, plan) as h:
        hold = plan.hold("reconciler", Reconcile)  # after the start-up reconciliation
        start, urn = mark(h), h.system.directory.current_urn("positions")
        start_cycle(h, 1)
        barrier(h, "scanner", "analyst", "executor")
        report = expect_restart(h, "positions", urn)
        assert report.message_kind == "ClaimMarket"
        assert hold.reached.wait(GUARD)
        hold.release.set()
        first = h.system.events.completed.get(timeout=GUARD)
        assert first.cycle == 1
        refused = dict(first.refused)
        assert refused.pop("GUARD_POSITIONS_UNAVAILABLE") >= 1  # fail closed
        assert refused == {}
        # The rebuilt book is the database's: the positions cycle 1 opened, no stray claim.
        assert_consistent(h, start)
        trade_on(h, 2, start)
        assert plan.deliveries("positions", report.message_id) == 1
        assert_quiet(h)


# Restart intensity, escalation, Storage, start failures -------------------------------------


def escalation(h: Harness) -> ShutdownRequest:
    request = h.system.events.escalation.get(timeout=GUARD)
    assert h.system.events.shutting_down.is_set()
    assert request.exit_code != 0
    return request


def test_too_many_restarts_give_up_and_escalate(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("scanner", RunCycle, times=2)
    policy = RestartPolicy(max_restarts=1, within_seconds=3600)
    with supervised(tmp_path, plan, restart_policy=policy) as h:
        events = h.system.supervisor.events
        start_cycle(h, 1)
        assert events.restarted.get(timeout=GUARD) == "scanner"
        assert not h.system.events.shutting_down.is_set()
        start_cycle(h, 2)  # a second crash within the hour: over the budget
        assert events.gave_up.get(timeout=GUARD) == "scanner"
        request = escalation(h)
        assert "scanner crashed more than 1 times in 3600 s" in request.reason
        assert events.restarted.empty()  # not restarted again
        with pytest.raises(ActorUnavailable):
            h.system.directory.get("scanner")
        barrier(h, "storage")
        assert [row[:2] for row in dead_letters(h.path)] == [("scanner", "RunCycle")] * 2
        # Trading is over: a signal that still reaches the Executor is refused.
        ticker = tradable(h)
        tell(h, "executor", signal_for(h, ticker, cycle=3))
        tell(h, "executor", EndOfCycle(stats=CycleStats(cycle=3, started_at=h.system.clock.now())))
        done = h.system.events.completed.get(timeout=GUARD)
        assert dict(done.refused) == {"STATE_SHUTTING_DOWN": 1}
        assert h.sim.stats.order_attempts == {}


def test_the_restart_budget_is_per_window_of_clock_time(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("scanner", RunCycle, times=2)
    policy = RestartPolicy(max_restarts=1, within_seconds=3600)
    with supervised(tmp_path, plan, restart_policy=policy) as h:
        events = h.system.supervisor.events
        start_cycle(h, 1)
        assert events.restarted.get(timeout=GUARD) == "scanner"
        h.sim.advance(3601)  # the supervisor reads the (sim) clock it was given
        start_cycle(h, 2)
        assert events.restarted.get(timeout=GUARD) == "scanner"
        assert events.gave_up.empty()
        assert h.system.events.escalation.empty()
        assert h.cycle(3).markets_scanned > 0


def test_a_storage_crash_escalates_at_once(tmp_path: Path, plan: ObservedPlan) -> None:
    # The first three CommitWorks save the start-up cash baseline, the reconciliation's
    # cursors and the kill switch's equity memory; the fourth is the Scanner's snapshot,
    # mid-cycle.
    plan.crash_on("storage", CommitWork, nth=4)
    with supervised(tmp_path, plan) as h:
        events = h.system.supervisor.events
        urn, start = h.system.directory.current_urn("storage"), mark(h)
        start_cycle(h, 1)
        assert events.gave_up.get(timeout=GUARD) == "storage"
        request = escalation(h)
        assert request.reason.startswith("storage crashed: fault plan: storage crashes on")
        # Never restarted in-process: the dead ref is still the registered one.
        assert h.system.directory.current_urn("storage") == urn
        with pytest.raises(ActorUnavailable):
            h.system.directory.get("storage")
        assert events.restarted.empty()
        # Nothing traded without a database; the ledger is as it was.
        barrier(h, "scanner", "executor")
        assert h.sim.stats.order_attempts == {}
        db = read(h)
        assert db.ledger.ok
        assert db.ledger.last_balance == start.bankroll
        assert db.executions == []


def test_the_executor_restarts_halted_until_reconciled(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("executor", ExecuteSignal)
    with supervised(tmp_path, plan) as h:
        events, clock, start = h.system.supervisor.events, h.system.clock, mark(h)
        first = tradable(h)
        second = tradable(h, frozenset({first}))
        # The venue cannot list positions, so the restart's reconciliation fails.
        h.venue.client.retry = RetryPolicy(attempts=1)  # fail fast; nothing is retried blindly
        h.sim.faults.update(error_rate=1.0, path_prefixes=("/portfolio/positions",))
        crashed = signal_for(h, first)
        tell(h, "executor", crashed)
        assert events.restarted.get(timeout=GUARD) == "executor"
        barrier(h, "reconciler")  # the reconciliation the supervisor asked for has run
        # HALTED: a signal now is refused (the marker's reconciliation fails too, closed).
        refused = signal_for(h, second, cycle=1)
        tell(h, "executor", refused)
        tell(h, "executor", EndOfCycle(stats=CycleStats(cycle=1, started_at=clock.now())))
        halted = h.system.events.completed.get(timeout=GUARD)
        assert dict(halted.refused) == {"STATE_HALTED": 1}
        assert halted.orders_placed == 0
        assert halted.errors
        assert halted.errors[0].startswith("reconcile: venue fetch failed")
        assert h.sim.stats.order_attempts == {}
        # Reconciled: ACTIVE again, and the same market trades.
        h.sim.faults.reset()
        assert h.system.reconcile(enable_trading=True).ok
        traded = signal_for(h, second, cycle=2)
        tell(h, "executor", traded)
        tell(h, "executor", EndOfCycle(stats=CycleStats(cycle=2, started_at=clock.now())))
        active = h.system.events.completed.get(timeout=GUARD)
        assert active.refused == ()
        assert active.orders_placed == 1
        assert dict(h.sim.stats.order_attempts) == {client_order_id(traded): 1}
        assert plan.deliveries("executor", crashed.message_id) == 1
        assert_consistent(h, start)


def test_a_start_failure_is_a_clear_error_and_leaves_nothing_running(tmp_path: Path) -> None:
    plan = FaultPlan()
    plan.fail_start("executor")  # the fifth of seven
    path = tmp_path / "book.db"
    settings = settings_for(path)
    migrate(path)
    venue = connect(settings, scale_clock=lambda: 0.0, start_time=START)
    errors: list[str] = []
    sink = logger.add(lambda m: errors.append(m.record["message"]), level="ERROR")
    try:
        system = TradingSystem(settings, venue, path, fault_plan=plan)
        with pytest.raises(RuntimeError, match=r"^executor could not start: InjectedFault"):
            system.start()
        # Supervisor.start stopped what it had started, in order, before raising: no sweep.
        assert pykka.ActorRegistry.get_all() == []
        assert not any("still running after the ordered stop" in e for e in errors)
        names = ("Storage", "Bankroll", "Positions", "Reconciler", "Executor", "Analyst", "Scanner")
        assert [t.name for t in threading.enumerate() if t.name.startswith(names)] == []
    finally:
        logger.remove(sink)
        venue.close()


def test_a_failed_restart_escalates(tmp_path: Path, plan: ObservedPlan) -> None:
    plan.crash_on("executor", ExecuteSignal)
    with supervised(tmp_path, plan) as h:
        plan.fail_start("executor")  # only the restart fails: the first start is done
        tell(h, "executor", signal_for(h, tradable(h)))
        events = h.system.supervisor.events
        assert events.gave_up.get(timeout=GUARD) == "executor"
        request = escalation(h)
        assert request.reason.startswith("executor could not be restarted")
        assert events.restarted.empty()
        assert h.sim.stats.order_attempts == {}


def test_a_restart_under_way_when_the_system_stops_leaves_nothing_running(
    tmp_path: Path, plan: ObservedPlan
) -> None:
    plan.crash_on("executor", ExecuteSignal)
    errors: list[str] = []
    sink = logger.add(lambda m: errors.append(m.record["message"]), level="ERROR")
    try:
        with supervised(tmp_path, plan) as h:
            restarting = plan.hold("executor", None)  # the restart's on_start waits
            positions = h.system.directory.get("positions")  # stopped after the executor
            tell(h, "executor", signal_for(h, tradable(h)))
            assert restarting.reached.wait(GUARD)
            stopping = threading.Thread(target=h.system.stop, name="test-stop")
            stopping.start()
            # The ordered stop has gone past the executor (the dead one) ...
            assert positions.actor_stopped.wait(GUARD)
            restarting.release.set()  # ... when its restart completes.
            stopping.join(GUARD)
            assert not stopping.is_alive()
            assert pykka.ActorRegistry.get_all() == []
            assert not any("still running after the ordered stop" in e for e in errors)
            # A clean stop, not an escalation (that would make main exit non-zero).
            assert h.system.events.escalation.empty()
            assert h.system.supervisor.events.restarted.empty()
    finally:
        logger.remove(sink)
