"""Recorded sessions for the replay tests: the real actors on the embedded simulator, its clock
moved an hour between cycles (so markets close and settle), into a real SQLite book."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from actors.analyst import LlmForecasting
from tests.actors.system_harness import running_system
from tests.process_helpers import child_env

SCANNER = {"max_candidates": 8, "cooldown_minutes": 0}
HOUR = 3600.0


def record_session(
    tmp_path: Path, cycles: int, *, llm: LlmForecasting | None = None, **overrides: Any
) -> Path:
    """Run `cycles` cycles, an hour of simulated time apart; returns the recorded book."""
    with running_system(tmp_path, llm=llm, scanner=SCANNER, **overrides) as h:
        for number in range(1, cycles + 1):
            h.cycle(number)
            h.sim.advance(HOUR)
    return h.path


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query).fetchall()


def orders(path: Path) -> list[tuple[Any, ...]]:
    """What each order was and how it ended (its ids and times are the run's own)."""
    return rows(
        path,
        "SELECT ticker, side, limit_price, count, reserved, filled_count, fill_cost, fees, status"
        " FROM executions ORDER BY id",
    )


def ledger(path: Path) -> list[tuple[Any, ...]]:
    """Every balance change in order (the ids of the evidence are the run's own)."""
    return rows(path, "SELECT reason, change, balance, ref_type FROM bankroll_history ORDER BY id")


def scan_times(path: Path) -> list[str]:
    return [ts for (ts,) in rows(path, "SELECT ts FROM recorded_scans ORDER BY ts")]


def ledger_changes(path: Path) -> tuple[list[tuple[Any, ...]], Any]:
    """The balance changes whatever their order, and the final balance: with LLM calls, when
    a call's cost is booked between two order steps depends on the thread timing of the run."""
    entries = ledger(path)
    changes = sorted((reason, change, ref_type) for reason, change, _, ref_type in entries)
    return changes, entries[-1][2]


def replay_env(**extra: str) -> dict[str, str]:
    """The environment of a replay run with the recorded session's settings."""
    return child_env(
        PMT_SCANNER__MAX_CANDIDATES=str(SCANNER["max_candidates"]),
        PMT_SCANNER__COOLDOWN_MINUTES=str(SCANNER["cooldown_minutes"]),
        **extra,
    )
