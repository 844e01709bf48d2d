"""A bot killed with maker orders resting at the venue (issue 23): a real bot process, killed
with SIGKILL after a cycle that left post-only orders resting on a standalone simulator, then
started again. Every resting order was recorded before it was sent, so the restart finds each by
its client order id, cancels it and books it: none is left untracked, none is sent twice."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.in_process import run_main_in_process
from tests.process_helpers import audit, bot, read_book, standalone_sim
from tests.test_process import assert_no_order_created_twice, bot_args, status_of

# Every entry rests: no taker fallback (the edge would have to be 99 cents).
MAKER = {"PMT_EXECUTION__MODE": "maker", "PMT_EXECUTION__TAKER_EDGE": "0.99"}


@pytest.mark.slow
def test_sigkill_with_resting_orders_then_restart_leaves_none_untracked_none_twice(
    tmp_path: Path,
) -> None:
    db = tmp_path / "book.db"
    with standalone_sim(tmp_path) as sim:
        with bot(*bot_args(db, sim), env=sim.bot_env(**MAKER)) as running:
            running.wait_stderr("resting post-only as")
            running.wait_stderr(r"cycle 1: ")  # every order of the cycle is placed
            running.proc.kill()
            assert running.wait(10) == -signal.SIGKILL
        killed = read_book(db)
        assert audit(killed) == []
        left = {c for c, e in killed.executions.items() if e["status"] == "resting"}
        assert left, "the kill left orders resting"
        assert all(killed.executions[c]["post_only"] for c in left)
        client = sim.client()
        try:
            at_venue = {o.client_order_id for o in client.get_orders(status="resting")}
        finally:
            client.close()
        assert at_venue == left  # every order resting at the venue is in the book

        again = run_main_in_process(*bot_args(db, sim, "--cycles", "0"), env=sim.bot_env(**MAKER))
        assert again.returncode == 0, again.stderr
        assert "was left resting by the last run: cancelled" in again.stderr

        book = read_book(db)
        assert audit(book) == []
        assert book.in_flight == []
        assert {book.executions[c]["status"] for c in left} == {"canceled"}
        client = sim.client()
        try:
            assert client.get_orders(status="resting") == ()
        finally:
            client.close()
        created = assert_no_order_created_twice(sim)
        assert left <= set(created)
        status_of(db)
