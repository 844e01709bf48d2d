"""Positions on its own: claims (the duplicate-market guard), the exposure cap, the book, and a
restart that rebuilds exactly what the database says. A real Storage on a migrated file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pykka
import pytest

from actors.base import ask, ping
from actors.faults import FaultPlan
from actors.positions import Positions
from domain.messages import (
    BookSnapshot,
    ClaimMarket,
    ClaimRefused,
    ClosePosition,
    CommitWork,
    GetBook,
    InsertExecution,
    InsertPnl,
    InsertPosition,
    MarketClaimed,
    PositionClosed,
    PositionOpened,
    ReleaseClaim,
    WorkCommitted,
)
from domain.models import (
    Execution,
    ExecutionStatus,
    PnlEvent,
    Position,
    PositionStats,
    PositionStatus,
    Side,
)
from domain.risk import DenyReason

D = Decimal
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GUARD = 30.0  # only ever a guard against a hang

StartPositions = Callable[..., pykka.ActorRef[Any]]


@pytest.fixture
def start_positions(storage: pykka.ActorRef[Any]) -> Iterator[StartPositions]:
    started: list[pykka.ActorRef[Any]] = []

    def start(**kwargs: Any) -> pykka.ActorRef[Any]:
        ref = Positions.start(storage, **kwargs)
        ping(ref)
        started.append(ref)
        return ref

    yield start
    for ref in started:
        ref.stop(timeout=GUARD)


def claim(
    positions: pykka.ActorRef[Any], ticker: str, order: str, cost: str, cap: str | None = None
) -> MarketClaimed | ClaimRefused:
    reply: MarketClaimed | ClaimRefused = ask(
        positions,
        ClaimMarket(
            ticker=ticker,
            client_order_id=order,
            cost=D(cost),
            max_total_exposure=None if cap is None else D(cap),
        ),
        GUARD,
    )
    return reply


def book(positions: pykka.ActorRef[Any]) -> BookSnapshot:
    snapshot: BookSnapshot = ask(positions, GetBook(), GUARD)
    return snapshot


def position(ticker: str, cost: str, status: PositionStatus = PositionStatus.OPEN) -> Position:
    return Position(
        ticker=ticker, side=Side.YES, count=D(10), cost=D(cost), status=status, opened_at=NOW
    )


def test_many_threads_claiming_one_market_get_exactly_one_claim(
    start_positions: StartPositions,
) -> None:
    positions = start_positions()
    markets, per_market = 8, 6
    start = threading.Barrier(markets * per_market)

    def contend(n: int) -> MarketClaimed | ClaimRefused:
        start.wait(timeout=GUARD)
        return claim(positions, f"M{n % markets}", f"order-{n}", "1")

    with ThreadPoolExecutor(markets * per_market) as pool:
        replies = list(pool.map(contend, range(markets * per_market)))

    won = {r.ticker: r.client_order_id for r in replies if isinstance(r, MarketClaimed)}
    lost = [r for r in replies if isinstance(r, ClaimRefused)]
    assert sorted(won) == [f"M{m}" for m in range(markets)]  # exactly one winner per market
    assert len(lost) == markets * (per_market - 1)
    for refused in lost:
        assert refused.reason is DenyReason.IN_FLIGHT
        assert refused.detail == f"order {won[refused.ticker]}"  # names the winner
    snapshot = book(positions)
    assert sorted(snapshot.claimed) == sorted(won)
    assert snapshot.exposure == markets


def test_the_exposure_cap_counts_claims_and_positions(start_positions: StartPositions) -> None:
    positions = start_positions()
    assert isinstance(claim(positions, "A", "a", "60", cap="100"), MarketClaimed)
    over = claim(positions, "B", "b", "50", cap="100")
    assert isinstance(over, ClaimRefused)
    assert over.reason is DenyReason.EXPOSURE_CAP
    assert over.detail == "60 + 50 > 100"
    assert isinstance(claim(positions, "C", "c", "40", cap="100"), MarketClaimed)  # exactly 100
    assert isinstance(claim(positions, "D", "d", "0.01", cap="100"), ClaimRefused)
    # A (claimed for 60) filled for 55: its position now counts, at its real cost.
    positions.tell(PositionOpened(position=position("A", "55")))
    assert book(positions).exposure == D(95)
    assert isinstance(claim(positions, "D", "d", "5", cap="100"), MarketClaimed)
    refused = claim(positions, "E", "e", "0.000001", cap="100")
    assert isinstance(refused, ClaimRefused)
    assert refused.reason is DenyReason.EXPOSURE_CAP
    assert isinstance(claim(positions, "E", "e", "1000"), MarketClaimed)  # no cap given
    assert book(positions).exposure == D(1100)


def test_a_claim_is_released_only_by_its_own_order(start_positions: StartPositions) -> None:
    positions = start_positions()
    assert isinstance(claim(positions, "X", "first", "5"), MarketClaimed)
    positions.tell(ReleaseClaim(ticker="X", client_order_id="someone-else"))
    again = claim(positions, "X", "second", "5")  # the barrier, and still blocked
    assert isinstance(again, ClaimRefused)
    assert again.reason is DenyReason.IN_FLIGHT
    positions.tell(ReleaseClaim(ticker="X", client_order_id="first"))
    assert isinstance(claim(positions, "X", "second", "5"), MarketClaimed)
    snapshot = book(positions)
    assert (snapshot.claimed, snapshot.exposure) == (("X",), D(5))


def test_an_opened_position_ends_the_claim_and_holds_the_market(
    start_positions: StartPositions,
) -> None:
    positions = start_positions()
    assert isinstance(claim(positions, "X", "order", "5"), MarketClaimed)
    positions.tell(PositionOpened(position=position("X", "4.5").replace(id=7)))
    snapshot = book(positions)
    assert snapshot.claimed == ()
    assert [(p.ticker, p.cost) for p in snapshot.positions] == [("X", D("4.5"))]
    held = claim(positions, "X", "later", "5")
    assert isinstance(held, ClaimRefused)
    assert held.reason is DenyReason.ALREADY_HELD
    # Settled and closed: the market is free again.
    positions.tell(PositionClosed(position_id=7, ticker="X"))
    assert isinstance(claim(positions, "X", "later", "5"), MarketClaimed)


# A restart rebuilds the book from the database ----------------------------------------------


def execution(ticker: str, reserved: str, status: ExecutionStatus) -> Execution:
    return Execution(
        client_order_id=f"coid-{ticker}",
        ticker=ticker,
        side=Side.YES,
        limit_price=D("0.5"),
        count=D(10),
        reserved=D(reserved),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_book_and_its_stats_are_rebuilt_identically_after_a_restart(
    start_positions: StartPositions, storage: pykka.ActorRef[Any]
) -> None:
    """Drive Positions the way the Executor and Reconciler do (each change committed through
    Storage first, then told), crash it, and compare what a cold start rebuilds."""
    plan = FaultPlan()
    positions = start_positions(fault_plan=plan)

    def commit(*writes: Any) -> WorkCommitted:
        reply: WorkCommitted = ask(storage, CommitWork(writes=writes), GUARD)
        return reply

    # In flight (intent, ambiguous, resting): claimed, with their reservations.
    for ticker, reserved, status in (
        ("INTENT", "10", ExecutionStatus.INTENT),
        ("AMBIG", "5", ExecutionStatus.AMBIGUOUS),
        ("REST", "3", ExecutionStatus.RESTING),
    ):
        assert isinstance(claim(positions, ticker, f"coid-{ticker}", reserved), MarketClaimed)
        commit(InsertExecution(execution=execution(ticker, reserved, status)))
    # Refused at the venue: the claim was given back.
    assert isinstance(claim(positions, "REJ", "coid-REJ", "2"), MarketClaimed)
    commit(InsertExecution(execution=execution("REJ", "2", ExecutionStatus.REJECTED)))
    positions.tell(ReleaseClaim(ticker="REJ", client_order_id="coid-REJ"))
    # Filled, and recovered from the venue: open positions.
    opened: dict[str, Position] = {}
    for ticker, cost, status in (
        ("OPEN", "4.17", PositionStatus.OPEN),
        ("RECOV", "2", PositionStatus.RECOVERED),
        ("WIN", "4", PositionStatus.OPEN),
        ("LOSS", "3", PositionStatus.OPEN),
        ("FLAT", "5", PositionStatus.OPEN),
    ):
        if status is PositionStatus.OPEN:
            assert isinstance(claim(positions, ticker, f"coid-{ticker}", cost), MarketClaimed)
            commit(InsertExecution(execution=execution(ticker, cost, ExecutionStatus.FILLED)))
            held = position(ticker, cost, status).replace(client_order_id=f"coid-{ticker}")
        else:
            held = position(ticker, cost, status)
        [opened[ticker]] = commit(InsertPosition(position=held)).positions
        positions.tell(PositionOpened(position=opened[ticker]))
    # Settled: a win, a loss, and one that paid back exactly its cost (neither).
    for ticker, payout in (("WIN", "10"), ("LOSS", "0"), ("FLAT", "5")):
        held = opened[ticker]
        assert held.id is not None
        commit(
            ClosePosition(position_id=held.id, closed_at=NOW, payout=D(payout)),
            InsertPnl(
                event=PnlEvent(
                    ts=NOW,
                    ticker=ticker,
                    position_id=held.id,
                    cost=held.cost,
                    payout=D(payout),
                    realized_pnl=D(payout) - held.cost,
                )
            ),
        )
        positions.tell(PositionClosed(position_id=held.id, ticker=ticker))

    before = book(positions)
    assert sorted(before.claimed) == ["AMBIG", "INTENT", "REST"]
    assert sorted(p.ticker for p in before.positions) == ["OPEN", "RECOV"]
    assert before.exposure == D("10") + D("5") + D("3") + D("4.17") + D("2")
    assert before.stats == PositionStats(trades=3, wins=1, losses=1, realized_pnl=D(3))

    def same(after: BookSnapshot) -> None:
        assert sorted(after.claimed) == sorted(before.claimed)
        assert sorted(after.positions, key=lambda p: p.ticker) == sorted(
            before.positions, key=lambda p: p.ticker
        )
        assert (after.exposure, after.stats) == (before.exposure, before.stats)

    plan.crash_on("positions", GetBook)  # a crash, then a cold start
    with pytest.raises(pykka.ActorDeadError):
        book(positions)
    assert not positions.is_alive()
    same(book(start_positions()))
