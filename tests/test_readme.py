"""The README's commands and configuration example, run and checked as a user would use them.

Every command in a ```sh block of the README is run here (a long-running one with a bounded
`--cycles`, a fixed port replaced by a free one); the TOML example is the settings' defaults.
`pm-trader` commands call the entry point in process (tests/in_process.py) in the directory a
user would run them from; the key generator and the standalone simulator run as the processes
the README starts.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from contextlib import chdir
from pathlib import Path

import pytest

from infra.settings import load_settings
from infra.settings_example import defaults_toml
from tests.in_process import Ran, exchange_in_process, run_main_in_process
from tests.process_helpers import (
    PYTHON,
    ROOT,
    SIM_START,
    Child,
    child_env,
)

README = (ROOT / "README.md").read_text()


def shell_commands() -> list[str]:
    """Each command of the README's ```sh blocks, continuation lines joined, comments cut."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command:
                commands.append(re.sub(r"\s+", " ", command))
    return commands


def argv_of(command: str) -> tuple[dict[str, str], list[str]]:
    """The environment assignments and the argv, with the venv's programs made this Python."""
    words = shlex.split(command)
    env = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    program = {
        ".venv/bin/python": [PYTHON],
        ".venv/bin/pm-trader": [PYTHON, str(ROOT / "main.py")],
    }[words[0]]
    return env, program + words[1:]


def test_the_toml_example_is_every_default_and_loads_back_to_them(tmp_path: Path) -> None:
    [example] = re.findall(r"```toml\n(.*?)```", README, re.DOTALL)
    assert example == defaults_toml(), (
        "README's TOML example is stale: paste the output of `pm-trader config --defaults`"
    )
    config = tmp_path / "defaults.toml"
    config.write_text(example)
    assert load_settings(config) == load_settings()


@pytest.mark.timeout(240)
def test_the_make_targets_run_the_program_and_the_suite(tmp_path: Path) -> None:
    assert shell_commands()[:2] == ["make run", "make test"]
    dry = subprocess.run(
        ["make", "-n", "run", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert ".venv/bin/python main.py --cycles 6" in dry.stdout
    assert ".venv/bin/python -m pytest" in dry.stdout
    # `make run` itself: the same program and arguments, on a smaller, faster simulator.
    result = run_main_in_process(
        "--cycles",
        "6",
        "--db",
        str(tmp_path / "book.db"),
        env=child_env(
            PMT_SIM__MARKETS="60", PMT_CYCLE_INTERVAL="0.1", PMT_SIM__START_TIME=SIM_START
        ),
    )
    assert result.returncode == 0, result.stderr
    assert "6 cycle(s)" in result.stdout


def _in(directory: Path, argv: list[str]) -> list[str]:
    """The README's relative key file names, as files in `directory` (the sim runs elsewhere)."""
    return [str(directory / word) if word.endswith(".pem") else word for word in argv]


def _pm_trader(argv: list[str], env: dict[str, str], cwd: Path) -> Ran:
    """A README `pm-trader` command, run in `cwd`; it must succeed."""
    assert argv[:2] == [PYTHON, str(ROOT / "main.py")], argv
    with chdir(cwd):
        result = run_main_in_process(*argv[2:], env=child_env(**env))
    assert result.returncode == 0, result.stderr
    return result


def _one_cycle(argv: list[str], env: dict[str, str], cwd: Path) -> Ran:
    """A README bot command run for one cycle in `cwd`; it must succeed."""
    return _pm_trader([*argv, "--cycles", "1"], env, cwd)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_standalone_simulator_steps(tmp_path: Path) -> None:
    keygen, simulator, trader = shell_commands()[2:5]
    env, argv = argv_of(keygen)
    made = subprocess.run(
        argv,
        cwd=tmp_path,
        env=child_env(PYTHONPATH=str(ROOT), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "my-key.pem").exists()
    assert (tmp_path / "my-key.pub.pem").exists()
    env, argv = argv_of(simulator.replace("--port 8800", "--port 0"))
    sim = Child(_in(tmp_path, argv), child_env(**env), "sim")
    try:
        url = sim.wait_stdout(r"^http://", timeout=30).strip()
        port = url.split(":")[2].split("/")[0]
        env, argv = argv_of(trader.replace("http://127.0.0.1:8800/trade-api/v2", url))
        env["KALSHI_PRIVATE_KEY_PATH"] = str(tmp_path / env["KALSHI_PRIVATE_KEY_PATH"])
        ran = _pm_trader([*argv, "--cycles", "3"], env, tmp_path)
        assert (tmp_path / "data" / f"pm-trader-sim-127.0.0.1-{port}.db").exists()
        # Whether it trades depends on the simulator's prices at that moment (the date): a
        # verdict may not. What the recipe guarantees: every cycle scans markets and links
        # candidates to Polymarket's planted prices in the first.
        cycles = re.findall(r"cycle \d+: (\d+) markets, (\d+) candidates", ran.stderr)
        assert len(cycles) == 3, ran.stderr
        assert all(int(markets) > 0 for markets, _ in cycles), ran.stderr
        assert re.search(r"scanned \d+ markets: \d+ candidates \([1-9]\d* linked", ran.stderr)
    finally:
        sim.close()


@pytest.mark.timeout(240)
def test_the_paper_trading_step(tmp_path: Path) -> None:
    """Paper trading on a simulator's prices (the standalone one's steps are tested above; here
    it is served from the test's process): no key anywhere, and Polymarket's listing from the
    same simulator (the offline forecaster's second opinion)."""
    (paper,) = shell_commands()[5:6]
    with exchange_in_process(tmp_path) as sim:
        port = sim.base_url.split(":")[2].split("/")[0]
        env, argv = argv_of(paper.replace("http://127.0.0.1:8800/trade-api/v2", sim.base_url))
        result = _one_cycle(argv, env, tmp_path)
        assert re.search(r"\([1-9]\d* linked to Polymarket\)", result.stderr), result.stderr
        assert (tmp_path / "data" / f"pm-trader-paper-127.0.0.1-{port}.db").exists()
        assert (tmp_path / "data" / f"pm-trader-paper-127.0.0.1-{port}-book.db").exists()


@pytest.mark.timeout(240)
def test_the_replay_steps(tmp_path: Path) -> None:
    """A recorded session on the simulator, then its replay into a book of its own."""
    session, replay = shell_commands()[6:8]
    env = {"PMT_SIM__START_TIME": SIM_START, "PMT_CYCLE_INTERVAL": "0.5"}
    for command in (session, replay):
        extra, argv = argv_of(command)
        result = _pm_trader(argv, {**env, **extra}, tmp_path)
    assert "Replay against the baselines" in result.stdout
    assert (tmp_path / "data" / "replay.db").exists()


def test_every_readme_command_is_covered_here() -> None:
    """A new README command needs its test in this module."""
    assert len(shell_commands()) == 8, shell_commands()


@pytest.mark.timeout(240)
def test_the_inline_commands_answer() -> None:
    for args in (["--help"], ["--version"], ["status", "--help"], ["config", "--defaults"]):
        result = run_main_in_process(*args)
        assert result.returncode == 0, (args, result.stderr)
