"""Helpers for tests that run the program (and the standalone simulator) as real processes.

Synchronisation is always on something the child says or does: a line on its stderr (loguru
logs there), a counter behind the simulator's `/_sim/stats`, or a file. Every wait takes a
timeout that only guards against a hang; it never stands in for an event.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from infra.kalshi.client import KalshiClient
from infra.kalshi.ratelimit import RateLimitConfig, TokenBucketLimiter
from infra.kalshi.signing import RequestSigner
from infra.sim.keygen import KeyPair, write_key_pair
from tests.fakes.answers import confident_answer
from tests.fakes.llm_server import FakeLlmServer

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MICRO = Decimal(1_000_000)  # micro-dollars per dollar in the database
HUNDRED = Decimal(100)  # hundredths per contract in the database
ORDER_PATH = "/portfolio/events/orders"

T = TypeVar("T")


# Where an embedded simulator starts (the bot then runs on the simulator's clock): the same
# exchange on any day.
SIM_START = "2026-11-24T12:00:00Z"


def child_env(**extra: str) -> dict[str, str]:
    """The test runner's environment without any setting or credential of the program.

    A child keeps the bytecode it compiles (in the tree's ignored __pycache__ folders) even
    where the environment sets PYTHONDONTWRITEBYTECODE: otherwise every process the suite
    starts compiles every module of the program again (0.3-0.4 s of CPU a start). The runner's
    terminal size (COLUMNS, LINES: pytest-xdist's workers have them) is not the child's: its
    output is piped."""
    prefixes = ("PMT_", "KALSHI_", "ANTHROPIC_", "OPENAI_", "PYTHONDONTWRITEBYTECODE")
    terminal = {"COLUMNS", "LINES"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k not in terminal}
    env.update({"PMT_LLM__PROVIDER": "offline", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run_main(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`main.py ARGS` to completion."""
    return subprocess.run(
        [PYTHON, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else child_env(),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def wait_until(
    probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.02
) -> T:
    """Poll another process's state until `probe` returns something truthy.

    The interval only paces the polling; the timeout is a failure guard.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# Processes ---------------------------------------------------------------------------------


class Child:
    """A child process whose stdout and stderr are drained by threads into line lists."""

    def __init__(self, argv: list[str], env: Mapping[str, str], name: str) -> None:
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env),
            cwd=ROOT,
            start_new_session=True,  # a Ctrl-C at the terminal does not reach it
        )
        self._cond = threading.Condition()
        self.out: list[str] = []
        self.err: list[str] = []
        self._open = 2
        self._threads = [
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True, name=name)
            for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for thread in self._threads:
            thread.start()

    def _pump(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            with self._cond:
                lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        stream.close()
        with self._cond:
            self._open -= 1
            self._cond.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stdout(self) -> str:
        with self._cond:
            return "\n".join(self.out)

    @property
    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self.err)

    def _wait_line(self, lines: list[str], pattern: str, timeout: float, start: int) -> str:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = start
        with self._cond:
            while True:
                for line in lines[seen:]:
                    if regex.search(line):
                        return line
                seen = len(lines)
                if self._open == 0:
                    raise AssertionError(
                        f"{self.name} ended (rc {self.proc.poll()}) without a line matching "
                        f"{pattern!r}:\n{self._tail()}"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout:g} s waiting for {self.name} to log "
                        f"{pattern!r}:\n{self._tail()}"
                    )
                self._cond.wait(left)

    def _tail(self, n: int = 40) -> str:
        return "\n".join(self.err[-n:] + self.out[-n:])

    def wait_stderr(self, pattern: str, timeout: float = 60, start: int = 0) -> str:
        """The first stderr line (from line `start` on) matching the regex `pattern`."""
        return self._wait_line(self.err, pattern, timeout, start)

    def wait_stdout(self, pattern: str, timeout: float = 60) -> str:
        return self._wait_line(self.out, pattern, timeout, 0)

    def line_index(self, pattern: str) -> int:
        """The index of the first stderr line matching `pattern` (it must be there)."""
        regex = re.compile(pattern)
        with self._cond:
            for i, line in enumerate(self.err):
                if regex.search(line):
                    return i
        raise AssertionError(f"{self.name} never logged {pattern!r}:\n{self._tail()}")

    def send(self, signum: signal.Signals) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        """The exit code, once the process has ended and its output is fully read."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} still running after {timeout:g} s:\n{self._tail()}"
            ) from None
        for thread in self._threads:
            thread.join(timeout)
        return code

    def close(self) -> None:
        """Kill the process if it still runs and reap it (teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for thread in self._threads:
            thread.join(10)


@contextmanager
def bot(*args: str, env: Mapping[str, str], name: str = "bot") -> Iterator[Child]:
    """`main.py ARGS` running in the background; killed at exit if still alive."""
    child = Child([PYTHON, str(ROOT / "main.py"), *args], env, name)
    try:
        yield child
    finally:
        child.close()


def make_key_pair(directory: Path, key_id: str = "test-key") -> KeyPair:
    """A fresh pair; a second one in the same directory gets a numbered key id."""
    taken = {path.name.split(".")[0] for path in directory.glob(f"{key_id}*.pem")}
    number = next(n for n in range(1, 1000) if f"{key_id}-{n}" not in taken)
    return write_key_pair(directory, key_id if key_id not in taken else f"{key_id}-{number}")


def account_env(keys: KeyPair, llm_url: str, **extra: str) -> dict[str, str]:
    """A bot's environment on a standalone exchange: the account's keys, and Claude (the real
    SDK) pointed at a local fake whose every forecast is YES well above the mid (within the
    bound: tests.fakes.answers), so a cycle always finds YES edges to trade whatever markets the
    simulator lists at this time of day."""
    return child_env(
        KALSHI_API_KEY_ID=keys.key_id,
        KALSHI_PRIVATE_KEY_PATH=str(keys.private_key),
        PMT_LLM__PROVIDER="anthropic",
        ANTHROPIC_API_KEY="test-key",
        ANTHROPIC_BASE_URL=llm_url,
        **extra,
    )


def account_client(base_url: str, keys: KeyPair) -> KalshiClient:
    """The project's own signed client on an account (for the test's own look-ups)."""
    signer = RequestSigner.from_files(keys.key_id, keys.private_key)
    limiter = TokenBucketLimiter(RateLimitConfig())
    return KalshiClient(base_url, signer, limiter, timeout=(3.05, 10.0))


class SimProcess:
    """`python -m infra.sim` in its own process, and its admin routes."""

    def __init__(self, child: Child, base_url: str, keys: KeyPair, llm_url: str) -> None:
        self.child = child
        self.base_url = base_url  # .../trade-api/v2
        self.origin = base_url.split("/trade-api/", maxsplit=1)[0]
        self.keys = keys
        self.llm_url = llm_url

    def admin(self, method: str, route: str, payload: Mapping[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.origin}/_sim/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "stats")
        return result

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("POST", "faults", settings)
        return result

    def reset_faults(self) -> None:
        self.admin("POST", "faults", {"reset": True})

    def bot_env(self, **extra: str) -> dict[str, str]:
        return account_env(self.keys, self.llm_url, **extra)

    def client(self) -> KalshiClient:
        return account_client(self.base_url, self.keys)


@contextmanager
def standalone_sim(
    tmp_path: Path, *options: str, seed: int = 3, markets: int = 100
) -> Iterator[SimProcess]:
    """A simulator process with one account (a fresh key pair) and a frozen clock."""
    keys = make_key_pair(tmp_path)
    argv = [
        PYTHON,
        "-m",
        "infra.sim",
        "--port",
        "0",
        "--seed",
        str(seed),
        "--markets",
        str(markets),
        "--key-id",
        keys.key_id,
        "--public-key",
        str(keys.public_key),
        "--initial-balance",
        "1000",
        "--time-scale",
        "0",  # the sim clock stands still: no market closes or settles under the test
        # No --start-time: this exchange stands for a real venue, and the bot beside it reads
        # the wall clock, so it starts at the current minute. Whatever minute that is, the bot
        # finds a trade (tests/infra/sim/test_start_times.py proves it for every start time).
        *options,
    ]
    child = Child(argv, child_env(), "sim")
    try:
        url = child.wait_stdout(r"^http://").strip()
        with FakeLlmServer(answer=confident_answer) as llm:
            yield SimProcess(child, url, keys, llm.url)
    finally:
        if child.proc.poll() is None:
            child.send(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                child.proc.wait(10)
        child.close()


# The book in the database ------------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    balance: int  # micro-dollars, the last ledger row's
    total: int  # sum of all changes
    rows: int
    positions: tuple[tuple[Any, ...], ...]
    executions: dict[str, dict[str, Any]]
    ledger: tuple[dict[str, Any], ...]

    @property
    def trading_balance(self) -> Decimal:
        """The balance in dollars without the LLM's API costs (the venue never sees those)."""
        api_costs = sum(row["change"] for row in self.ledger if row["reason"] == "api_cost")
        return Decimal(self.balance - api_costs) / MICRO

    @property
    def in_flight(self) -> list[dict[str, Any]]:
        return [
            e for e in self.executions.values() if e["status"] in {"intent", "ambiguous", "resting"}
        ]


def read_book(db: Path) -> Book:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        ledger = tuple(dict(r) for r in conn.execute("SELECT * FROM bankroll_history ORDER BY id"))
        positions = tuple(
            tuple(r)
            for r in conn.execute(
                "SELECT id, ticker, side, count, cost, status, client_order_id, opened_at,"
                " closed_at, payout FROM positions ORDER BY id"
            )
        )
        executions = {
            r["client_order_id"]: dict(r) for r in conn.execute("SELECT * FROM executions")
        }
    finally:
        conn.close()
    return Book(
        balance=ledger[-1]["balance"] if ledger else 0,
        total=sum(r["change"] for r in ledger),
        rows=len(ledger),
        positions=positions,
        executions=executions,
        ledger=ledger,
    )


def audit(book: Book) -> list[str]:
    """Everything wrong with the book: a ledger that does not add up, or money that moved
    for an order without that order on record (or the other way round)."""
    problems = []
    if book.total != book.balance:
        problems.append(f"sum of changes {book.total} != balance {book.balance}")
    running = 0
    for row in book.ledger:
        running += row["change"]
        if running != row["balance"]:
            problems.append(f"row {row['id']}: running total {running} != {row['balance']}")
    by_order: dict[str, list[dict[str, Any]]] = {}
    for row in book.ledger:
        if row["ref_type"] == "execution":
            by_order.setdefault(row["ref_id"], []).append(row)
    for coid in sorted(set(by_order) - set(book.executions)):
        problems.append(f"ledger rows for {coid} but no execution row")
    positions = {p[6]: p for p in book.positions if p[6] is not None}
    sold = {e["ticker"] for e in book.executions.values() if e["reduce_only"]}
    for coid, execution in book.executions.items():
        rows = by_order.get(coid, [])
        if execution["reduce_only"]:
            problems += _audit_sale(coid, execution, rows)
            continue
        problems += _audit_order(
            coid, execution, rows, positions.get(coid), sold=execution["ticker"] in sold
        )
    return problems


def _audit_sale(coid: str, e: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """An operator's sale reserves nothing; once final, what its fills brought in (each
    contract closed pays $1 back, less what the other side cost and the fee) is booked."""
    if e["reserved"] != 0 or [r for r in rows if r["reason"] == "reserve"]:
        return [f"{coid}: a sale reserved money"]
    final = e["status"] not in {"intent", "ambiguous", "resting"}
    proceeds = e["filled_count"] * (MICRO // HUNDRED) - e["fill_cost"] - e["fees"]
    expected = int(proceeds) if final else 0
    net = sum(r["change"] for r in rows)
    return [] if net == expected else [f"{coid} sale ({e['status']}): net {net} != {expected}"]


def _audit_order(
    coid: str,
    e: dict[str, Any],
    rows: list[dict[str, Any]],
    position: tuple[Any, ...] | None,
    *,
    sold: bool = False,
) -> list[str]:
    """One order: reserved once; what it finally cost (or still holds) is what left the
    bankroll; what it bought is a position at exactly that cost (unless since `sold`: a part
    sold changes the position's count and cost)."""
    problems = []
    reserves = [r["change"] for r in rows if r["reason"] == "reserve"]
    if reserves != [-e["reserved"]]:
        problems.append(f"{coid}: reservations {reserves} for reserved {e['reserved']}")
    spent = e["fill_cost"] + e["fees"]
    if e["status"] in {"intent", "ambiguous", "resting"}:
        expected = -e["reserved"]
    elif e["status"] in {"rejected", "canceled"}:
        expected = 0
    else:
        expected = -spent
    net = sum(r["change"] for r in rows)
    if net != expected:
        problems.append(f"{coid} ({e['status']}): net ledger {net}, expected {expected}")
    if e["filled_count"] > 0 and not sold:
        if position is None:
            problems.append(f"{coid}: {e['filled_count']} filled but no position")
        elif (position[3], position[4]) != (e["filled_count"], spent):
            problems.append(f"{coid}: position {position} for {e['filled_count']} / {spent}")
    return problems
