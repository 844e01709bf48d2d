"""`python -m infra.sim` runs standalone, prints its URL, and exits 0 on SIGTERM."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.infra.sim.helpers import KalshiAuth, public_pem

ROOT = Path(__file__).resolve().parents[3]


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """Poll stdout for the first line, with a deadline (a readiness wait, not a sleep)."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                return process.stdout.readline().strip()
            assert process.poll() is None, "the sim exited early"
    finally:
        selector.close()
    raise AssertionError("the sim printed no URL in time")


@pytest.mark.slow
def test_standalone_server(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(public_pem(rsa_key))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.sim",
            "--port",
            "0",
            "--seed",
            "3",
            "--markets",
            "30",
            "--key-id",
            "cli-key",
            "--public-key",
            str(key_file),
            "--error-rate",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = _read_line(process, timeout=20.0)
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/trade-api/v2")
        status = requests.get(base_url + "/exchange/status", timeout=5)
        assert status.json()["exchange_active"] is True
        balance = requests.get(
            base_url + "/portfolio/balance", auth=KalshiAuth("cli-key", rsa_key), timeout=5
        )
        assert balance.json()["balance_dollars"] == "1000.0000"
        faults = requests.get(base_url.removesuffix("/trade-api/v2") + "/_sim/faults", timeout=5)
        assert faults.json()["error_rate"] == 0.0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
