"""The whole cycle over real HTTP against the simulator: scan, screen, forecast, size, trade,
reconcile, settle; the book always agrees with the venue to the micro-dollar."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from domain.models import ExecutionStatus, PositionStatus
from tests.actors.system_harness import running_system

DAY = 24 * 3600


def test_cycles_trade_settle_and_agree_with_the_venue(tmp_path: Path) -> None:
    with running_system(tmp_path) as h:
        venue_start, bankroll_start = h.venue_balance(), h.system.balance()
        first = h.cycle(1)
        assert first.markets_scanned >= 400
        assert first.candidates > 0
        assert first.forecasts > 0
        assert first.orders_placed > 0
        assert first.orders_filled + first.orders_partial > 0

        ledger, positions, executions = h.read()
        assert ledger.ok, ledger.problem
        assert all(not e.status.in_flight for e in executions)
        # The bot's cash moved exactly as the venue's did (fill costs and fees to the micro).
        assert h.system.balance() - bankroll_start == h.venue_balance() - venue_start
        remote = {(r.ticker, r.side, r.count) for r in h.venue.client.get_positions() if r.position}
        local = {(p.ticker, p.side, p.count) for p in positions if p.status is PositionStatus.OPEN}
        assert local == remote
        orders = h.sim.stats.orders_created
        assert orders
        assert set(orders.values()) == {1}

        held_before = {p.id for p in positions}
        h.sim.advance(12 * DAY)  # every market so far closes, is determined and pays out
        second = h.cycle(2)
        assert second.settled == len(local)
        ledger, positions, _ = h.read()
        assert ledger.ok
        closed = [p for p in positions if p.status is PositionStatus.CLOSED]
        assert {p.id for p in closed} == held_before
        assert h.system.balance() - bankroll_start == h.venue_balance() - venue_start
        pnl = sum((p.payout - p.cost for p in closed if p.payout is not None), Decimal(0))
        still_open = sum((p.cost for p in positions if p.status is PositionStatus.OPEN), Decimal(0))
        assert h.system.balance() == bankroll_start + pnl - still_open


def test_a_market_is_never_traded_twice(tmp_path: Path) -> None:
    with running_system(tmp_path) as h:
        h.cycle(1)
        _, positions, executions = h.read()
        h.cycle(2)
        _, after, later = h.read()
        tickers = [e.ticker for e in later if e.status is not ExecutionStatus.REJECTED]
        assert len(tickers) == len(set(tickers))
        assert {p.ticker for p in positions} <= {p.ticker for p in after}
        assert len(executions) <= len(later)
