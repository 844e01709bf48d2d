"""The cockpit against a running bot: `status` reads the book the bot is writing while it
trades, and `pause`, `resume`, `close`, `flatten` reach the running bot, which acts on them
(issue 12, points 2-5); the kill switch remembers the day across a killed bot
(tests/commands/test_kill_switch.py shows it halting and resumed, in process).

The bot is a real process (two programs on one book, and a crash, are the point); the exchange
it trades on is served from the test's process, and the commands sent to the bot, and the bot
started again after the crash, are called in process (tests/in_process.py). The views of a
book are tested on the shared traded book in tests/commands/test_cockpit.py.

Synchronisation is on the bot's own log lines (a filled buy) with bounded waits.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
import requests

from tests.in_process import Exchange, exchange_in_process, run_main_in_process
from tests.process_helpers import (
    HUNDRED,
    Child,
    audit,
    bot,
    read_book,
)
from tests.web.dashboard_helpers import TOKEN, post, serving, settings_for

pytestmark = pytest.mark.slow  # the bot is a process of its own

FILLED = r"(\S+) buy \S+ (yes|no) @ \S+: ([1-9]\S*) filled"


def bot_args(db: Path, exchange_url: str) -> list[str]:
    return [
        "--venue",
        "sim",
        "--exchange-url",
        exchange_url,
        "--db",
        str(db),
        "--log-level",
        "INFO",
    ]


class Trading(NamedTuple):
    running: Child
    db: Path
    ticker: str  # held
    sim: Exchange
    env: dict[str, str]  # the bot's


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trading]:
    """A bot that has bought something and keeps running: the bot, its book, a ticker held.

    Its kill switch is armed but far from tripping (a 90% drawdown): the module's last test
    kills the bot to show the switch's memory outlives it; otherwise SIGTERM stops it cleanly."""
    tmp_path = tmp_path_factory.mktemp("cockpit")
    db = tmp_path / "book.db"
    with exchange_in_process(tmp_path) as sim:
        env = sim.bot_env(PMT_CYCLE_INTERVAL="1", PMT_RISK__MAX_DRAWDOWN="0.9")
        with bot(*bot_args(db, sim.base_url), env=env) as running:
            line = running.wait_stderr(FILLED + r", spent", timeout=60)
            match = re.search(FILLED, line)
            assert match is not None
            yield Trading(running, db, match.group(1), sim, env)
            if running.proc.poll() is None:
                running.send(signal.SIGTERM)
                assert running.wait(60) == 0, running.stderr
            else:
                assert running.proc.returncode == -signal.SIGKILL, running.stderr


def test_the_dashboard_beside_the_running_bot_shows_it_and_pauses_it(trading: Trading) -> None:
    """`pm-trader dashboard`'s server beside a real running bot: /healthz is 200 while it
    cycles, the page's data names the position it holds, and the dashboard's pause (with the
    token) reaches the bot, turns /healthz to 503 for the halt, and its resume lifts it."""
    running, db, ticker, *_ = trading
    running.wait_stderr(r"main\s+cycle \d+:", 60)  # a cycle has ended: a heartbeat
    with serving(settings_for(db, token=TOKEN)) as url:
        alive = requests.get(url + "/healthz", timeout=10)
        board = requests.get(url + "/api/dashboard", timeout=10).json()
        start = len(running.err)
        assert post(url + "/api/control/pause", TOKEN).status_code == 200
        running.wait_stderr(r"operator command pause PAUSED", 60, start)
        halted = requests.get(url + "/healthz", timeout=10)
        start = len(running.err)
        assert post(url + "/api/control/resume", TOKEN).status_code == 200
        running.wait_stderr(r"operator command resume: PAUSED lifted", 60, start)
        resumed = requests.get(url + "/healthz", timeout=10)
    assert alive.status_code == 200, alive.json()
    assert board["status"]["running"] is True
    assert ticker in {p["ticker"] for p in board["status"]["positions"]}
    assert board["equity_curve"]
    assert halted.status_code == 503
    assert halted.json()["problems"] == ["trading halted: PAUSED"]
    assert resumed.status_code == 200, resumed.json()


# Controls: the last tests of the module, since they change what the bot holds ----------------


def test_pause_stops_new_entries_and_resume_restarts_them(
    trading: Trading,
) -> None:
    running, db, *_ = trading
    start = len(running.err)
    paused = run_main_in_process("pause", "--db", str(db))
    assert paused.returncode == 0, paused.stderr
    assert "recorded in" in paused.stdout
    ack = running.wait_stderr(
        r"operator command pause PAUSED: PAUSED: new entries stopped", 60, start
    )
    assert " WARNING " in ack
    status = run_main_in_process("status", "--db", str(db))
    assert "HALTED" in status.stdout
    assert "PAUSED: paused by the operator" in status.stdout
    as_json = json.loads(run_main_in_process("status", "--json", "--db", str(db)).stdout)
    assert as_json["trading"] == "halted"
    assert "PAUSED" in as_json["halt_reason"]
    # A whole cycle after the pause buys nothing, and reconciliation goes on.
    acked = running.line_index(r"operator command pause")
    cycle = running.wait_stderr(r"main\s+cycle \d+:", 60, acked + 1)
    later = running.err[acked : running.err.index(cycle)]
    assert not [line for line in later if re.search(FILLED, line)]
    start = len(running.err)
    resumed = run_main_in_process("resume", "--db", str(db))
    assert resumed.returncode == 0, resumed.stderr
    running.wait_stderr(r"operator command resume: PAUSED lifted", 60, start)
    after = json.loads(run_main_in_process("status", "--json", "--db", str(db)).stdout)
    assert after["trading"] == "active"


def venue_holdings(sim: Exchange) -> dict[str, Decimal]:
    """What the venue says the account holds: ticker -> signed count (A5.8)."""
    return {p.ticker: p.position for p in sim.client().get_positions() if p.position != 0}


def book_holdings(db: Path) -> dict[str, Decimal]:
    signed = {}
    for _id, ticker, side, count, _cost, status, *_ in read_book(db).positions:
        if status in {"open", "recovered"}:
            signed[ticker] = Decimal(count) / HUNDRED * (1 if side == "yes" else -1)
    return signed


def pause(running: Child, db: Path) -> None:
    """Pause the bot (or keep it paused), so it does not buy again what a test sells."""
    start = len(running.err)
    assert run_main_in_process("pause", "--db", str(db)).returncode == 0
    running.wait_stderr(r"operator command pause PAUSED", 60, start)


def test_close_sells_through_the_order_flow_and_the_book_follows_the_venue(
    trading: Trading,
) -> None:
    running, db, ticker, sim, _ = trading
    pause(running, db)
    assert ticker in venue_holdings(sim)
    unknown = run_main_in_process("close", "NO-SUCH-MARKET", "--db", str(db))
    assert unknown.returncode == 1
    assert "holds no position in NO-SUCH-MARKET" in unknown.stdout
    start = len(running.err)
    closed = run_main_in_process("close", ticker, "--db", str(db))
    assert closed.returncode == 0, closed.stderr
    assert "reduce-only and immediate-or-cancel" in closed.stdout
    ack = running.wait_stderr(rf"operator command close {re.escape(ticker)}: ", 60, start)
    assert " WARNING " in ack
    assert re.search(rf"{re.escape(ticker)} sell \S+ yes at the bid 0\.\d+ \(reduce-only\)", ack)
    sold = re.search(r"(\S+) sold, brought in -?\$-?[\d,.]+ after fee \$[\d,.]+", ack)
    assert sold is not None, ack
    assert Decimal(sold.group(1)) > 0
    venue, book = venue_holdings(sim), book_holdings(db)
    assert venue == book  # the book follows the venue's fills: sold out, or the rest held
    if "cancelled (immediate-or-cancel)" not in ack:
        assert ticker not in venue
    assert audit(read_book(db)) == []
    [sale] = [e for e in read_book(db).executions.values() if e["reduce_only"]]
    assert (sale["ticker"], sale["side"], sale["reserved"]) == (ticker, "no", 0)
    status = run_main_in_process("status", "--db", str(db))
    assert f"close {ticker}" in status.stdout
    assert "Operator requests" in status.stdout
    as_json = json.loads(run_main_in_process("status", "--json", "--db", str(db)).stdout)
    [request] = [r for r in as_json["operator_requests"] if r["action"] == "close"]
    assert request["ticker"] == ticker
    assert request["outcome"].startswith(f"{ticker} sell")
    why = run_main_in_process("why", ticker, "--db", str(db))
    assert re.search(r"Order \S+ .*: sell \S+ yes at the bid", why.stdout), why.stdout


def test_flatten_sells_everything_held(trading: Trading) -> None:
    running, db, _, sim, _ = trading
    pause(running, db)  # whichever control test ran before on this bot, if any
    held = book_holdings(db)
    start = len(running.err)
    flattened = run_main_in_process("flatten", "--db", str(db))
    assert flattened.returncode == 0, flattened.stderr
    if not held:
        assert "nothing to sell" in flattened.stdout
        return
    ack = running.wait_stderr(r"operator command flatten: ", 60, start)
    for ticker in held:
        assert ticker in ack
    assert venue_holdings(sim) == book_holdings(db)
    assert audit(read_book(db)) == []
    start = len(running.err)
    assert run_main_in_process("resume", "--db", str(db)).returncode == 0
    running.wait_stderr(r"operator command resume: PAUSED lifted", 60, start)


def kill_switch_row(db: Path) -> tuple[str, int, int] | None:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        row = connection.execute("SELECT day, day_start, peak FROM kill_switch").fetchone()
    return None if row is None else (row[0], row[1], row[2])


def test_the_kill_switch_remembers_the_day_start_and_peak_across_a_killed_bot(
    trading: Trading,
) -> None:
    """The module's last test: the bot is killed, and started again in process."""
    running, db, _, sim, env = trading
    start = len(running.err)
    running.wait_stderr(r"main\s+cycle \d+:", 60, start)  # a cycle since the last test's trades
    before = kill_switch_row(db)
    running.send(signal.SIGKILL)
    assert running.wait(30) == -signal.SIGKILL
    again = run_main_in_process(*bot_args(db, sim.base_url), "--cycles", "1", env=env)
    assert again.returncode == 0, again.stderr
    after = kill_switch_row(db)
    assert before is not None
    assert after is not None
    day, day_start, peak = before
    # The trades cost the spread and the fees at the marks, so equity now is below the day's
    # start: a bot that forgot would start the day again from here.
    if after[0] == day:  # the same UTC day (a run at 23:59 may cross midnight)
        assert after[1] == day_start
    assert after[2] >= peak
