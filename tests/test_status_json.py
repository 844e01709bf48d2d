"""`status --json` and `ack-drift` as an operator runs them (issue 9 deliverables 4 and 9).

The entry point called in process (tests/in_process.py) on real files: the bot trades nothing
here (`--cycles 0`: start, reconcile, stop) against a simulated exchange; the venue's cash then
changes with no record the bot can read (the exchange is replaced by one whose account holds
$500 more), which `status` shows, halts new orders when seen twice, and `ack-drift` resolves
through the database.
"""

from __future__ import annotations

import getpass
import json
import socket
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.in_process import exchange_in_process, run_main_in_process


def run_args(db: Path, base_url: str) -> list[str]:
    return ["--venue", "sim", "--exchange-url", base_url, "--db", str(db), "--cycles", "0"]


def status_json(db: Path) -> dict[str, Any]:
    done = run_main_in_process("status", "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_status_json_shows_cash_and_halts_and_ack_drift_resumes(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    with exchange_in_process(tmp_path) as sim:
        first = run_main_in_process(*run_args(db, sim.base_url), env=sim.bot_env())
        assert first.returncode == 0, first.stderr
    status = status_json(db)
    assert status["bankroll"] == "1000.00"
    assert status["api_cost_total"] == "0.00"
    assert status["venue_cash"] == "1000.00"
    assert status["cash_drift"] == "0.00"
    assert status["cash_checked_at"].endswith("Z")
    assert (status["trading"], status["halt_reason"]) == ("active", None)
    assert status["ledger_ok"] is True
    assert status["positions"] == []

    with exchange_in_process(tmp_path, balance=Decimal(1500)) as sim:
        for _ in range(2):  # seen once: recorded and logged; seen twice: halted
            again = run_main_in_process(*run_args(db, sim.base_url), env=sim.bot_env())
            assert again.returncode == 0, again.stderr
            assert "cash drift unexplained by the venue's records" in again.stderr
        status = status_json(db)
        assert status["venue_cash"] == "1500.00"
        assert status["cash_drift"] == "500.00"
        assert status["trading"] == "halted"
        assert status["halt_reason"].startswith("CASH_DRIFT: venue 1500.00, book expects 1000.00")
        text = run_main_in_process("status", "--db", str(db))
        assert "HALTED" in text.stdout
        assert "venue 1500.00, book expects 1000.00, drift 500.00" in text.stdout

        ack = run_main_in_process("ack-drift", "500.00", "--db", str(db))
        assert ack.returncode == 0, ack.stderr
        assert "request 1 recorded" in ack.stdout
        resumed = run_main_in_process(*run_args(db, sim.base_url), env=sim.bot_env())
        assert resumed.returncode == 0, resumed.stderr
        assert "CASH_DRIFT lifted" in resumed.stderr
        assert f"(request #1 by {getpass.getuser()}@{socket.gethostname()} pid" in resumed.stderr
    status = status_json(db)
    assert (status["trading"], status["halt_reason"]) == ("active", None)
    assert (status["venue_cash"], status["cash_drift"]) == ("1500.00", "0.00")
    assert status["bankroll"] == "1000.00"  # the book's money did not change


@pytest.mark.parametrize("command", [["ack-drift", "1.00"], ["status", "--json"]])
def test_without_a_book_it_says_so_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nowhere.db"
    done = run_main_in_process(*command, "--db", str(missing))
    assert done.returncode == 1
    assert f"no pm-trader book at {missing}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not missing.exists()
