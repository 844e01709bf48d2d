"""The rule /healthz answers by (a watchdog's, a load balancer's or systemd's question: is this
bot alive and trading?). Pure: the caller reads the book and the clock.

Healthy (200) only when all three hold:
- a bot is running on the book (it holds the book's lock);
- its last cycle ended no longer than `max_age` ago (the heartbeat a cycle writes at its end);
- no halt is on (a halted bot is alive but not trading: someone must look).

A book on the embedded simulator runs on the simulator's accelerated clock, ahead of the wall
clock: a heartbeat "in the future" counts as fresh there (age 0), so on the simulator only the
lock and the halts decide.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.base import Frozen
from domain.halts import Halt


class Liveness(Frozen):
    running: bool
    last_cycle_at: datetime | None
    age_seconds: float | None  # None: no cycle yet
    max_age_seconds: float
    halts: tuple[Halt, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def liveness(
    running: bool,
    last_cycle_at: datetime | None,
    halts: tuple[Halt, ...],
    now: datetime,
    max_age: timedelta,
) -> Liveness:
    problems = []
    if not running:
        problems.append("no bot is running on this book")
    age = None if last_cycle_at is None else max((now - last_cycle_at).total_seconds(), 0.0)
    if age is None:
        problems.append("no cycle has completed on this book yet")
    elif age > max_age.total_seconds():
        problems.append(
            f"the last cycle ended {age:.0f} s ago, more than {max_age.total_seconds():.0f} s"
        )
    if halts:
        problems.append("trading halted: " + ", ".join(h.code.value for h in halts))
    return Liveness(
        running=running,
        last_cycle_at=last_cycle_at,
        age_seconds=age,
        max_age_seconds=max_age.total_seconds(),
        halts=halts,
        problems=tuple(problems),
    )
