"""Every guard between a forecast and an order, each proven on the real system.

Signals are mostly sent straight to the Executor (the test plays the Analyst) on markets whose
book is pinned at the simulator, so each guard's outcome is exact; an `EndOfCycle` told after
them is the barrier, and the figures it carries out of the Reconciler are the observation.
Every refusal must also be logged by the Executor with its reason code.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import pytest
from loguru import logger

from actors.base import ask, ping
from actors.executor import client_order_id
from domain.fees import taker_fee
from domain.messages import (
    BankrollSnapshot,
    ChargeApiCost,
    ClaimMarket,
    CycleStats,
    EndOfCycle,
    ExecuteSignal,
    GetBankroll,
    MarketClaimed,
    ReleaseClaim,
)
from domain.models import (
    ExecutionStatus,
    Forecast,
    LedgerReason,
    PositionStatus,
    Side,
    TradeSignal,
)
from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from tests.actors.system_harness import Harness
from tests.actors.test_supervision import (
    GUARD,
    ObservedPlan,
    assert_consistent,
    book,
    mark,
    read,
    start_cycle,
    supervised,
    tell,
    tradable,
)

ASK = Decimal("0.40")  # the pinned YES ask
DEPTH = 500


# Helpers ------------------------------------------------------------------------------------


def pinned(h: Harness, *, skip: frozenset[str] = frozenset()) -> str:
    """A market whose YES ask is pinned at ASK with DEPTH contracts behind it."""
    ticker = tradable(h, skip)
    h.sim.pin_book(ticker, yes_bids=[(ASK - Decimal("0.02"), DEPTH)], no_bids=[(1 - ASK, DEPTH)])
    return ticker


def signal(
    h: Harness, ticker: str, cycle: int, *, count: int = 10, limit: Decimal = ASK
) -> ExecuteSignal:
    n = Decimal(count)
    fee = taker_fee(n, limit)
    trade = TradeSignal(
        ticker=ticker,
        side=Side.YES,
        limit_price=limit,
        count=n,
        probability=Decimal("0.60"),
        edge=Decimal("0.15"),
        kelly_fraction=Decimal("0.01"),
        fee=fee,
        cost=limit * n + fee,
    )
    forecast = Forecast(
        ticker=ticker, probability=Decimal("0.60"), model="test", made_at=h.system.clock.now()
    )
    return ExecuteSignal(cycle=cycle, signal=trade, forecast=forecast)


def execute(h: Harness, cycle: int, *signals: ExecuteSignal) -> CycleStats:
    """Tell the signals and a marker to the Executor; wait for the marker to come out."""
    for each in signals:
        tell(h, "executor", each)
    tell(h, "executor", EndOfCycle(stats=CycleStats(cycle=cycle, started_at=h.system.clock.now())))
    done = h.system.events.completed.get(timeout=GUARD)
    assert done.cycle == cycle
    return done


class Refusals:
    """The Executor's refusal log lines, captured by a loguru sink."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, message: Any) -> None:
        record = message.record
        if record["extra"].get("actor") == "executor" and " refused: " in record["message"]:
            self.lines.append(record["message"])

    def assert_logged(self, *cycles: CycleStats) -> None:
        """Each refusal counted in `cycles` (since the last call) was logged once, with its
        reason code, and nothing else was."""
        counted: Counter[str] = Counter()
        for stats in cycles:
            counted.update(dict(stats.refused))
        logged = Counter(line.split(" refused: ")[1].split(" ")[0] for line in self.lines)
        assert logged == counted, self.lines
        self.lines.clear()


@pytest.fixture
def refusals() -> Iterator[Refusals]:
    sink = Refusals()
    handle = logger.add(sink, level="INFO")
    yield sink
    logger.remove(handle)


def ledger_for(h: Harness, client_order: str) -> list[tuple[LedgerReason, Decimal]]:
    return [(e.reason, e.change) for e in read(h).entries if e.ref_id == client_order]


# The duplicate-market guard -----------------------------------------------------------------


def test_a_held_market_is_screened_out_before_analysis(tmp_path: Path, refusals: Refusals) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        held = pinned(h)
        opened = execute(h, 1, signal(h, held, 1))
        assert opened.orders_filled == 1
        refusals.assert_logged(opened)
        cycle = h.cycle(2)
        # Every open market the bot holds is screened out, and it holds exactly one.
        assert dict(cycle.skipped)["FILTER_ALREADY_HELD"] == 1
        assert [e.ticker for e in read(h).executions].count(held) == 1
        refusals.assert_logged(cycle)


def test_two_signals_for_one_market_place_one_order(tmp_path: Path, refusals: Refusals) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        start, ticker = mark(h), pinned(h)
        first, second = signal(h, ticker, 1), signal(h, ticker, 1)
        stats = execute(h, 1, first, second)
        assert stats.orders_placed == stats.orders_filled == 1
        assert dict(stats.refused) == {"GUARD_ALREADY_HELD": 1}
        assert dict(h.sim.stats.order_attempts) == {client_order_id(first): 1}
        db = read(h)
        assert [(e.client_order_id, e.status) for e in db.executions] == [
            (client_order_id(first), ExecutionStatus.FILLED)
        ]
        assert [p.ticker for p in db.positions] == [ticker]
        assert ledger_for(h, client_order_id(second)) == []  # nothing reserved for it
        refusals.assert_logged(stats)
        assert_consistent(h, start)


# The zero-bankroll lock ---------------------------------------------------------------------


def test_a_zero_bankroll_scans_and_forecasts_but_never_orders(
    tmp_path: Path, refusals: Refusals
) -> None:
    # The kill switch would halt a book charged to zero before the lock is met: off here.
    no_kill_switch = {"min_edge": "0", "max_daily_loss_fraction": "1", "max_drawdown": "1"}
    with supervised(tmp_path, ObservedPlan(), risk=no_kill_switch) as h:
        bankroll = h.system.directory.get("bankroll")
        ask(bankroll, ChargeApiCost(amount=h.system.balance(), ref_type="test"), GUARD)
        snapshot: BankrollSnapshot = ask(bankroll, GetBankroll(), GUARD)
        assert snapshot.balance == 0
        assert snapshot.locked
        cycle = h.cycle(1)
        assert cycle.markets_scanned > 0
        assert cycle.candidates > 0
        assert cycle.forecasts > 0
        # The Analyst sizes every order against a zero bankroll to nothing, so no signal ever
        # reaches the Executor: each forecast ends as a no-trade, and any with an edge as
        # SIZE_ZERO (sizing runs before the minimum-edge check).
        decisions = {k: n for k, n in cycle.skipped if k == "SIZE_ZERO" or k.startswith("SIGNAL_")}
        assert decisions["SIZE_ZERO"] >= 1
        assert set(decisions) <= {"SIZE_ZERO", "SIGNAL_NO_EDGE", "SIGNAL_NO_PRICE"}
        assert sum(decisions.values()) == cycle.forecasts
        assert cycle.signals == cycle.orders_placed == 0
        assert cycle.refused == ()
        # A signal that reaches the Executor anyway meets the Bankroll's lock, at zero and
        # below, and gives its claim back.
        ticker = pinned(h)
        at_zero = execute(h, 2, signal(h, ticker, 2))
        assert dict(at_zero.refused) == {"GUARD_ZERO_BANKROLL": 1}
        ask(bankroll, ChargeApiCost(amount=Decimal("0.01"), ref_type="test"), GUARD)
        below = execute(h, 3, signal(h, ticker, 3))
        assert dict(below.refused) == {"GUARD_ZERO_BANKROLL": 1}
        assert h.sim.stats.order_attempts == {}
        assert book(h).claimed == ()
        assert [e.reason for e in read(h).entries] == [LedgerReason.INITIAL] + [
            LedgerReason.API_COST
        ] * 2
        refusals.assert_logged(cycle, at_zero, below)


# Caps ---------------------------------------------------------------------------------------

# Each pinned signal costs 10 x 0.40 + 0.17 fee = 4.17.
CAPS = [
    pytest.param({"max_orders_per_cycle": 1}, "CAP_ORDERS_PER_CYCLE", True, id="orders"),
    pytest.param({"max_notional_per_cycle": "6"}, "CAP_NOTIONAL_PER_CYCLE", True, id="notional"),
    pytest.param({"max_total_exposure": "6"}, "CAP_TOTAL_EXPOSURE", False, id="exposure"),
]


@pytest.mark.parametrize(("risk", "reason", "per_cycle"), CAPS)
def test_each_cap_refuses_with_its_reason(
    tmp_path: Path, refusals: Refusals, risk: dict[str, Any], reason: str, per_cycle: bool
) -> None:
    with supervised(tmp_path, ObservedPlan(), risk=risk) as h:
        start = mark(h)
        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        first, over = signal(h, one, 1), signal(h, two, 1)
        stats = execute(h, 1, first, over)
        assert stats.orders_placed == 1
        assert dict(stats.refused) == {reason: 1}
        assert dict(h.sim.stats.order_attempts) == {client_order_id(first): 1}
        assert ledger_for(h, client_order_id(over)) == []
        assert two not in book(h).claimed
        refusals.assert_logged(stats)
        # Per-cycle caps start again next cycle; the exposure cap holds while the position does.
        again = signal(h, two, 2)
        later = execute(h, 2, again)
        if per_cycle:
            assert (later.orders_placed, later.refused) == (1, ())
        else:
            assert (later.orders_placed, dict(later.refused)) == (0, {reason: 1})
        refusals.assert_logged(later)
        assert_consistent(h, start)


# Venue refusals and ambiguous outcomes ------------------------------------------------------


def test_a_venue_refusal_gives_back_the_reservation_and_the_claim(
    tmp_path: Path, refusals: Refusals
) -> None:
    plan = ObservedPlan()
    with supervised(tmp_path, plan) as h:
        start = mark(h)
        hold = plan.hold("executor", ExecuteSignal)
        start_cycle(h, 1)
        assert hold.reached.wait(GUARD), "cycle 1 produced no signal"
        doomed = hold.message
        assert isinstance(doomed, ExecuteSignal)
        ticker = doomed.signal.ticker
        h.sim.settle(ticker, "yes")  # between screening and sending
        hold.release.set()
        stats = h.system.events.completed.get(timeout=GUARD)
        assert dict(stats.refused).get("VENUE_market_closed") == 1
        coid = client_order_id(doomed)
        [execution] = [e for e in read(h).executions if e.client_order_id == coid]
        assert (execution.status, execution.error_code) == (
            ExecutionStatus.REJECTED,
            "market_closed",
        )
        cost = doomed.signal.cost
        assert ledger_for(h, coid) == [(LedgerReason.RESERVE, -cost), (LedgerReason.RELEASE, cost)]
        assert h.sim.stats.order_attempts[coid] == 1
        assert coid not in h.sim.stats.orders_created
        # The claim is gone: the market can be claimed again.
        assert ticker not in book(h).claimed
        positions = h.system.directory.get("positions")
        claim = ask(positions, ClaimMarket(ticker=ticker, client_order_id="again", cost=cost))
        assert isinstance(claim, MarketClaimed)
        positions.tell(ReleaseClaim(ticker=ticker, client_order_id="again"))
        refusals.assert_logged(stats)
        assert_consistent(h, start)


def test_an_ambiguous_order_blocks_its_market_until_reconciled(
    tmp_path: Path, refusals: Refusals
) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        start, ticker = mark(h), pinned(h)
        # Look-ups fail fast here; the outcome is just as unknown after the default ladder.
        h.venue.client.retry = RetryPolicy(attempts=2, base_delay=0.0)
        h.venue.client.lookup = LookupPolicy(attempts=2, first_delay=0.0)
        # The order is created but its answer is lost, and it cannot be found by its id.
        h.sim.faults.update(
            drop_order_responses=1, error_rate=1.0, path_prefixes=("/portfolio/orders",)
        )
        sent = signal(h, ticker, 1, limit=ASK + Decimal("0.05"))  # leaves some reservation unused
        coid, reserved = client_order_id(sent), sent.signal.cost
        lost = execute(h, 1, sent)
        assert (lost.orders_placed, lost.orders_ambiguous) == (1, 1)
        assert lost.errors
        assert "venue fetch failed" in lost.errors[0]
        [execution] = read(h).executions
        assert execution.status is ExecutionStatus.AMBIGUOUS
        assert ledger_for(h, coid) == [(LedgerReason.RESERVE, -reserved)]  # kept
        assert book(h).claimed == (ticker,)  # kept: the market is blocked
        retry = signal(h, ticker, 2)
        blocked = execute(h, 2, retry)
        assert dict(blocked.refused) == {"GUARD_ORDER_IN_FLIGHT": 1}
        assert client_order_id(retry) not in h.sim.stats.order_attempts

        h.sim.faults.reset()
        report = h.system.reconcile(enable_trading=True)
        assert report.ok
        assert report.resolved_in_flight == 1
        assert report.still_in_flight == 0
        db = read(h)
        [execution] = db.executions
        assert execution.status is ExecutionStatus.FILLED
        assert execution.filled_count == 10
        [position] = db.positions
        spent = execution.fill_cost + execution.fees
        assert (position.ticker, position.status, position.cost) == (
            ticker,
            PositionStatus.OPEN,
            spent,
        )
        assert spent == ASK * 10 + taker_fee(Decimal(10), ASK)  # filled at the ask, not the limit
        assert ledger_for(h, coid) == [
            (LedgerReason.RESERVE, -reserved),
            (LedgerReason.RELEASE, reserved - spent),
        ]
        assert h.sim.stats.order_attempts[coid] == h.sim.stats.orders_created[coid] == 1
        assert book(h).claimed == ()
        refusals.assert_logged(lost, blocked)
        assert_consistent(h, start)


def test_an_order_is_booked_once_when_a_reconciliation_runs_during_its_send(
    tmp_path: Path,
) -> None:
    """After Positions restarts, the supervisor has the Reconciler reconcile while the
    Executor may be trading. Here that reconciliation runs exactly between the venue's
    answer to an order and the Executor's booking of it."""
    with supervised(tmp_path, ObservedPlan()) as h:
        start, ticker = mark(h), pinned(h)
        client = h.venue.client
        real_get_order = client.get_order
        answered, go_on = threading.Event(), threading.Event()

        def get_order_then_wait(order_id: str) -> Any:
            report = real_get_order(order_id)
            answered.set()
            assert go_on.wait(GUARD)
            return report

        client.get_order = get_order_then_wait  # type: ignore[method-assign]
        sent = signal(h, ticker, 1, limit=ASK + Decimal("0.05"))
        executor = h.system.directory.get("executor")
        executor.tell(sent)
        try:
            assert answered.wait(GUARD)
            report = h.system.reconcile(enable_trading=False)
            assert report.resolved_in_flight == 1  # the Reconciler booked it from the venue
        finally:
            go_on.set()
        try:
            ping(executor, GUARD)
        except pykka.ActorDeadError:
            pytest.fail("the Executor crashed booking an order the Reconciler had booked")
        coid = client_order_id(sent)
        releases = [r for r, _ in ledger_for(h, coid) if r is LedgerReason.RELEASE]
        assert len(releases) == 1
        assert [p.ticker for p in read(h).positions] == [ticker]
        assert h.system.supervisor.events.restarted.empty()  # the Executor did not crash
        assert_consistent(h, start)
