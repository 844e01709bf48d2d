"""Maker orders over real HTTP against the simulator: post-only, resting, booked fill by fill.

Execution mode `maker` (without the taker fallback) rests every entry post-only below the ask.
The simulator re-quotes every 20 minutes, when its taker flow reaches resting orders.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from domain.halts import HaltCode, OperatorAction
from domain.models import Execution, ExecutionStatus, PositionStatus, reserved_left
from domain.money import ZERO
from infra.operator import request
from tests.actors.system_harness import Harness, running_system

MAKER = {"mode": "maker", "taker_edge": None, "order_ttl": 3600}
REQUOTE = 1300.0  # seconds: past the simulator's next re-quote (every 1200 s)


def resting_at_venue(h: Harness) -> set[str]:
    return {o.client_order_id for o in h.venue.client.get_orders(status="resting")}


def in_flight(executions: list[Execution]) -> list[Execution]:
    return [e for e in executions if e.status.in_flight]


def assert_book_agrees(h: Harness, venue_start: Decimal, book_start: Decimal) -> None:
    """The book's cash is the venue's less what the orders in flight still hold reserved:
    every fill booked took exactly its own cost from its order's reservation."""
    ledger, _, executions = h.read()
    assert ledger.ok, ledger.problem
    held = sum((reserved_left(e) for e in in_flight(executions)), ZERO)
    assert h.system.balance() - book_start == h.venue_balance() - venue_start - held


def test_maker_orders_rest_fill_as_they_arrive_and_go_on_pause(tmp_path: Path) -> None:
    with running_system(tmp_path, execution=MAKER) as h:
        venue_start, book_start = h.venue_balance(), h.system.balance()
        first = h.cycle(1)
        assert first.orders_placed > 0
        _, _, executions = h.read()
        resting = [e for e in executions if e.status is ExecutionStatus.RESTING]
        assert resting
        assert all(e.post_only and e.venue_order_id for e in resting)
        assert all(e.expires_at is not None for e in resting)
        # Recorded before sent, resting at the venue as recorded: none untracked.
        assert resting_at_venue(h) == {e.client_order_id for e in resting}
        assert first.orders_filled == first.orders_partial == 0  # post-only: nothing taken
        assert_book_agrees(h, venue_start, book_start)

        filled: list[Execution] = []
        for cycle in range(2, 8):  # until a re-quote's flow reaches an order and part fills it
            h.sim.advance(REQUOTE)
            h.cycle(cycle)
            _, positions, executions = h.read()
            filled = [e for e in in_flight(executions) if e.filled_count > 0]
            # A resting order holds back no other fill: the cash is judged, exactly.
            assert_book_agrees(h, venue_start, book_start)
            if filled:
                break
        assert filled, "the simulator's flow part-fills a resting order at a re-quote"
        held = {p.ticker: p for p in positions if p.status is PositionStatus.OPEN}
        for order in filled:  # booked while still resting, as the order's own fills
            assert held[order.ticker].count == order.filled_count
            assert held[order.ticker].client_order_id == order.client_order_id

        request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)
        h.cycle(cycle + 1)
        _, positions, executions = h.read()
        assert not in_flight(executions)
        assert not resting_at_venue(h)
        assert_book_agrees(h, venue_start, book_start)
        remote = {(r.ticker, r.side, r.count) for r in h.venue.client.get_positions() if r.position}
        local = {(p.ticker, p.side, p.count) for p in positions if p.status is PositionStatus.OPEN}
        assert local == remote


def test_flatten_cancels_every_resting_order_even_with_nothing_held(tmp_path: Path) -> None:
    with running_system(tmp_path, execution=MAKER) as h:
        venue_start, book_start = h.venue_balance(), h.system.balance()
        h.cycle(1)
        assert resting_at_venue(h)
        request(h.path, OperatorAction.FLATTEN, None)
        h.cycle(2)
        _, _, executions = h.read()
        assert not resting_at_venue(h)
        assert not in_flight(executions)
        entries = [e for e in executions if e.post_only]
        assert entries
        assert {e.status for e in entries} <= {ExecutionStatus.CANCELED, ExecutionStatus.PARTIAL}
        assert_book_agrees(h, venue_start, book_start)
