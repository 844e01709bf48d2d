"""`pm-trader` with a notification channel configured: every fill the run booked reaches a
loopback webhook by the time the run ends, and the destination's secret is never printed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.fakes.receiver import receiving
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env


def test_the_fills_of_a_run_reach_the_webhook_and_its_secret_is_never_printed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "book.db"
    with receiving() as hook:
        url = f"{hook.url}/hook/s3cr3t-path"
        env = child_env(PMT_NOTIFICATIONS__WEBHOOK_URL=url, PMT_SIM__SCENARIO="polymarket-edge")
        ran = run_main_in_process("--cycles", "2", "--db", str(db), "--log-level", "debug", env=env)
        assert ran.returncode == 0, ran.stderr
        taken = list(hook.taken)  # the run has ended: every notice was sent by then
    with closing(sqlite3.connect(db)) as book:
        fills = book.execute("SELECT ticker, side FROM fills ORDER BY id").fetchall()
    assert fills, "the planted edge is traded"
    assert {path for path, _ in taken} == {"/hook/s3cr3t-path"}
    noticed = [body["title"] for _, body in taken if body["kind"] == "fill"]
    assert len(noticed) == len(fills)
    for title, (ticker, side) in zip(noticed, fills, strict=True):
        assert title.endswith(f" {side.upper()} {ticker}")
    assert "s3cr3t-path" not in ran.stdout + ran.stderr
