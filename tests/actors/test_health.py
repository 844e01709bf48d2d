"""A step that silently does nothing is a failure, said loudly (issue 18 point 4, issue 21 point 3).

The real system on the simulator, in process: market pages whose every record fails to parse
(the simulator's `unparsable_markets` fault: what real Kalshi data did to the scanner, which said
"scanned 0 markets: 0 candidates" and exited 0), Polymarket linking nothing while Kalshi lists
markets, every LLM call failing (the fake provider refuses), and a cycle given up (a stage
crashes mid-cycle). Each: one ERROR naming the part, the field and the count; the part unhealthy
in the book where `status` reads it, with when it was last healthy; the cycle's figures carry it
to the run report, and the bounded run's session is unhealthy (its exit code: test_process_health).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actors.analyst import LlmForecasting
from actors.faults import FaultPlan
from actors.session import run_session
from domain.costs import ModelPrice
from domain.health import Part
from domain.messages import AnalyzeCandidates
from infra.llm import ClaudeProvider
from services.status_data import read_status, status_object
from tests.actors.system_harness import Harness, built_system, running_system
from tests.fakes.llm_server import FakeLlmServer, Status
from tests.logs import capture_logs

SMALL = {"sim": {"markets": 40}, "scanner": {"max_candidates": 4}}


def health(h: Harness) -> dict[str, Any]:
    """`status --json`'s health, as an operator reads it."""
    found: dict[str, Any] = json.loads(json.dumps(status_object(read_status(h.path))))["health"]
    return found


def part(h: Harness, name: Part) -> dict[str, Any]:
    [found] = [p for p in health(h)["parts"] if p["part"] == name.value]
    return found


def errors(lines: list[str]) -> list[str]:
    return [line.rstrip("\n") for line in lines if line.startswith("health: ")]


def test_market_pages_that_all_fail_to_parse_are_an_unhealthy_scan(tmp_path: Path) -> None:
    with running_system(tmp_path, **SMALL) as h:
        healthy = h.cycle(1)
        assert healthy.unhealthy == ()
        assert health(h)["ok"] is True
        h.sim.faults.unparsable_markets = 1.0
        with capture_logs("ERROR") as lines:
            stats = h.cycle(2)
        assert stats.markets_scanned == 0
        [line] = errors(lines)
        listed = healthy.markets_scanned  # every one served, none kept
        assert line == (
            f"health: scanner unhealthy in cycle 2: {listed} of {listed} market records"
            f" quarantined (field yes_bid_dollars x{listed})"
        )
        [check] = stats.unhealthy
        assert check.part is Part.SCANNER
        scanner = part(h, Part.SCANNER)
        assert health(h)["ok"] is False
        assert scanner["healthy"] is False
        assert scanner["problem"] == check.problem
        assert scanner["cycle"] == 2
        assert scanner["last_healthy_at"] is not None, "cycle 1 was healthy"

        h.sim.faults.unparsable_markets = 0.0
        assert h.cycle(3).unhealthy == ()
        assert health(h)["ok"] is True


@pytest.mark.parametrize("share", [0.1, 0.2])
def test_a_few_odd_records_are_tolerated_up_to_the_threshold(tmp_path: Path, share: float) -> None:
    """`scanner.max_quarantined_share` 0.1 of 40: 4 odd markets pass, 8 do not."""
    with running_system(tmp_path, **SMALL) as h:
        h.sim.faults.update(unparsable_markets=share)
        stats = h.cycle(1)
        assert stats.markets_scanned > 0
        assert bool(stats.unhealthy) is (share > 0.1)


def empty_gamma(h: Harness) -> None:
    with h.sim.exchange.synced() as exchange:
        exchange.gamma.markets.clear()
        exchange.gamma.by_ticker.clear()


@pytest.mark.parametrize(
    ("sim", "change", "problem"),
    [
        ({"gamma_link_fraction": 0.0}, None, "linked 0 of {n} Kalshi markets to"),
        ({}, empty_gamma, "linked 0 of {n} Kalshi markets: Polymarket listed no market"),
    ],
    ids=["all-unlinkable", "gamma-empty"],
)
def test_linking_nothing_while_kalshi_lists_markets_is_unhealthy(
    tmp_path: Path, sim: dict[str, Any], change: Any, problem: str
) -> None:
    with running_system(tmp_path, sim_options=sim, **SMALL) as h:
        if change is not None:
            change(h)
        with capture_logs("ERROR") as lines:
            stats = h.cycle(1)
        assert stats.markets_scanned > 0
        assert stats.linked == 0
        expected = problem.format(n=stats.markets_scanned)
        [line] = errors(lines)
        assert line.startswith("health: linking unhealthy in cycle 1: " + expected)
        assert [c.part for c in stats.unhealthy] == [Part.LINKING]
        assert part(h, Part.LINKING)["problem"].startswith(expected)
        assert part(h, Part.LINKING)["last_healthy_at"] is None
        assert part(h, Part.SCANNER)["healthy"] is True


def test_the_planted_links_are_a_healthy_second_opinion(tmp_path: Path) -> None:
    with running_system(tmp_path, **SMALL) as h:
        stats = h.cycle(1)
        assert stats.linked > 0
        assert part(h, Part.LINKING)["healthy"] is True


@pytest.fixture
def refusing() -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as server:
        server.script(*(Status(500, retry_after=None) for _ in range(100)))
        yield server


def test_every_llm_call_failing_is_an_unhealthy_llm(
    tmp_path: Path, refusing: FakeLlmServer
) -> None:
    provider = ClaudeProvider(
        "claude-sonnet-5-5", 200, None, api_key="k", base_url=refusing.url, max_retries=0
    )
    llm = LlmForecasting(provider=provider, price=ModelPrice(input=1, output=1))
    with running_system(tmp_path, llm=llm, **SMALL) as h, capture_logs("ERROR") as lines:
        stats = h.cycle(1)
    assert stats.candidates > 0
    assert stats.forecasts == 0
    [line] = errors(lines)
    calls = refusing.request_count
    assert line == (
        f"health: llm unhealthy in cycle 1: every LLM call failed (LLM_FAILED x{calls}):"
        f" {calls} calls, no forecast"
    )
    assert [c.part for c in stats.unhealthy] == [Part.LLM]
    assert part(h, Part.LLM)["healthy"] is False


def test_a_given_up_cycle_is_unhealthy_and_the_session_says_so(tmp_path: Path) -> None:
    plan = FaultPlan()
    plan.crash_on("analyst", AnalyzeCandidates)
    with built_system(tmp_path, fault_plan=plan, **SMALL) as h:
        with capture_logs("ERROR") as lines:
            session = run_session(h.system, cycles=2, interval=0)
        assert session.given_up == (1,)
        assert [s.cycle for s in session.cycles] == [2]
        assert session.healthy is False
        [line] = errors(lines)
        assert line == (
            "health: cycle unhealthy in cycle 1: the cycle was given up: the analyst restarted"
            " mid-cycle (1 given up in this run)"
        )
        cycle = part(h, Part.CYCLE)  # cycle 2 completed: healthy again, and when
        assert (cycle["healthy"], cycle["cycle"]) == (True, 2)
        assert cycle["last_healthy_at"] == cycle["checked_at"]
