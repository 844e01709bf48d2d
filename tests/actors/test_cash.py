"""Issue 9 problem 7: the bankroll is compared with the exchange's balance, every cycle.

On the real system and simulator. Money that moves at the venue without any record the bot
can read (here: taken straight out of the simulated account, as a withdrawal or a venue error
would) is recorded with both figures and logged; beyond `risk.max_cash_drift` it halts new
orders until the operator acknowledges it through the database (`pm-trader ack-drift AMOUNT`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from actors.executor import client_order_id
from domain.cash import CashVerdict
from domain.halts import HaltCode, OperatorAction
from infra.operator import request
from tests.actors.system_harness import Harness
from tests.actors.test_guards import execute, ledger_for, pinned, signal
from tests.actors.test_supervision import ObservedPlan, assert_consistent, mark, supervised


def move_venue_cash(h: Harness, amount: Decimal) -> None:
    """Money in or out of the account by no record the API shows (a transfer, a venue error)."""
    with h.sim.exchange.synced() as ex:
        ex.account(h.key_id).balance += amount


def cash_rows(path: Path) -> list[tuple[str, int, int, int]]:
    """(verdict, venue cash, expected cash, drift), micro-dollars, oldest first."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT verdict, venue_cash, expected_cash, drift FROM cash_checks ORDER BY id"
        )
        return [tuple(row) for row in rows]


class Warnings:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, message: Any) -> None:
        if message.record["level"].name == "WARNING":
            self.lines.append(message.record["message"])


@pytest.fixture
def warnings() -> Iterator[Warnings]:
    sink = Warnings()
    handle = logger.add(sink, level="WARNING")
    yield sink
    logger.remove(handle)


M = 1_000_000  # micro-dollars per dollar


def test_cash_is_compared_with_the_venue_and_drift_halts_until_acknowledged(
    tmp_path: Path, warnings: Warnings
) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        start = mark(h)
        # The start-up reconciliation recorded the baseline: the book is an allotment within
        # the venue's cash.
        [(verdict, venue, expected, drift)] = cash_rows(h.path)
        assert (verdict, venue, expected, drift) == ("baseline", venue, venue, 0)
        assert Decimal(venue) / M == start.venue

        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        traded = execute(h, 1, signal(h, one, 1))
        assert traded.orders_filled == 1
        assert cash_rows(h.path)[-1][0] == "ok"  # a fill and its fee, to the cent
        assert not any("cash drift" in line for line in warnings.lines)

        # A small unexplained difference is recorded and logged, and trading goes on.
        move_venue_cash(h, Decimal("-0.50"))
        report = h.system.reconcile(enable_trading=False)
        assert report.ok
        assert report.cash is not None
        assert report.cash.verdict is CashVerdict.DRIFT
        assert report.cash.drift == Decimal("-0.50")
        assert report.cash.venue_cash == h.venue_balance()
        assert any("cash drift" in line and "-0.50" in line for line in warnings.lines)
        assert h.system.reconcile(enable_trading=False).cash.verdict is CashVerdict.DRIFT
        assert h.system.bankroll().halts == ()

        # Beyond the limit ($1.00): recorded at once, halted when seen again.
        move_venue_cash(h, Decimal("-4.50"))
        seen = h.system.reconcile(enable_trading=False)
        assert seen.cash is not None
        assert seen.cash.verdict is CashVerdict.DRIFT_OVER_LIMIT
        assert seen.cash.drift == Decimal("-5.00")
        assert h.system.bankroll().halts == ()
        h.system.reconcile(enable_trading=False)
        [halt] = h.system.bankroll().halts
        assert halt.code is HaltCode.CASH_DRIFT
        assert "drift -5.00" in halt.detail
        blocked_signal = signal(h, two, 2)
        blocked = execute(h, 2, blocked_signal)
        assert dict(blocked.refused) == {"STATE_HALTED": 1}
        assert ledger_for(h, client_order_id(blocked_signal)) == []
        # The book was never changed to match: the difference is the operator's to explain.
        assert h.system.balance() - start.bankroll != h.venue_balance() - start.venue

        # The operator acknowledges through the database; the bot applies it next time.
        request(h.path, OperatorAction.RESUME, HaltCode.CASH_DRIFT, accepted=Decimal("-5.00"))
        resumed = h.system.reconcile(enable_trading=False)
        assert h.system.bankroll().halts == ()
        assert resumed.cash is not None
        assert resumed.cash.verdict is CashVerdict.OK
        verdicts = [row[0] for row in cash_rows(h.path)]
        assert verdicts[-2:] == ["acknowledged", "ok"]
        assert any("CASH_DRIFT lifted" in line for line in warnings.lines)
        again = execute(h, 3, signal(h, two, 3))
        assert again.orders_filled == 1
        assert cash_rows(h.path)[-1][0] == "ok"
        start.venue -= Decimal(5)  # the acknowledged withdrawal, for the consistency check
        assert_consistent(h, start)


def test_a_book_larger_than_the_venue_account_does_not_start(tmp_path: Path) -> None:
    with supervised(tmp_path, ObservedPlan(), reconcile=False) as h:
        move_venue_cash(h, -(h.venue_balance() - Decimal(400)))  # less than the $1000 allotment
        report = h.system.reconcile(enable_trading=True)
        assert not report.ok
        assert "the venue holds 400.00, less than the book's 1000.00" in report.error
        assert cash_rows(h.path) == []


def test_fees_reported_without_their_rounding_leave_no_drift(tmp_path: Path) -> None:
    """A7: the venue floors each fill's balance change to the cent. Where `fee_cost` leaves
    that rounding out, the bot books it all the same (domain.fees.net_fees): the check is
    exact, and the bankroll is never above the venue's cash."""
    with supervised(tmp_path, ObservedPlan()) as h:
        h.sim.faults.update(fee_cost_without_rounding=True)
        start = mark(h)
        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        for cycle, ticker in enumerate((one, two), start=1):
            traded = execute(h, cycle, signal(h, ticker, cycle, count=7))
            assert traded.orders_filled == 1
            [verdict, _venue, _expected, drift] = cash_rows(h.path)[-1]
            assert (verdict, drift) == ("ok", 0)
        assert h.system.balance() - start.bankroll == h.venue_balance() - start.venue
        assert_consistent(h, start)
