"""`main.py --venue paper --data-url <a simulator>`: trades without keys, and a stopped bot
resumes its book, its paper account's cash, positions and orders (issue 13's "done when").

The simulator is its own process and serves only the public market data here: the bot has no
Kalshi key, and the paper account is a SQLite file of its own beside the bot's book. The bot
stopped by SIGTERM is a real process; the restarts after it and the refusals call the entry
point in process (tests/in_process.py).
"""

from __future__ import annotations

import signal
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tests.in_process import run_main_in_process
from tests.process_helpers import (
    MICRO,
    SimProcess,
    audit,
    bot,
    child_env,
    read_book,
    standalone_sim,
)

STARTING_CASH = Decimal(10_000)  # paper.starting_cash's default


def paper_env(sim: SimProcess, account: Path, **extra: str) -> dict[str, str]:
    """No Kalshi credentials at all; Claude (the real SDK) on the local fake, confident enough
    to find edges; Polymarket from the simulator's Gamma."""
    return child_env(
        PMT_LLM__PROVIDER="anthropic",
        ANTHROPIC_API_KEY="test-key",
        ANTHROPIC_BASE_URL=sim.llm_url,
        PMT_PAPER__ACCOUNT_DB=str(account),
        **extra,
    )


def paper_args(sim: SimProcess, book: Path, *more: str) -> list[str]:
    return ["--venue", "paper", "--data-url", sim.base_url, "--db", str(book), *more]


def paper_account(path: Path) -> dict[str, object]:
    """The paper account as its file holds it: cash, positions' fills, orders."""
    conn = sqlite3.connect(path)
    try:
        start = conn.execute("SELECT starting_cash FROM paper_account").fetchone()[0]
        moved = conn.execute("SELECT COALESCE(SUM(balance_change), 0) FROM paper_fills").fetchone()
        paid = conn.execute("SELECT COALESCE(SUM(revenue), 0) FROM paper_settlements").fetchone()
        fills = conn.execute("SELECT fill_id, ticker, side, count FROM paper_fills").fetchall()
        orders = conn.execute(
            "SELECT order_id, client_order_id, status, filled FROM paper_orders"
        ).fetchall()
    finally:
        conn.close()
    return {
        "cash": Decimal(start + moved[0] + paid[0]) / MICRO,
        "fills": sorted(fills),
        "orders": sorted(orders),
    }


@pytest.mark.slow
def test_paper_trades_without_keys_and_resumes_its_book_after_a_restart(tmp_path: Path) -> None:
    book, account = tmp_path / "book.db", tmp_path / "paper.db"
    with standalone_sim(tmp_path) as sim:
        env = paper_env(sim, account)
        with bot(*paper_args(sim, book, "--log-level", "INFO"), env=env) as running:
            running.wait_stderr(r"paper account .*paper\.db")
            running.wait_stderr(r"main +cycle 1: ")
            running.send(signal.SIGTERM)
            # A guard, not a measure: the orderly stop finishes the work in hand first.
            assert running.wait(90) == 0, running.stderr
        first = paper_account(account)
        assert first["fills"], "the paper exchange filled nothing"
        assert first["cash"] < STARTING_CASH
        assert sim.stats()["orders_created"] == {}, "a paper order reached the exchange"
        before = read_book(book)
        assert audit(before) == []
        assert before.positions, "the book holds nothing"

        # A restart that only reconciles: the same account and book, nothing booked twice.
        again = run_main_in_process(*paper_args(sim, book, "--cycles", "0"), env=env)
        assert again.returncode == 0, again.stderr
        assert "seeded the bankroll" not in again.stderr
        assert "discrepancy" not in again.stderr
        assert "trading ACTIVE: reconciled" in again.stderr
        assert paper_account(account) == first
        after = read_book(book)
        assert after.positions == before.positions
        assert after.balance == before.balance
        assert audit(after) == []

        # The markets settle on the exchange: the paper account pays by its results and the
        # bot books the settlement records through the same reconciliation as live.
        held = {p[1]: p for p in after.positions if p[5] == "open"}
        won, *rest = sorted(held)
        sim.admin("POST", "settle", {"ticker": won, "result": "yes"})
        for ticker in rest:
            sim.admin("POST", "settle", {"ticker": ticker, "result": "no"})
        settled = run_main_in_process(*paper_args(sim, book, "--cycles", "0"), env=env)
        assert settled.returncode == 0, settled.stderr
        assert f"paper: {won} settled yes" in settled.stderr
        closed = {p[1]: p for p in read_book(book).positions if p[1] in held}
        assert {p[5] for p in closed.values()} == {"closed"}
        paid = Decimal(closed[won][9]) / MICRO
        assert paid == Decimal(closed[won][3]) / 100  # $1 a contract (count in hundredths)
        assert all(closed[t][9] == 0 for t in rest)
        account_after = paper_account(account)
        assert account_after["cash"] == first["cash"] + paid
        assert audit(read_book(book)) == []

        # And it trades on from there.
        more = run_main_in_process(*paper_args(sim, book, "--cycles", "1"), env=env)
        assert more.returncode == 0, more.stderr
        later = paper_account(account)
        assert set(first["fills"]) <= set(later["fills"])
        assert audit(read_book(book)) == []


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (
            ["--venue", "paper", "--exchange-url", "http://127.0.0.1:9/trade-api/v2"],
            {},
            "--data-url",
        ),
        (["--venue", "paper", "--data-url", "ftp://example.com"], {}, "http(s) URL"),
        (
            ["--venue", "sim", "--data-url", "http://127.0.0.1:9/trade-api/v2"],
            {},
            "only for --venue paper",
        ),
        (["--venue", "paper"], {"PMT_PAPER__STARTING_CASH": "-5"}, "starting_cash"),
    ],
    ids=["exchange-url", "not-http", "not-paper", "negative-cash"],
)
def test_bad_paper_settings_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], says: str
) -> None:
    result = run_main_in_process(*args, "--db", str(tmp_path / "book.db"), env=child_env(**env))
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "book.db").exists()


def test_a_paper_account_that_is_not_one_exits_2(tmp_path: Path) -> None:
    account = tmp_path / "paper.db"
    account.write_bytes(b"not a database at all" * 100)
    result = run_main_in_process(
        "--venue",
        "paper",
        "--data-url",
        "http://127.0.0.1:9/trade-api/v2",
        "--db",
        str(tmp_path / "book.db"),
        "--cycles",
        "0",
        env=child_env(PMT_PAPER__ACCOUNT_DB=str(account)),
    )
    assert result.returncode == 2, result.stderr
    assert "paper account" in result.stderr
    assert "Traceback" not in result.stderr
