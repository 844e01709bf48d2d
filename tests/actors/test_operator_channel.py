"""Issue 19 deliverable 6 and issue 20 deliverable 4: authentication failure is a durable halt,
and the operator channel is attributed, acknowledged by name and never blocked by a bad row.

On the real system and simulator: the venue refuses the bot's credentials (a key it does not
know), requests are written as `pm-trader` writes them, or by hand into the book.
"""

from __future__ import annotations

import getpass
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from loguru import logger

from actors.base import ping
from actors.executor import client_order_id
from domain.halts import HaltCode, MalformedRequest, OperatorAction
from infra.db.repository import Database
from infra.kalshi.signing import RequestSigner
from infra.operator import request
from services.status_data import read_status, status_object
from tests.actors.system_harness import Harness
from tests.actors.test_guards import execute, pinned, signal
from tests.actors.test_supervision import GUARD, ObservedPlan, book, supervised


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, message: Any) -> None:
        self.lines.append(message.record["message"])

    def having(self, text: str) -> list[str]:
        return [line for line in self.lines if text in line]


@pytest.fixture
def log() -> Iterator[Lines]:
    sink = Lines()
    handle = logger.add(sink, level="INFO")
    yield sink
    logger.remove(handle)


def halts(h: Harness) -> list[HaltCode]:
    return [halt.code for halt in h.system.bankroll().halts]


def restart_bankroll(h: Harness) -> None:
    """A cold start of the owner of the halts: it knows only what the book says."""
    h.system.directory.get("bankroll").stop(timeout=GUARD)
    restarted = h.system.supervisor.specs["bankroll"].factory(lambda _crash: None)
    ping(restarted, GUARD)
    h.system.directory.register("bankroll", restarted)


def test_an_authentication_failure_halts_until_resumed_by_name_after_a_good_read(
    tmp_path: Path, log: Lines
) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        one = pinned(h)
        two = pinned(h, skip=frozenset({one}))
        client = h.venue.client
        good = client.signer
        assert good is not None
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        client.signer = RequestSigner(good.key_id, other_key)  # the venue answers 401

        refused = execute(h, 1, signal(h, one, 1))
        assert dict(refused.refused) == {"VENUE_AUTHENTICATION": 1}
        assert halts(h) == [HaltCode.AUTH_FAILED]
        shown = status_object(read_status(h.path))
        assert shown["trading"] == "halted"
        assert [halt["code"] for halt in shown["halts"]] == ["AUTH_FAILED"]
        # The hint names the bot's own book: typed as shown, it reaches this bot.
        assert f"resume AUTH_FAILED --db {h.path}" in shown["halts"][0]["detail"]

        restart_bankroll(h)  # kept across a restart
        assert halts(h) == [HaltCode.AUTH_FAILED]

        # A bare resume leaves it; a named one is refused while reads still fail.
        request(h.path, OperatorAction.RESUME, None)
        request(h.path, OperatorAction.RESUME, HaltCode.AUTH_FAILED)
        assert not h.system.reconcile(enable_trading=False).ok
        assert halts(h) == [HaltCode.AUTH_FAILED]
        assert log.having("AUTH_FAILED kept (lift it with: pm-trader resume AUTH_FAILED")
        assert log.having("AUTH_FAILED not lifted: an authenticated read still fails")

        client.signer = good  # the operator fixed the key: reads work, the halt stays
        assert h.system.reconcile(enable_trading=False).ok
        assert halts(h) == [HaltCode.AUTH_FAILED]
        blocked = signal(h, two, 2)
        assert dict(execute(h, 2, blocked).refused) == {"STATE_HALTED": 1}
        assert client_order_id(blocked) not in h.sim.stats.order_attempts

        request(h.path, OperatorAction.RESUME, HaltCode.AUTH_FAILED)
        assert h.system.reconcile(enable_trading=False).ok
        assert halts(h) == []
        assert log.having("AUTH_FAILED lifted (an authenticated read of the venue succeeded)")
        assert execute(h, 3, signal(h, two, 3)).orders_filled == 1


def raw_request(path: Path, **values: Any) -> None:
    """A row written by hand (or by another program) into the book."""
    row = {"requested_at": "2026-01-05T12:00:00.000Z", **values}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"INSERT INTO operator_commands ({names}) VALUES ({marks})", tuple(row.values()))


WHO = {"requested_by": "someone", "requested_pid": 4242, "requested_host": "box"}


def test_malformed_requests_are_refused_and_never_block_the_ones_after_them(
    tmp_path: Path, log: Lines
) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        one = pinned(h)
        assert execute(h, 1, signal(h, one, 1)).orders_filled == 1
        raw_request(h.path, action="explode", **WHO)
        raw_request(h.path, action="pause", code="PAUSED", requested_at="yesterday", **WHO)
        raw_request(h.path, action="flatten")  # says nobody: not applied, nothing sold
        raw_request(h.path, action="resume", code="NO_SUCH_HALT", **WHO)
        paused = request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)

        # `status` reads every row, the malformed ones included, while they wait.
        waiting = status_object(read_status(h.path))["operator_requests"]
        assert [("malformed" in r, r["handled_at"]) for r in waiting] == [
            (False, None),
            *[(True, None)] * 4,
        ]

        assert h.system.reconcile(enable_trading=False).ok
        assert halts(h) == [HaltCode.PAUSED]
        assert [p.ticker for p in book(h).positions] == [one]  # the raw flatten sold nothing
        assert len(log.having("refused, not applied")) == 4
        [applied] = log.having("operator command pause PAUSED")
        assert f"(request #{paused} by {getpass.getuser()}@" in applied
        assert "PAUSED: new entries stopped" in applied

        shown = status_object(read_status(h.path))["operator_requests"]
        assert shown[0]["requested_by"]["user"] == getpass.getuser()
        assert all(r["handled_at"] is not None for r in shown)
        refused = {r["id"]: r for r in shown if "malformed" in r}
        assert len(refused) == 4
        assert all(r["outcome"].startswith("refused, not applied") for r in refused.values())
        with Database.open(h.path) as db, db.read() as repo:
            assert repo.pending_operator_commands() == []
            kinds = [type(r) for r in repo.recent_operator_commands(10)]
        assert kinds.count(MalformedRequest) == 4


def test_a_bare_resume_never_lifts_a_cash_drift(tmp_path: Path, log: Lines) -> None:
    with supervised(tmp_path, ObservedPlan()) as h:
        with h.sim.exchange.synced() as ex:
            ex.account(h.key_id).balance -= Decimal(5)
        for _ in range(2):
            h.system.reconcile(enable_trading=False)
        assert halts(h) == [HaltCode.CASH_DRIFT]
        raw_request(h.path, action="resume", **WHO)
        raw_request(h.path, action="resume", code="CASH_DRIFT", **WHO)  # names no figure
        h.system.reconcile(enable_trading=False)
        assert halts(h) == [HaltCode.CASH_DRIFT]
        assert log.having("CASH_DRIFT kept (lift it with: pm-trader ack-drift AMOUNT")
        assert log.having("CASH_DRIFT not lifted: a request must name the drift it accepts")
        request(h.path, OperatorAction.RESUME, HaltCode.CASH_DRIFT, accepted=Decimal("-4.99"))
        h.system.reconcile(enable_trading=False)
        assert halts(h) == [HaltCode.CASH_DRIFT]
        assert log.having("the drift is -5.00, not the -4.99 named")
        request(h.path, OperatorAction.RESUME, HaltCode.CASH_DRIFT, accepted=Decimal("-5.00"))
        h.system.reconcile(enable_trading=False)
        assert halts(h) == []
