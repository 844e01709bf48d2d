"""The program's entry point called in the test's own process: `main.main([...])` with the
environment a child would get, its stdout and stderr captured, and every global it touches
(loguru's sinks, the log clock, the signal handlers, the environment) put back afterwards.

Use it for parsing, messages, exit codes and views; spawn a real process (tests/process_helpers)
only where the process is the point: a signal, a crash, two programs on one book.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loguru import logger

import main
from infra.kalshi.client import KalshiClient
from infra.logs import HTTP_CLIENT_LOGGERS, QUIET_LOGGERS, clock_stamp
from infra.sim import SimConfig, SimExchange
from infra.sim.keygen import KeyPair
from tests.fakes.answers import confident_answer
from tests.fakes.llm_server import FakeLlmServer
from tests.process_helpers import account_client, account_env, child_env, make_key_pair

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)
TUNED_LOGGERS = ("", "pykka", *HTTP_CLIENT_LOGGERS, *QUIET_LOGGERS)  # "" is the root logger


@dataclass(frozen=True)
class Ran:
    """What `run_main` in tests/process_helpers returns, for the same assertions."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` is exactly `env` inside the block, and what it was after."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def program_globals() -> Iterator[None]:
    """Put back what `main.main` changes for the whole process: loguru's sinks (it replaces them
    with one on the stderr of the moment), the clock log lines are stamped with, the standard
    logging it routes into loguru, and the signal handlers `run` installs."""
    handlers = {signum: signal.getsignal(signum) for signum in HANDLED_SIGNALS}
    root = logging.getLogger()
    root_handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in TUNED_LOGGERS}
    try:
        yield
    finally:
        logger.complete()
        logger.remove()
        # Where loguru logs between programs: whatever stderr is at the moment of each line
        # (pytest swaps it per test), never a stream captured here and closed since.
        logger.add(lambda message: sys.stderr.write(message), level="INFO")  # noqa: PLW0108
        clock_stamp.use(None)
        root.handlers[:] = root_handlers
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def run_main_in_process(*args: str, env: Mapping[str, str] | None = None) -> Ran:
    """`main.py ARGS` as a child would run it (by default with `child_env()`), in this process.

    argparse's exits (`--help`, `--version`, a bad flag) are exit codes here, as in a child."""
    out, err = io.StringIO(), io.StringIO()
    with (
        environment(child_env() if env is None else env),
        program_globals(),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            code = main.main(list(args))
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return Ran(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Exchange:
    """A simulated exchange served from the test's own process, standing for a venue the bot
    connects to (as `tests/process_helpers.standalone_sim` does from a process of its own)."""

    sim: SimExchange
    keys: KeyPair
    llm_url: str

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    def bot_env(self, **extra: str) -> dict[str, str]:
        return account_env(self.keys, self.llm_url, **extra)

    def client(self) -> KalshiClient:
        return account_client(self.base_url, self.keys)


@contextmanager
def exchange_in_process(
    tmp_path: Path, *, seed: int = 3, markets: int = 100, balance: Decimal = Decimal(1000)
) -> Iterator[Exchange]:
    """One account (a fresh key pair) with `balance` dollars on an exchange whose clock stands
    still at the current minute (the bot beside it reads the wall clock), and Claude's local
    fake."""
    keys = make_key_pair(tmp_path)
    config = SimConfig(seed=seed, markets=markets, time_scale=0.0, initial_balance=balance)
    with (
        SimExchange(config) as sim,
        FakeLlmServer(answer=confident_answer) as llm,
    ):
        sim.register_key(keys.key_id, keys.public_key.read_bytes())
        yield Exchange(sim, keys, llm.url)
