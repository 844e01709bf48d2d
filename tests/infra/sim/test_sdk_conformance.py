"""Third-party conformance: the official Kalshi SDK (`kalshi-python-sync` 3.34.0) against a real
simulator, each call parsed by the SDK's own pydantic models.

The SDK needs Python >= 3.13 and the project does not, so the test builds its own virtualenv
(`.venv-sdk`, gitignored, reused while its lock is unchanged) with `python3.13 -m venv` and pip,
every package from `sdk-requirements.lock` at its pinned version and hash, then runs
`sdk_conformance.py` in it against a simulator on loopback. Skipped, saying why, only when no
Python 3.13 can be found (`PMT_SDK_PYTHON` names one explicitly).

The simulator runs at time scale 1 with no start time: the one configuration whose clock must
be the wall clock, so the resting order's `expiration_time` (real now + 1 h) is accepted and its
`created_time` lies between the client's readings of the wall clock before and after placing it.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.sim import SimConfig, SimExchange
from infra.sim.keygen import write_key_pair

ROOT = Path(__file__).resolve().parents[3]
SDK_LOCK = Path(__file__).with_name("sdk-requirements.lock")  # the SDK and its dependencies, hashed
VENV = ROOT / ".venv-sdk"
SCRIPT = Path(__file__).with_name("sdk_conformance.py")
# Timestamps are emitted in milliseconds; the CI clock shift anchors a few microseconds apart.
CLOCK_SLACK = 0.01


def _runs_313(python: str) -> bool:
    try:
        probe = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info >= (3, 13))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False
    return probe.returncode == 0 and probe.stdout.strip() == "True"


def find_python313() -> str | None:
    """An interpreter >= 3.13: PMT_SDK_PYTHON, python3.13 on PATH (a pyenv shim may not run),
    then pyenv's and the usual system locations."""
    candidates = [os.environ.get("PMT_SDK_PYTHON") or "", shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[3-9]*/bin/python3")))
    candidates += ["/usr/bin/python3.13", "/usr/local/bin/python3.13"]
    return next((c for c in candidates if c and _runs_313(c)), None)


def sdk_python() -> Path:
    """The SDK venv's interpreter, built once (under a lock: concurrent runs share it)."""
    python = VENV / "bin" / "python"
    locked = hashlib.sha256(SDK_LOCK.read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{locked}"
    with (ROOT / ".venv-sdk.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists():
            return python
        base = find_python313()
        if base is None:
            pytest.skip("no Python 3.13 found (kalshi-python-sync 3.34.0 needs >= 3.13)")
        shutil.rmtree(VENV, ignore_errors=True)
        for command in (
            [base, "-m", "venv", str(VENV)],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--require-hashes",
                "-r",
                str(SDK_LOCK),
            ],
        ):
            done = subprocess.run(command, capture_output=True, text=True, timeout=540, check=False)
            assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr}"
        stamp.touch()
    return python


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first run installs the SDK from PyPI
def test_the_official_sdk_parses_every_served_call(tmp_path: Path) -> None:
    python = sdk_python()
    pair = write_key_pair(tmp_path, "sdk-key")
    unlimited = 1e9
    config = SimConfig(
        seed=7,
        markets=60,
        time_scale=1.0,
        read_rate=unlimited,
        read_burst=unlimited,
        write_rate=unlimited,
        write_burst=unlimited,
    )
    sim = SimExchange(config)
    sim.register_key("sdk-key", pair.public_key.read_bytes())
    sim.start()
    try:
        run = subprocess.run(
            [str(python), str(SCRIPT), sim.base_url, "sdk-key", str(pair.private_key)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        sim.stop()
    assert run.returncode == 0, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    failures = {name: result for name, result in report["calls"].items() if result != "ok"}
    assert not failures, f"{json.dumps(failures, indent=1)}\n{run.stderr[-4000:]}"
    served = {
        "get_exchange_status",
        "get_account_api_limits",
        "get_series_list",
        "get_series",
        "get_markets",
        "get_events",
        "get_market",
        "get_market_orderbook",
        "get_event",
        "get_balance",
        "create_order_v2_take",
        "create_order_v2_rest",
        "get_order",
        "cancel_order_v2",
        "get_orders",
        "get_fills",
        "get_trades",
        "get_positions",
        "get_settlements",
        "unserved_candlesticks",
        "unserved_queue_positions",
    }
    assert served <= set(report["calls"])
    wall = report["wall"]
    before, after = wall["before_rest"], wall["after_rest"]
    assert before - CLOCK_SLACK <= wall["order_created"] <= after + CLOCK_SLACK
