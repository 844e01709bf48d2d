"""The program as an operator runs it: real processes, real signals, real SQLite files.

The bot that is signalled, killed or run twice is a real process, trading against a standalone
simulator (`python -m infra.sim`, its own process with a frozen clock and a key pair made here),
so the exchange's state outlives a bot that stops, is killed, or restarts. What comes after (a
restart, `status`) and the refusals before anything starts call the entry point in process
(tests/in_process.py). Nothing waits on a fixed sleep: the tests wait for the bot's log lines on
its stderr, for the simulator's `/_sim/stats` counters, or for the process to end, each with a
timeout that only guards against a hang.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.answers import confident_answer
from tests.fakes.llm_server import FakeLlmServer
from tests.in_process import Exchange, exchange_in_process, run_main_in_process
from tests.process_helpers import (
    HUNDRED,
    MICRO,
    ORDER_PATH,
    PYTHON,
    ROOT,
    SIM_START,
    SimProcess,
    audit,
    bot,
    child_env,
    make_key_pair,
    read_book,
    standalone_sim,
    wait_until,
)

FINAL = {"filled", "partial", "canceled", "rejected"}
INITIAL = Decimal(1000)  # the bot's default bankroll and the sim account's balance


def bot_args(db: Path, sim: SimProcess | Exchange, *more: str) -> list[str]:
    return [
        "--venue",
        "sim",
        "--exchange-url",
        sim.base_url,
        "--db",
        str(db),
        "--log-level",
        "INFO",
        *more,
    ]


def first_order_attempt(sim: SimProcess, timeout: float = 20) -> str:
    """Wait until the simulator has received a create-order request; its client order id."""
    attempts = wait_until(
        lambda: sim.stats()["order_attempts"], timeout, "the sim to receive an order"
    )
    assert len(attempts) == 1, attempts
    return next(iter(attempts))


def status_of(db: Path) -> str:
    result = run_main_in_process("status", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "adds up" in result.stdout
    return result.stdout


def assert_clean(db: Path) -> None:
    book = read_book(db)
    assert audit(book) == []
    assert book.in_flight == [], "an orderly stop leaves nothing in flight on a healthy venue"
    assert all(e["status"] in FINAL for e in book.executions.values())


def assert_no_order_created_twice(sim: SimProcess) -> dict[str, int]:
    created: dict[str, int] = sim.stats()["orders_created"]
    assert created, "the bot never placed an order"
    assert all(n == 1 for n in created.values()), created
    return created


# 1 and 2: an orderly stop on SIGTERM or SIGINT in the middle of an order ----------------


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_order_finishes_it_stops_cleanly_and_a_restart_reloads_the_same_book(
    tmp_path: Path, signum: signal.Signals
) -> None:
    db = tmp_path / "book.db"
    # Every create-order answer takes 2 s: the signal lands while an order is in the air.
    with standalone_sim(tmp_path, "--latency", "2", "--fault-path", ORDER_PATH) as sim:
        with bot(*bot_args(db, sim), env=sim.bot_env(PMT_CYCLE_INTERVAL="0.2")) as running:
            running.wait_stderr("trading ACTIVE")
            coid = first_order_attempt(sim)
            running.send(signum)
            assert running.wait(30) == 0, running.stderr
        # The order in hand was finished after the signal, and no new one was started.
        ticker = read_book(db).executions[coid]["ticker"]
        stopping = running.line_index(f"{signum.name}: finishing the work in hand")
        assert running.line_index(rf"{ticker} buy .* filled, spent") > stopping
        assert list(assert_no_order_created_twice(sim)) == [coid]
        assert "Run on sim" in running.stdout
        assert "Ledger: adds up" in running.stdout
        assert_clean(db)
        before = read_book(db)
        assert before.executions[coid]["status"] in FINAL

        # Restart on the same exchange: start-up reconciliation finds nothing to change.
        sim.reset_faults()
        again = run_main_in_process(*bot_args(db, sim, "--cycles", "0"), env=sim.bot_env())
        assert again.returncode == 0, again.stderr
        assert "plan:" not in again.stderr, "the venue and the book disagreed"
        after = read_book(db)
        assert after.positions == before.positions
        assert (after.balance, after.rows) == (before.balance, before.rows)
        assert after.executions == before.executions
        assert f"({before.rows} ledger rows)" in status_of(db)
        assert assert_no_order_created_twice(sim) == {coid: 1}
        client = sim.client()
        try:
            remote = {
                (r.ticker, r.side.value, r.count) for r in client.get_positions() if r.position
            }
        finally:
            client.close()
        local = {(p[1], p[2], Decimal(p[3]) / HUNDRED) for p in after.positions if p[5] == "open"}
        assert local == remote


@pytest.mark.slow
def test_a_second_sigint_during_the_orderly_stop_exits_at_once_with_130(tmp_path: Path) -> None:
    """The stop is made slow on purpose: order answers and the venue's position list (read by
    the end-of-cycle reconciliation) each take 4 s. The second SIGINT goes only once the
    Executor has refused a signal for shutting down, the proof that the first was handled."""
    db = tmp_path / "book.db"
    latency = 4.0
    slow = ("--latency", str(latency), "--fault-path", ORDER_PATH)
    with standalone_sim(tmp_path, *slow, "--fault-path", "/portfolio/positions") as sim:
        with bot(*bot_args(db, sim), env=sim.bot_env()) as running:
            running.wait_stderr("trading ACTIVE")
            coid = first_order_attempt(sim)
            running.send(signal.SIGINT)
            running.wait_stderr("SIGINT: finishing the work in hand")
            running.wait_stderr("refused: STATE_SHUTTING_DOWN")
            running.send(signal.SIGINT)
            code = running.wait(30)
        # Waiting for the delayed reconciliation would have ended in an orderly stop (exit 0
        # and a report): 130 without a report is the proof that it did not wait.
        assert code == 130, running.stderr
        assert "second SIGINT: exiting now" in running.stderr
        assert "Run on sim" not in running.stdout  # no orderly stop, no report
        book = read_book(db)
        assert audit(book) == []
        assert book.executions[coid]["status"] in FINAL  # the order in hand was finished
        status_of(db)


SIGINT_WHILE_LOGGING = """
import signal, sys, threading
from loguru import logger
from infra.logs import setup_logging
from infra.signals import install_signal_handlers

class SlowTerminal:
    \"\"\"stderr on which the operator presses Ctrl-C twice while a log line is being written
    (a slow terminal or a full log pipe makes this window wide).\"\"\"

    def __init__(self, real):
        self.real, self.fired = real, False

    def write(self, text):
        self.real.write(text)
        if "cycle under way" in text and not self.fired:
            self.fired = True
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)

    def flush(self):
        self.real.flush()

sys.stderr = SlowTerminal(sys.__stderr__)
setup_logging("INFO")
stopping = threading.Event()
install_signal_handlers(stopping)
logger.info("cycle under way")
print("two SIGINTs, still running; stopping =", stopping.is_set())
"""


@pytest.mark.slow
def test_two_sigints_while_a_log_line_is_being_written_force_the_exit() -> None:
    result = subprocess.run(
        [PYTHON, "-c", SIGINT_WHILE_LOGGING],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert result.returncode == 130, result.stdout + result.stderr


# 3: SIGKILL while an order is in the air --------------------------------------------------


@pytest.mark.slow
def test_sigkill_mid_order_then_restart_resolves_the_order_by_its_client_order_id(
    tmp_path: Path,
) -> None:
    db = tmp_path / "book.db"
    with standalone_sim(tmp_path, "--latency", "5", "--fault-path", ORDER_PATH) as sim:
        with bot(*bot_args(db, sim), env=sim.bot_env()) as running:
            running.wait_stderr("trading ACTIVE")
            coid = first_order_attempt(sim)
            running.proc.kill()
            assert running.wait(10) == -signal.SIGKILL
        killed = read_book(db)
        assert audit(killed) == []
        assert killed.executions[coid]["status"] == "intent"  # recorded before it was sent
        ticker = killed.executions[coid]["ticker"]

        sim.reset_faults()
        again = run_main_in_process(*bot_args(db, sim, "--cycles", "1"), env=sim.bot_env())
        assert again.returncode == 0, again.stderr
        assert "adds up" in again.stdout

        stats = sim.stats()
        assert stats["order_attempts"][coid] == 1, "the killed order was sent again"
        assert_no_order_created_twice(sim)
        book = read_book(db)
        assert audit(book) == []
        assert book.in_flight == []
        resolved = book.executions[coid]
        client = sim.client()
        try:
            venue = client.find_order_by_client_order_id(coid, ticker)
            balance = client.get_balance().balance
        finally:
            client.close()
        assert venue is not None, "the order reached the venue before the kill"
        assert resolved["venue_order_id"] == venue.order_id
        assert resolved["status"] in {"filled", "partial", "canceled"}
        assert resolved["filled_count"] == int(venue.fill_count * HUNDRED)
        spent = int((venue.fill_cost + venue.fees) * MICRO)
        assert resolved["fill_cost"] + resolved["fees"] == spent
        if venue.fill_count > 0:
            [position] = [p for p in book.positions if p[6] == coid]
            assert position[4] == spent  # the position carries the exact cost
        status_of(db)
        # Every dollar the venue took, the book took: same change on both sides.
        assert book.trading_balance - INITIAL == balance - INITIAL


@pytest.mark.slow
def test_sigkill_before_the_order_left_keeps_it_in_flight_and_never_sends_it(
    tmp_path: Path,
) -> None:
    """The bot's own write bucket holds the second order of the cycle for 20 s after its
    intent is recorded: killed there, the order never reached the venue. A restart within the
    not-found grace period must neither send it nor release its money yet."""
    db = tmp_path / "book.db"
    slow_writes = {"PMT_RATE_LIMITS__WRITE_BURST": "10", "PMT_RATE_LIMITS__WRITE_RATE": "0.5"}
    with standalone_sim(tmp_path) as sim:
        with bot(*bot_args(db, sim), env=sim.bot_env(**slow_writes)) as running:
            running.wait_stderr("trading ACTIVE")

            def unsent_intent() -> str | None:
                attempts = sim.stats()["order_attempts"]
                book = read_book(db)
                waiting = [
                    coid
                    for coid, e in book.executions.items()
                    if e["status"] == "intent" and coid not in attempts
                ]
                return waiting[0] if attempts and waiting else None

            coid = wait_until(unsent_intent, 20, "an intent held back by the write bucket")
            running.proc.kill()
            assert running.wait(10) == -signal.SIGKILL
        assert coid not in sim.stats()["order_attempts"]
        reserved = read_book(db).executions[coid]["reserved"]

        again = run_main_in_process(*bot_args(db, sim, "--cycles", "1"), env=sim.bot_env())
        assert again.returncode == 0, again.stderr
        assert "1 orders in flight" in again.stderr
        assert coid not in sim.stats()["order_attempts"], "an unresolved order was re-sent"
        assert_no_order_created_twice(sim)
        book = read_book(db)
        assert audit(book) == []
        assert [e["client_order_id"] for e in book.in_flight] == [coid]
        assert book.executions[coid]["status"] == "intent"  # still reserved, not released
        status_of(db)
        client = sim.client()
        try:
            balance = client.get_balance().balance
        finally:
            client.close()
        assert book.trading_balance + Decimal(reserved) / MICRO - INITIAL == balance - INITIAL


# 4: one bot per database ------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_bot_on_the_same_database_is_refused_and_the_first_carries_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "book.db"
    env = child_env(PMT_CYCLE_INTERVAL="0.2", PMT_SIM__MARKETS="100")
    args = ["--venue", "sim", "--db", str(db), "--log-level", "INFO"]
    with bot(*args, env=env) as first:
        first.wait_stderr("trading ACTIVE")
        second = run_main_in_process(*args, "--cycles", "1", env=env)
        assert second.returncode == 1, second.stderr
        assert "already running" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert "Run on" not in second.stdout

        assert first.proc.poll() is None
        mark = len(first.err)
        first.wait_stderr(r"main +cycle \d+: ", start=mark)  # still trading after the refusal
        status_of(db)  # a reader needs no lock
        first.send(signal.SIGTERM)
        assert first.wait(30) == 0, first.stderr
    assert "Ledger: adds up" in first.stdout
    assert audit(read_book(db)) == []


# The embedded simulator: a fresh exchange at every start ----------------------------------


def embedded_args(db: Path, *more: str) -> list[str]:
    return ["--venue", "sim", "--db", str(db), "--log-level", "INFO", *more]


# A small embedded exchange, pinned in time, and a fake Claude that is confident of YES: it
# buys on any start time (tests/infra/sim/test_start_times.py), the offline model need not.
EMBEDDED_ENV = {"PMT_SIM__MARKETS": "100", "PMT_SIM__START_TIME": SIM_START}


@contextmanager
def confident_llm_env() -> Iterator[dict[str, str]]:
    with FakeLlmServer(answer=confident_answer) as llm:
        yield child_env(
            **EMBEDDED_ENV,
            PMT_LLM__PROVIDER="anthropic",
            ANTHROPIC_API_KEY="test-key",
            ANTHROPIC_BASE_URL=llm.url,
        )


def test_a_restart_on_the_embedded_simulator_archives_the_last_book_untouched(
    tmp_path: Path,
) -> None:
    """Each start builds a new simulated exchange that knows none of the old positions, so
    it starts a new book; the last one is set aside whole, never deleted."""
    db = tmp_path / "book.db"
    with confident_llm_env() as env:
        first = run_main_in_process(*embedded_args(db, "--cycles", "1"), env=env)
        assert first.returncode == 0, first.stderr
        before = read_book(db)
        assert any(p[5] == "open" for p in before.positions), "the first run bought nothing"

        again = run_main_in_process(*embedded_args(db, "--cycles", "0"), env=env)
    assert again.returncode == 0, again.stderr
    [archived] = tmp_path.glob("book.session-*.db")
    assert f"kept as {archived}" in again.stderr
    kept = read_book(archived)
    assert kept.positions == before.positions
    assert (kept.balance, kept.rows) == (before.balance, before.rows)
    fresh = read_book(db)
    assert fresh.positions == ()
    assert fresh.rows == 1  # the initial bankroll only


def test_a_restart_survives_a_held_market_the_venue_does_not_list(tmp_path: Path) -> None:
    """A venue that no longer lists a held market (a 404) is no evidence either way: the
    position is kept and reported, and the bot still starts."""
    db = tmp_path / "book.db"
    with exchange_in_process(tmp_path) as sim:
        first = run_main_in_process(*bot_args(db, sim, "--cycles", "1"), env=sim.bot_env())
        assert first.returncode == 0, first.stderr
        conn = sqlite3.connect(db)
        try:
            moved = conn.execute(
                "UPDATE positions SET ticker = 'KXGONE-20JAN01-T1' WHERE id ="
                " (SELECT MIN(id) FROM positions WHERE status = 'open')"
            ).rowcount
            conn.commit()
        finally:
            conn.close()
        assert moved == 1, "the first run bought nothing"
        before = read_book(db)

        again = run_main_in_process(*bot_args(db, sim, "--cycles", "0"), env=sim.bot_env())
        assert again.returncode == 0, again.stderr
        assert "KXGONE-20JAN01-T1: the venue does not list this market" in again.stderr
        after = read_book(db)
        assert set(before.positions) <= set(after.positions)  # every held position kept as it was
        assert audit(after) == []  # (the renamed one's real ticker is adopted as recovered)


# 5: refusals before anything touches the network ------------------------------------------


@contextmanager
def network_trap() -> Iterator[tuple[dict[str, str], socket.socket]]:
    """A listening socket every HTTP(S) proxy variable points to: any attempt to reach the
    network through requests queues a connection on it."""
    trap = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    trap.bind(("127.0.0.1", 0))
    trap.listen(16)
    url = f"http://127.0.0.1:{trap.getsockname()[1]}"
    env = {name: url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    env.update({"NO_PROXY": "", "no_proxy": ""})
    try:
        yield env, trap
    finally:
        trap.close()


def assert_untouched(trap: socket.socket) -> None:
    trap.setblocking(False)
    try:
        connection, _ = trap.accept()
    except BlockingIOError:
        return
    connection.close()
    pytest.fail("the program opened a network connection before refusing")


@pytest.mark.slow
def test_network_trap_catches_a_real_attempt(tmp_path: Path) -> None:
    """The trap works: a demo bot with a valid key file does reach for the network."""
    keys = make_key_pair(tmp_path)
    with network_trap() as (proxies, trap):
        env = child_env(
            KALSHI_API_KEY_ID=keys.key_id,
            KALSHI_PRIVATE_KEY_PATH=str(keys.private_key),
            PMT_REQUEST_TIMEOUT="1",
            **proxies,
        )
        trap.settimeout(30)
        with bot("--venue", "demo", "--db", str(tmp_path / "d.db"), env=env) as running:
            connection, _ = trap.accept()  # blocks until the bot tries to connect
            connection.close()
            running.proc.kill()
            running.wait(10)


def test_live_without_the_confirmation_flag_exits_2_without_touching_the_network(
    tmp_path: Path,
) -> None:
    keys = make_key_pair(tmp_path)
    with network_trap() as (proxies, trap):
        env = child_env(
            KALSHI_API_KEY_ID=keys.key_id, KALSHI_PRIVATE_KEY_PATH=str(keys.private_key), **proxies
        )
        result = run_main_in_process("--venue", "live", "--db", str(tmp_path / "live.db"), env=env)
        assert_untouched(trap)
    assert result.returncode == 2, result.stderr
    assert "--venue live trades real money" in result.stderr
    assert "--i-understand-this-is-real-money" in result.stderr


def test_demo_with_a_missing_key_file_exits_2_naming_it_without_touching_the_network(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "keys" / "kalshi-demo.pem"
    with network_trap() as (proxies, trap):
        env = child_env(
            KALSHI_API_KEY_ID="demo-key", KALSHI_PRIVATE_KEY_PATH=str(missing), **proxies
        )
        result = run_main_in_process("--venue", "demo", "--db", str(tmp_path / "demo.db"), env=env)
        assert_untouched(trap)
    assert result.returncode == 2, result.stderr
    assert str(missing) in result.stderr
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("venue", ["live", "demo"])
def test_a_refused_venue_leaves_no_database_behind(tmp_path: Path, venue: str) -> None:
    db = tmp_path / f"{venue}.db"
    env = child_env(
        KALSHI_API_KEY_ID="some-key", KALSHI_PRIVATE_KEY_PATH=str(tmp_path / "missing.pem")
    )
    result = run_main_in_process("--venue", venue, "--db", str(db), env=env)
    assert result.returncode == 2, result.stderr
    assert not db.exists(), "nothing may start on a refused configuration"
