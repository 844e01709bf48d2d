"""LLM health is visible (issue 12, point 6): an unreachable LLM is a warning, then an error
for each cycle in which every call failed; refused credentials stop analysis with the fix; in
both cases the run's exit code says something went wrong."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.fakes.llm_server import FakeLlmServer, Status
from tests.in_process import run_main_in_process
from tests.process_helpers import SIM_START, child_env


def _env(base_url: str) -> dict[str, str]:
    return child_env(
        PMT_LLM__PROVIDER="anthropic",
        ANTHROPIC_API_KEY="test-key",
        ANTHROPIC_BASE_URL=base_url,
        PMT_LLM__MAX_RETRIES="0",
        PMT_LLM__TIMEOUT="5",
        PMT_SIM__MARKETS="100",
        PMT_SIM__START_TIME=SIM_START,
        PMT_CYCLE_INTERVAL="0.1",
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.timeout(240)
def test_an_unreachable_llm_is_a_warning_then_an_error_and_a_failed_run(tmp_path: Path) -> None:
    env = _env(f"http://127.0.0.1:{_closed_port()}")
    result = run_main_in_process("--cycles", "2", "--db", str(tmp_path / "b.db"), env=env)
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cannot reach the LLM" in line]
    assert len(warnings) == 1, "the first failure warns, once"
    assert " WARNING " in warnings[0]
    assert "ANTHROPIC_BASE_URL" in warnings[0]
    cycle_errors = [line for line in result.stderr.splitlines() if "every LLM call failed" in line]
    assert len(cycle_errors) == 2
    assert all(" ERROR " in line for line in cycle_errors)
    assert "the LLM never answered in this run" in result.stderr


@pytest.mark.timeout(240)
def test_refused_credentials_stop_analysis_with_the_fix_and_fail_the_run(tmp_path: Path) -> None:
    with FakeLlmServer() as fake:
        fake.script(*(Status(401) for _ in range(200)))
        env = _env(fake.url)
        result = run_main_in_process("--cycles", "2", "--db", str(tmp_path / "b.db"), env=env)
        asked = fake.request_count
    assert result.returncode == 1, result.stderr
    refusals = [line for line in result.stderr.splitlines() if "refused our credentials" in line]
    assert refusals, result.stderr
    assert "check ANTHROPIC_API_KEY" in refusals[0]
    assert asked <= 8, "analysis stops: no call after the refusals already in flight"
