"""The program as a user runs it, against a venue whose market objects it cannot parse (issue 18
point 4): today's real Kalshi data was all quarantined, and the run said "scanned 0 markets:
0 candidates" and exited 0. Now each cycle logs one ERROR, the run report says the run was
unhealthy, the bounded run exits 1, and `status --json` shows the part and why.

The in-process tests (tests/actors/test_health.py) cover every part; this one is the exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.process_helpers import run_main, standalone_sim


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_bounded_run_on_unparsable_markets_exits_1_and_status_says_why(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    with standalone_sim(tmp_path, "--unparsable-markets", "1", markets=30) as sim:
        args = ("--venue", "sim", "--cycles", "2", "--exchange-url", sim.base_url, "--db", str(db))
        result = run_main(*args, env=sim.bot_env(PMT_CYCLE_INTERVAL="0.1"))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "health: scanner unhealthy" in line]
    assert len(errors) == 2, "one ERROR a cycle"
    assert all(" ERROR " in line for line in errors)
    assert "market records quarantined (field yes_bid_dollars x" in errors[0]
    assert "Health: UNHEALTHY" in result.stdout
    assert "scanner: unhealthy in 2 of 2 cycle(s)" in result.stdout

    status = run_main("status", "--json", "--db", str(db))
    assert status.returncode == 0, status.stderr
    health = json.loads(status.stdout)["health"]
    assert health["ok"] is False
    [scanner] = [p for p in health["parts"] if p["part"] == "scanner"]
    assert scanner["healthy"] is False
    assert "quarantined (field yes_bid_dollars" in scanner["problem"]
    assert scanner["last_healthy_at"] is None
    text = run_main("status", "--db", str(db)).stdout
    assert "UNHEALTHY" in text
    assert "last healthy never" in text
