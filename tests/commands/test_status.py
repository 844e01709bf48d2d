"""`status` on a book a bot traded: it says whether a bot is running on it (the lock), never
"active" for a stopped one, and `--json` carries every figure the text screen shows (issue 24).

The book is the one traded once per test run (tests/shared_book.py: one cycle of the real bot,
positions bought), read in process with the bot stopped, and again (a copy) with the book's lock
held as a running bot holds it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.money import usd
from infra.db.history import History
from infra.db.repository import Database
from infra.lockfile import DatabaseLock
from tests.in_process import run_main_in_process
from tests.shared_book import TradedBook


def status(path: Path, *flags: str) -> str:
    shown = run_main_in_process("status", "--db", str(path), *flags)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_a_stopped_bot_is_said_stopped_and_a_running_one_active(
    traded_book_copy: TradedBook,
) -> None:
    traded = traded_book_copy.path  # a copy: the lock taken below is for this test alone
    stopped = status(traded)
    assert "no bot is running on this book (last heartbeat 20" in stopped
    assert "active" not in stopped
    assert json.loads(status(traded, "--json"))["running"] is False
    with DatabaseLock(traded):  # held as a running bot holds it
        running = status(traded)
        as_json = json.loads(status(traded, "--json"))
    assert "Trading  active" in running
    assert "no bot is running" not in running
    assert as_json["running"] is True


def test_json_has_the_marks_values_equity_and_exposure_the_table_shows(
    traded_book: TradedBook,
) -> None:
    traded = traded_book.path
    text = status(traded)
    data: dict[str, Any] = json.loads(status(traded, "--json"))
    with Database.open(traded) as db, db.read(History) as history:
        held = [t for t in history.trades() if t.position.payout is None]
    assert held
    assert len(data["positions"]) == len(held)
    by_ticker = {p["ticker"]: p for p in data["positions"]}
    for trade in held:  # each figure, read independently from the book's own history
        shown = by_ticker[trade.position.ticker]
        assert trade.mark is not None
        assert Decimal(shown["mark"]) == trade.mark
        assert Decimal(shown["value"]) == trade.position.count * trade.mark
        assert Decimal(shown["unrealized_pnl"]) == trade.pnl
        assert Decimal(shown["entry_price"]) == trade.entry_price.quantize(Decimal("0.000001"))
        assert usd(Decimal(shown["value"])) in text
    value = sum(Decimal(p["value"]) for p in data["positions"])
    assert Decimal(data["market_value"]) == value
    assert Decimal(data["unrealized_pnl"]) == sum(
        Decimal(p["unrealized_pnl"]) for p in data["positions"]
    )
    assert Decimal(data["equity"]) == Decimal(data["bankroll"]) + value
    assert f"equity {usd(Decimal(data['equity']))}" in text
    exposure = data["event_exposure"]
    assert exposure
    assert all(e["event"] in text for e in exposure)
    assert sum(Decimal(e["cost"]) for e in exposure) == Decimal(data["open_exposure"])
    assert Decimal(data["open_exposure"]) == sum(Decimal(p["cost"]) for p in data["positions"])
    assert data["heartbeat_cycle"] == 1
    assert data["health"]["ok"] is True
    parts = [p["part"] for p in data["health"]["parts"]]
    assert parts == ["scanner", "linking", "llm", "cycle"]  # each checked, each healthy
    assert "Health   ok (scanner, linking, llm, cycle at their last check)" in text
