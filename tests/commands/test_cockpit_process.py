"""The cockpit against a running bot: `status`, `trades` and `why` read the book the bot is
writing, on a standalone simulator, while it trades (issue 12, points 2-4).

Synchronisation is on the bot's own log lines (a filled buy) with bounded waits.
"""

from __future__ import annotations

import csv
import io
import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.process_helpers import Child, SimProcess, bot, run_main, standalone_sim

FILLED = r"(\S+) buy \S+ (yes|no) @ \S+: ([1-9]\S*) filled"


def bot_args(db: Path, sim: SimProcess, *more: str) -> list[str]:
    return ["--exchange-url", sim.base_url, "--db", str(db), "--log-level", "INFO", *more]


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Child, Path, str]]:
    """A bot that has bought something and keeps running: (the bot, its book, a ticker held)."""
    tmp_path = tmp_path_factory.mktemp("cockpit")
    db = tmp_path / "book.db"
    with standalone_sim(tmp_path) as sim:
        env = sim.bot_env(PMT_CYCLE_INTERVAL="1")
        with bot(*bot_args(db, sim), env=env) as running:
            line = running.wait_stderr(FILLED + r", spent", timeout=60)
            match = re.search(FILLED, line)
            assert match is not None
            yield running, db, match.group(1)
            running.send(signal.SIGTERM)
            assert running.wait(60) == 0, running.stderr


def test_status_shows_the_held_position_whole(trading: tuple[Child, Path, str]) -> None:
    _, db, ticker = trading
    result = run_main("status", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert ticker in result.stdout  # whole, although the output is a pipe
    text = result.stdout
    assert re.search(r"Open positions \(\d+\): worth \$[\d,.]+ at the best bid", text)
    assert "unrealized P&L" in text
    row = next(line for line in text.splitlines() if ticker in line and "│ yes" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0] == ticker
    assert re.fullmatch(r"0\.\d{4}", cells[5]), "the mark: the best bid of the side held"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", cells[8]), "the close time"
    assert "Exposure per event" in text


def test_trades_as_json_and_csv_agree(trading: tuple[Child, Path, str]) -> None:
    _, db, ticker = trading
    as_json = run_main("trades", "--json", "--db", str(db))
    assert as_json.returncode == 0, as_json.stderr
    trades = json.loads(as_json.stdout)
    [held] = [t for t in trades if t["ticker"] == ticker]
    assert held["status"] == "open"
    assert held["closed_at"] is None
    assert held["forecast"] == "0.97"  # the fake LLM's answer, for a YES buy
    assert held["market_price"] is not None
    assert held["entry_price"] is not None
    assert held["mark"] is not None, "an open position is marked at the best bid of its side"
    assert held["net"] is not None
    as_csv = run_main("trades", "--csv", "--db", str(db))
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["ticker"] for row in rows][: len(trades)] == [t["ticker"] for t in trades][
        : len(rows)
    ]
    table = run_main("trades", "--db", str(db))
    assert table.returncode == 0, table.stderr
    assert ticker in table.stdout


def test_why_explains_a_market_and_a_ledger_row(trading: tuple[Child, Path, str]) -> None:
    _, db, ticker = trading
    result = run_main("why", ticker, "--db", str(db))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"Why {ticker}" in text
    assert "Forecast" in text
    assert "P(yes) 0.9700" in text
    assert "rationale: test" in text
    assert re.search(r"Order \S+ .*: buy \S+ yes at most", text)
    assert "edge" in text
    assert "market at decision" in text
    assert "reserve" in text
    [reserve_row] = re.findall(r"│ (\d+)\s+│ \S+\s+│ reserve", text)[:1]
    row = run_main("why", "--row", reserve_row, "--db", str(db))
    assert row.returncode == 0, row.stderr
    assert f"Ledger row {reserve_row}" in row.stdout
    assert f"Why {ticker}" in row.stdout


def test_why_refuses_what_the_book_does_not_hold(trading: tuple[Child, Path, str]) -> None:
    _, db, _ = trading
    unknown = run_main("why", "NO-SUCH-MARKET", "--db", str(db))
    assert unknown.returncode == 1
    assert "holds nothing about NO-SUCH-MARKET" in unknown.stdout
    no_row = run_main("why", "--row", "999999", "--db", str(db))
    assert no_row.returncode == 1
    assert "no ledger row 999999" in no_row.stdout


# Controls: the last tests of the module, since they change what the bot may do ---------------


def test_pause_stops_new_entries_and_resume_restarts_them(
    trading: tuple[Child, Path, str],
) -> None:
    running, db, _ = trading
    start = len(running.err)
    paused = run_main("pause", "--db", str(db))
    assert paused.returncode == 0, paused.stderr
    assert "recorded in" in paused.stdout
    ack = running.wait_stderr(
        r"operator command pause PAUSED: PAUSED: new entries stopped", 60, start
    )
    assert " WARNING " in ack
    status = run_main("status", "--db", str(db))
    assert "HALTED" in status.stdout
    assert "PAUSED: paused by the operator" in status.stdout
    as_json = json.loads(run_main("status", "--json", "--db", str(db)).stdout)
    assert as_json["trading"] == "halted"
    assert "PAUSED" in as_json["halt_reason"]
    # A whole cycle after the pause buys nothing, and reconciliation goes on.
    acked = running.line_index(r"operator command pause")
    cycle = running.wait_stderr(r"main\s+cycle \d+:", 60, acked + 1)
    later = running.err[acked : running.err.index(cycle)]
    assert not [line for line in later if re.search(FILLED, line)]
    start = len(running.err)
    resumed = run_main("resume", "--db", str(db))
    assert resumed.returncode == 0, resumed.stderr
    running.wait_stderr(r"operator command resume None: PAUSED lifted", 60, start)
    after = json.loads(run_main("status", "--json", "--db", str(db)).stdout)
    assert after["trading"] == "active"


@pytest.mark.timeout(300)
def test_the_kill_switch_halts_on_a_daily_loss_until_resumed(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    with standalone_sim(tmp_path) as sim:
        # Any purchase loses the spread and the fee at once, on the mark: a cent is enough.
        env = sim.bot_env(PMT_CYCLE_INTERVAL="1", PMT_RISK__MAX_DAILY_LOSS="0.01")
        with bot(*bot_args(db, sim), env=env) as running:
            halted = running.wait_stderr(r"trading HALTED: MAX_DAILY_LOSS: equity", timeout=120)
            assert "below the day's start" in halted
            status = json.loads(run_main("status", "--json", "--db", str(db)).stdout)
            assert status["trading"] == "halted"
            assert "MAX_DAILY_LOSS" in status["halt_reason"]
            start = len(running.err)
            assert run_main("resume", "MAX_DAILY_LOSS", "--db", str(db)).returncode == 0
            running.wait_stderr(r"MAX_DAILY_LOSS lifted", 60, start)
            running.send(signal.SIGTERM)
            assert running.wait(60) == 0, running.stderr
