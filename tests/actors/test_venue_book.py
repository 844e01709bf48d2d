"""The book follows the venue (issue 9): fills, manual trades, settlement records, and an order
flow that cannot race reconciliation. Real actors, real SQLite, real HTTP to the simulator
(its clock frozen); the user's own trades go through the public API with the bot's key, as
the web app would. No sleeps: the Reconciler's checkpoints and Ping barriers order events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from actors.base import ping
from actors.executor import client_order_id
from domain.fees import taker_fee
from domain.messages import ExecuteSignal
from domain.models import (
    ExecutionStatus,
    LedgerReason,
    PositionStatus,
    Side,
)
from infra.db.repository import Database
from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from tests.actors.system_harness import Harness, running_system
from tests.actors.test_guards import ASK, DEPTH, pinned, signal
from tests.actors.test_supervision import GUARD, SMALL, Start, book, mark, read


class Checkpoint:
    """Runs actions in the Reconciler's own thread when it reaches chosen steps (once each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, Callable[[], None]] = {}
        self.steps: list[str] = []
        self.every: Callable[[str], None] | None = None  # run at every step while set

    def arm(self, step: str, action: Callable[[], None]) -> None:
        with self._lock:
            self._armed[step] = action

    def __call__(self, step: str) -> None:
        with self._lock:
            self.steps.append(step)
            action = self._armed.pop(step, None)
        if self.every is not None:
            self.every(step)
        if action is not None:
            action()


@contextmanager
def system(tmp_path: Path, **overrides: Any) -> Iterator[tuple[Harness, Checkpoint]]:
    checkpoint = Checkpoint()
    with running_system(tmp_path, reconciler_checkpoint=checkpoint, **{**SMALL, **overrides}) as h:
        yield h, checkpoint


def buy(h: Harness, ticker: str, count: int = 10) -> ExecuteSignal:
    """The bot buys `count` YES at the pinned ask, through its own Executor."""
    message = signal(h, ticker, 1, count=count)
    executor = h.system.directory.get("executor")
    executor.tell(message)
    ping(executor, GUARD)
    return message


def web_trade(h: Harness, ticker: str, side: Side, price: Decimal, count: int, name: str) -> None:
    """The user trades on the web app: the public API, the bot's key, no bot involved."""
    h.venue.client.create_order(ticker, side, price, Decimal(count), f"web-{name}")


def reconcile(h: Harness) -> None:
    report = h.system.reconcile(enable_trading=True)
    assert report.ok, report.error


def assert_follows_the_venue(h: Harness, start: Start) -> None:
    """The ledger adds up, the cash moved exactly as the venue's did, the positions are the
    venue's, and the actors hold what the database says."""
    db = read(h)
    assert db.ledger.ok, db.ledger.problem
    assert h.system.balance() - start.bankroll == h.venue_balance() - start.venue
    active = [
        p for p in db.positions if p.status in (PositionStatus.OPEN, PositionStatus.RECOVERED)
    ]
    local = {(p.ticker, p.side, p.count) for p in active}
    remote = {(r.ticker, r.side, r.count) for r in h.venue.client.get_positions() if r.position}
    assert local == remote
    held = book(h)
    assert sorted(p.id or 0 for p in held.positions) == sorted(p.id or 0 for p in active)
    assert set(held.claimed) == {e.ticker for e in db.executions if e.status.in_flight}
    snapshot = h.system.bankroll()
    assert (snapshot.balance, snapshot.ledger_rows) == (db.ledger.last_balance, db.ledger.rows)


def venue_rows(h: Harness) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with Database.open(h.path) as db, db.read() as repo:
        return repo.fills(), repo.settlements()


# Problems 1 and 2: manual exits are sales, and settlements pay what the venue paid ----------


def test_a_position_sold_by_hand_is_a_sale_and_is_not_paid_at_settlement(tmp_path: Path) -> None:
    """Issue 9, problem 1 (and deliverable 3): the user sells everything on the web app; the
    book books the sale with its proceeds and P&L at once, and the settlement (0 contracts,
    revenue $0) pays nothing and is reported."""
    with system(tmp_path) as (h, _):
        start, ticker = mark(h), pinned(h)
        buy(h, ticker)
        [position] = read(h).positions
        # Sell all 10 YES: buy 10 NO at 1 - the YES bid, which nets them out (A5.9).
        web_trade(h, ticker, Side.NO, 1 - (ASK - Decimal("0.02")), 10, "sell-all")
        reconcile(h)
        db = read(h)
        [closed] = [p for p in db.positions if p.id == position.id]
        assert closed.status is PositionStatus.CLOSED
        assert closed.payout is not None
        assert closed.payout < Decimal("3.80")  # 10 x $0.38, less the fee
        fills, _ = venue_rows(h)
        sale = [f for f in fills if f["client_order_id"] is None]
        assert len(sale) == 1
        [row] = [e for e in db.entries if e.ref_type == "fill"]
        assert (row.reason, row.ref_id) == (LedgerReason.FILL, sale[0]["fill_id"])
        assert row.change == closed.payout  # the cash the sale brought in, to the micro
        assert_follows_the_venue(h, start)

        h.sim.settle(ticker, "yes")
        reconcile(h)
        _, settlements = venue_rows(h)
        [record] = settlements
        assert (record["ticker"], record["revenue"], record["position_id"]) == (ticker, 0, None)
        assert "no local position" in record["note"]
        assert not [e for e in read(h).entries if e.reason is LedgerReason.SETTLEMENT]
        assert_follows_the_venue(h, start)


def test_a_partial_manual_sale_shrinks_the_position_and_the_settlement_pays_the_rest(
    tmp_path: Path,
) -> None:
    """Issue 9, problem 2: the user sells 1 of 10; the count follows at once, and the
    settlement credits the record's revenue for 9."""
    with system(tmp_path) as (h, _):
        start, ticker = mark(h), pinned(h)
        buy(h, ticker)
        web_trade(h, ticker, Side.NO, 1 - (ASK - Decimal("0.02")), 1, "sell-one")
        reconcile(h)
        [position] = read(h).positions
        assert (position.status, position.count) == (PositionStatus.OPEN, Decimal(9))
        assert_follows_the_venue(h, start)

        h.sim.settle(ticker, "yes")
        reconcile(h)
        [settled] = read(h).positions
        assert (settled.status, settled.payout) == (PositionStatus.CLOSED, Decimal(9))
        [credit] = [e for e in read(h).entries if e.reason is LedgerReason.SETTLEMENT]
        assert credit.change == Decimal(9)
        assert credit.ref_type == "settlement"
        assert (credit.ref_id or "").startswith(f"{ticker}@")
        assert_follows_the_venue(h, start)


def test_a_manual_buy_is_booked_from_its_fill_with_its_fee(tmp_path: Path) -> None:
    """A position the bot did not trade: booked from the fill (count x price + fee), once."""
    with system(tmp_path) as (h, _):
        start, ticker = mark(h), pinned(h)
        web_trade(h, ticker, Side.YES, ASK, 7, "buy")
        # Issue 24: counted as recovered in the run summary, as `status` shows it.
        assert h.system.reconcile(enable_trading=True).recovered == 1
        assert h.system.reconcile(enable_trading=True).recovered == 0  # booked already
        [position] = read(h).positions
        assert (position.status, position.count) == (PositionStatus.RECOVERED, Decimal(7))
        assert position.cost == ASK * 7 + taker_fee(Decimal(7), ASK)
        assert len(venue_rows(h)[0]) == 1
        assert_follows_the_venue(h, start)


# Problems 4 and 5: scalar and void results pay what the venue's record says -----------------


def open_of_type(h: Harness, market_type: str) -> str:
    with h.sim.exchange.synced() as ex:
        tickers = [
            m.ticker
            for m in ex.markets
            if m.status.value == "active" and m.market_type == market_type
        ]
    assert tickers, f"no open {market_type} market"
    return tickers[0]


def test_a_scalar_result_closes_the_position_at_the_records_revenue(tmp_path: Path) -> None:
    """Issue 9, problem 4: a scalar settlement closes the position, credits its revenue and
    frees its exposure."""
    with system(tmp_path) as (h, _):
        start = mark(h)
        ticker = open_of_type(h, "scalar")
        h.sim.pin_book(
            ticker, yes_bids=[(ASK - Decimal("0.02"), DEPTH)], no_bids=[(1 - ASK, DEPTH)]
        )
        buy(h, ticker)
        h.sim.settle(ticker, "scalar", "0.3700")
        reconcile(h)
        [position] = read(h).positions
        assert (position.status, position.payout) == (PositionStatus.CLOSED, Decimal("3.70"))
        assert book(h).exposure == 0
        _, [record] = venue_rows(h)
        assert (record["market_result"], record["value"]) == ("scalar", Decimal("0.37"))
        assert_follows_the_venue(h, start)


def test_a_void_market_refunds_what_the_venue_paid_back(tmp_path: Path) -> None:
    """Issue 9, problem 5: not the bot's recorded cost (fees included), the record's revenue."""
    with system(tmp_path) as (h, _):
        start, ticker = mark(h), pinned(h)
        buy(h, ticker)
        h.sim.settle(ticker, "void")
        reconcile(h)
        [position] = read(h).positions
        _, [record] = venue_rows(h)
        assert record["market_result"] == "void"
        assert (position.status, position.payout) == (PositionStatus.CLOSED, record["revenue"])
        assert_follows_the_venue(h, start)


# Problem 3 (deliverable 6): the order flow between any two of the Reconciler's reads ---------

STEPS = ("in_flight", "resolved", "fills", "balance", "fills_again")
END = "after the reconciliation"
INTERLEAVINGS = [
    (placed, booked) for n, placed in enumerate(STEPS) for booked in (*STEPS[n + 1 :], END)
]


class HeldBooking:
    """Holds the Executor after its order filled at the venue and before it books it: the
    Executor reads the order back (`get_order`) right after sending, so that read waits."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.sent = threading.Event()
        self.go = threading.Event()
        self.message: ExecuteSignal | None = None
        read_back = h.venue.client.get_order

        def get_order(order_id: str) -> Any:
            self.sent.set()
            assert self.go.wait(GUARD), "the booking was never released"
            return read_back(order_id)

        h.venue.client.get_order = get_order  # type: ignore[method-assign]

    def place(self, ticker: str) -> None:
        """Send the order; return once it has filled at the venue, unbooked."""
        self.message = signal(self.h, ticker, 1)
        self.h.system.directory.get("executor").tell(self.message)
        assert self.sent.wait(GUARD), "the order was never sent"

    def book(self) -> None:
        """Let the Executor book it; return once it has."""
        self.go.set()
        ping(self.h.system.directory.get("executor"), GUARD)


@pytest.mark.parametrize(("placed", "booked"), INTERLEAVINGS)
def test_an_order_filled_between_any_two_reads_is_booked_once(
    tmp_path: Path, placed: str, booked: str
) -> None:
    """Issue 9, problem 3: an order placed and filled while the Reconciler is between two of
    its reads, and booked by the Executor at any later point, is booked once, as the bot's
    order; no position is adopted for it, and the next reconciliation succeeds."""
    with system(tmp_path) as (h, checkpoint):
        start, ticker = mark(h), pinned(h)
        order = HeldBooking(h)
        checkpoint.arm(placed, lambda: order.place(ticker))
        if booked != END:
            checkpoint.arm(booked, order.book)
        reconcile(h)
        if booked == END:
            order.book()
        reconcile(h)  # not bricked: this is what a restart would run
        assert order.message is not None
        db = read(h)
        [execution] = db.executions
        assert execution.client_order_id == client_order_id(order.message)
        assert execution.status is ExecutionStatus.FILLED
        [position] = db.positions
        assert (position.status, position.client_order_id) == (
            PositionStatus.OPEN,
            execution.client_order_id,
        )
        assert position.cost == execution.fill_cost + execution.fees
        assert not [e for e in db.entries if e.reason is LedgerReason.RECOVERED]
        fills, _ = venue_rows(h)
        assert [f["client_order_id"] for f in fills] == [execution.client_order_id]
        assert_follows_the_venue(h, start)


# Problem 9: an order released as "never reached the venue" that shows up later --------------


def test_an_order_released_as_never_sent_that_fills_later_is_booked_from_its_fills(
    tmp_path: Path,
) -> None:
    """Issue 9, problem 9: the create request is lost (the venue answers 500 and the lookups
    find nothing), so after the grace the order is released; then the delayed request lands
    and fills. Its fill is booked with its fee, never adopted at cost without it."""
    with system(tmp_path) as (h, checkpoint):
        start, ticker = mark(h), pinned(h)
        client = h.venue.client
        client.retry = RetryPolicy(attempts=1)
        client.lookup = LookupPolicy(attempts=1)
        h.sim.faults.update(error_rate=1.0, path_prefixes=("/portfolio/events/orders",))
        message = buy(h, ticker)
        h.sim.faults.reset()
        [lost] = read(h).executions
        assert lost.status is ExecutionStatus.AMBIGUOUS
        h.sim.advance(60)  # past the not-found grace

        def delayed_request_lands() -> None:
            client.create_order(ticker, Side.YES, ASK, Decimal(10), client_order_id(message))

        checkpoint.arm("resolved", delayed_request_lands)
        reconcile(h)
        db = read(h)
        [released] = db.executions
        assert (released.status, released.error_code) == (ExecutionStatus.REJECTED, "not_found")
        [position] = db.positions
        fee = taker_fee(Decimal(10), ASK)
        assert fee > 0
        assert position.cost == ASK * 10 + fee
        assert_follows_the_venue(h, start)


# The cursor: each stream is read from where the book stopped; nothing is booked twice ------


def test_the_fill_cursor_is_durable_and_rereading_books_nothing(tmp_path: Path) -> None:
    with system(tmp_path) as (h, _):
        start, ticker = mark(h), pinned(h)
        buy(h, ticker)
        web_trade(h, ticker, Side.NO, 1 - (ASK - Decimal("0.02")), 3, "sell-three")
        reconcile(h)
        fills, _ = venue_rows(h)
        rows = read(h).ledger.rows
        with Database.open(h.path) as db, db.read() as repo:
            cursor = repo.sync_state("fills")
        assert cursor is not None
        assert cursor["high_water"] == max(f["created_time"] for f in fills)
        reconcile(h)
        assert venue_rows(h)[0] == fills
        assert read(h).ledger.rows == rows
        assert_follows_the_venue(h, start)
