"""/healthz's rule (domain.liveness): alive only with a bot running, a recent cycle and no halt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.halts import Halt, HaltCode
from domain.liveness import liveness

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_running_bot_with_a_recent_cycle_and_no_halt_is_healthy() -> None:
    verdict = liveness(True, NOW - MINUTE, (), NOW, 2 * MINUTE)
    assert verdict.ok
    assert verdict.age_seconds == 60


def test_each_failing_condition_is_named() -> None:
    halt = Halt(code=HaltCode.PAUSED, detail="operator", raised_at=NOW)
    verdict = liveness(False, NOW - 3 * MINUTE, (halt,), NOW, 2 * MINUTE)
    assert not verdict.ok
    assert verdict.problems == (
        "no bot is running on this book",
        "the last cycle ended 180 s ago, more than 120 s",
        "trading halted: PAUSED",
    )


def test_no_cycle_yet_is_unhealthy_and_a_heartbeat_ahead_of_the_clock_is_fresh() -> None:
    assert liveness(True, None, (), NOW, MINUTE).problems == (
        "no cycle has completed on this book yet",
    )
    simulated = liveness(True, NOW + timedelta(hours=5), (), NOW, MINUTE)  # the sim's clock
    assert simulated.ok
    assert simulated.age_seconds == 0
