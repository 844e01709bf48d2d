"""Issue 19 deliverable 3: reads that must agree are bracketed, so a record that lands between
two of the Reconciler's reads is seen, and a hand trade in the window never raises a drift.

Real actors, SQLite and HTTP to the simulator; the user's trades go through the public API with
the bot's key (as the web app would), in the Reconciler's own thread at the chosen step of its
read (its checkpoints), so every interleaving is exact: no sleeps.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.cash import CashVerdict
from domain.messages import ReconciliationReport
from domain.models import LedgerReason, PositionStatus, Side
from tests.actors.test_cash import cash_rows
from tests.actors.test_guards import ASK, pinned
from tests.actors.test_supervision import mark, read
from tests.actors.test_venue_book import assert_follows_the_venue, buy, system, web_trade

BID = ASK - Decimal("0.02")  # the pinned YES bid: a hand sale of YES buys NO at 1 - BID


def reconciled(report: ReconciliationReport) -> ReconciliationReport:
    assert report.ok, report.error
    return report


@pytest.mark.parametrize("step", ["settlements", "fills", "positions", "balance"])
def test_hand_buys_between_the_reads_on_two_cycles_raise_no_drift(
    tmp_path: Path, step: str
) -> None:
    """Two hand buys land inside the bracket on two consecutive reconciliations (the review
    saw drifts of -4.38 and -6.17 and a CASH_DRIFT halt): each is read with its fill, and
    the cash check is exact."""
    with system(tmp_path) as (h, checkpoint):
        start, ticker = mark(h), pinned(h)
        for n in (1, 2):
            checkpoint.arm(step, lambda n=n: web_trade(h, ticker, Side.YES, ASK, 7 * n, f"b{n}"))
            report = reconciled(h.system.reconcile(enable_trading=True))
            assert report.cash is not None
            assert (report.cash.verdict, report.cash.drift) == (CashVerdict.OK, 0)
        assert h.system.bankroll().halts == ()
        [position] = read(h).positions
        assert position.count == 21
        assert_follows_the_venue(h, start)


@pytest.mark.parametrize("step", ["settlements", "fills", "positions", "balance"])
def test_a_hand_sale_and_an_early_settlement_between_the_reads(tmp_path: Path, step: str) -> None:
    """The review's case: the bot holds a position; between two of its reads the user sells
    part of it and the market settles. Both records are read together: the sale shrinks the
    position, the settlement pays the rest; no drift, no made-up position, P&L exact."""
    with system(tmp_path) as (h, checkpoint):
        start, ticker = mark(h), pinned(h)
        buy(h, ticker, count=50)
        reconciled(h.system.reconcile(enable_trading=True))

        def sell_then_settle() -> None:
            web_trade(h, ticker, Side.NO, 1 - BID, 20, "sell-20")
            h.sim.settle(ticker, "yes")

        checkpoint.arm(step, sell_then_settle)
        report = reconciled(h.system.reconcile(enable_trading=True))
        assert report.cash is not None
        assert (report.cash.verdict, report.cash.drift) == (CashVerdict.OK, 0)
        db = read(h)
        assert [p.status for p in db.positions] == [PositionStatus.CLOSED]
        [paid] = [e for e in db.entries if e.reason is LedgerReason.SETTLEMENT]
        assert paid.change == Decimal(30)
        assert h.system.bankroll().halts == ()
        assert_follows_the_venue(h, start)


def test_records_that_never_hold_still_are_booked_and_the_cash_is_not_judged(
    tmp_path: Path,
) -> None:
    """A hand trade on every read: after BRACKET_ATTEMPTS reads the later records are booked
    (they hold the earlier ones) and the cash is recorded unjudged, never as drift; the next
    quiet reconciliation judges it exact."""
    with system(tmp_path) as (h, checkpoint):
        start, ticker = mark(h), pinned(h)
        trades = iter(range(10))

        def busy(step: str) -> None:
            if step == "fills":
                n = next(trades)
                web_trade(h, ticker, Side.YES, ASK, 1, f"busy-{n}")

        checkpoint.every = busy
        report = reconciled(h.system.reconcile(enable_trading=True))
        checkpoint.every = None
        assert report.cash is not None
        assert report.cash.verdict is CashVerdict.IN_FLIGHT
        assert "records kept landing while read (3 reads)" in report.cash.detail
        [position] = read(h).positions
        assert position.count == 3  # all three trades read, with their fills
        assert h.system.bankroll().halts == ()
        quiet = reconciled(h.system.reconcile(enable_trading=True))
        assert quiet.cash is not None
        assert (quiet.cash.verdict, quiet.cash.drift) == (CashVerdict.OK, 0)
        assert [row[0] for row in cash_rows(h.path)][-2:] == ["in_flight", "ok"]
        assert_follows_the_venue(h, start)


def test_fill_pages_cut_short_during_a_reconciliation_leave_no_trace(tmp_path: Path) -> None:
    """The venue ends the fills listing early (half a page, an empty cursor) while the bot
    and the user trade: the positions seen before their fills are provisional; once the pages
    come whole, the book is the venue's exactly, cash to the cent, and nothing halted."""
    with system(tmp_path) as (h, _):
        start = mark(h)
        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        buy(h, one, count=10)
        for n in range(3):
            web_trade(h, two, Side.YES, ASK, 2 + n, f"hand-{n}")
        web_trade(h, one, Side.NO, 1 - BID, 4, "sell-4")
        h.sim.faults.update(truncate_pages=True, truncate_mode="early_end")
        h.sim.faults.target("/portfolio/fills")
        h.system.reconcile(enable_trading=True)
        h.sim.faults.reset()
        reconciled(h.system.reconcile(enable_trading=True))
        final = reconciled(h.system.reconcile(enable_trading=True))
        assert final.cash is not None
        assert (final.cash.verdict, final.cash.drift) == (CashVerdict.OK, 0)
        assert h.system.bankroll().halts == ()
        assert_follows_the_venue(h, start)
