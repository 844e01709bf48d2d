"""Issue 9 problems 8 and 10: failing closed after the start, and never dying holding money.

On the real system and simulator: reconciliations that keep failing halt new orders with a
reason code (durable, refused at the reservation) until one succeeds; an unexpected error after
an order is sent keeps it in flight with its reservation, and the Executor stays alive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import pytest

from actors.base import ping
from actors.executor import client_order_id
from domain.halts import HaltCode
from domain.models import ExecutionStatus, LedgerReason, OrderReport
from domain.money import MoneyFormatError
from infra.kalshi.backoff import RetryPolicy
from tests.actors.test_guards import ASK, execute, ledger_for, pinned, signal
from tests.actors.test_supervision import (
    GUARD,
    ObservedPlan,
    assert_consistent,
    book,
    mark,
    read,
    supervised,
)

POSITIONS = "/portfolio/positions"


def halt_rows(path: Path) -> list[tuple[str, str | None, str | None]]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT code, lifted_at, lifted_by FROM trading_halts ORDER BY id")
        return [tuple(row) for row in rows]


def test_failing_reconciliations_halt_new_orders_until_one_succeeds(tmp_path: Path) -> None:
    with supervised(tmp_path, ObservedPlan(), reconciler={"max_failures": 3}) as h:
        start = mark(h)
        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        h.venue.client.retry = RetryPolicy(attempts=1)  # fail fast; nothing is retried blindly
        h.sim.faults.update(error_rate=1.0, path_prefixes=(POSITIONS,))

        first = h.system.reconcile(enable_trading=False)
        assert not first.ok
        # Two failures are not yet a halt: an order still goes through (and the end of its
        # cycle is the second failed reconciliation).
        traded = execute(h, 1, signal(h, one, 1))
        assert traded.orders_filled == 1
        assert traded.errors
        assert h.system.bankroll().halts == ()

        assert not h.system.reconcile(enable_trading=False).ok  # the third in a row
        [halt] = h.system.bankroll().halts
        assert halt.code is HaltCode.RECONCILE_FAILING
        assert "3 consecutive reconciliations failed" in halt.detail
        assert halt_rows(h.path) == [("RECONCILE_FAILING", None, None)]  # durable

        refused_signal = signal(h, two, 2)
        refused = execute(h, 2, refused_signal)
        assert dict(refused.refused) == {"STATE_HALTED": 1}
        assert client_order_id(refused_signal) not in h.sim.stats.order_attempts
        assert ledger_for(h, client_order_id(refused_signal)) == []
        assert two not in book(h).claimed  # the claim went back

        h.sim.faults.reset()
        assert h.system.reconcile(enable_trading=False).ok
        assert h.system.bankroll().halts == ()
        [(code, lifted_at, lifted_by)] = halt_rows(h.path)
        assert (code, lifted_by) == ("RECONCILE_FAILING", "reconciler")
        assert lifted_at is not None
        again = execute(h, 3, signal(h, two, 3))
        assert again.orders_filled == 1
        assert_consistent(h, start)


def test_a_halt_survives_a_bankroll_restart(tmp_path: Path) -> None:
    with supervised(tmp_path, ObservedPlan(), reconciler={"max_failures": 1}) as h:
        h.venue.client.retry = RetryPolicy(attempts=1)
        h.sim.faults.update(error_rate=1.0, path_prefixes=(POSITIONS,))
        assert not h.system.reconcile(enable_trading=False).ok
        bankroll = h.system.directory.get("bankroll")
        bankroll.stop(timeout=GUARD)  # the supervisor does not restart a clean stop: do it here
        spec = h.system.supervisor.specs["bankroll"]
        restarted = spec.factory(lambda _crash: None)
        ping(restarted, GUARD)
        h.system.directory.register("bankroll", restarted)
        [halt] = h.system.bankroll().halts
        assert halt.code is HaltCode.RECONCILE_FAILING


def _mismatched(real: Callable[[str], OrderReport]) -> Callable[[str], OrderReport]:
    def get_order(order_id: str) -> OrderReport:
        return real(order_id).replace(client_order_id="someone-else")  # resolve_order: ValueError

    return get_order


def _odd_price(_real: Callable[[str], OrderReport]) -> Callable[[str], OrderReport]:
    def get_order(_order_id: str) -> OrderReport:
        raise MoneyFormatError("yes_price_dollars: '0.40000001' has more decimals than expected")

    return get_order


@pytest.mark.parametrize("fault", [_mismatched, _odd_price], ids=["ValueError", "MoneyFormat"])
def test_an_unexpected_error_after_sending_keeps_the_order_in_flight(
    tmp_path: Path, fault: Callable[[Callable[[str], OrderReport]], Any]
) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        start, ticker = mark(h), pinned(h)
        client = h.venue.client
        real_get_order = client.get_order
        client.get_order = fault(real_get_order)  # type: ignore[method-assign]
        sent = signal(h, ticker, 1, limit=ASK + Decimal("0.05"))
        coid, reserved = client_order_id(sent), sent.signal.cost
        executor = h.system.directory.get("executor")
        executor.tell(sent)
        try:
            ping(executor, GUARD)  # it handled the signal, and lives
        except pykka.ActorDeadError:
            pytest.fail("the Executor died holding a reservation")
        assert h.system.supervisor.events.restarted.empty()
        [execution] = read(h).executions
        assert execution.status is ExecutionStatus.AMBIGUOUS
        assert "unexpected" in (execution.error_message or "")
        assert ledger_for(h, coid) == [(LedgerReason.RESERVE, -reserved)]  # kept
        assert book(h).claimed == (ticker,)  # kept: the market stays blocked

        client.get_order = real_get_order  # type: ignore[method-assign]
        report = h.system.reconcile(enable_trading=False)
        assert report.ok
        assert report.resolved_in_flight == 1
        [execution] = read(h).executions
        assert execution.status is ExecutionStatus.FILLED
        assert_consistent(h, start)
