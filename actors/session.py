"""A trading session: start the system, reconcile, run cycles until told to stop, then stop.

This is the cycle loop. It stops after `cycles` cycles (None: until `shutting_down` is set by
a signal or an escalation) and waits `interval` seconds between cycles, waking at once on a
stop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loguru import logger

from actors.supervisor import ShutdownRequest
from actors.system import TradingSystem
from domain.messages import CycleStats

CYCLE_TIMEOUT = 300.0


@dataclass(frozen=True)
class Session:
    """What a session did. `startup_error` is set if start-up reconciliation failed, in which
    case no cycle ran and there are no balances to compare."""

    started_at: datetime
    cycles: tuple[CycleStats, ...] = ()
    start_balance: Decimal = Decimal(0)
    end_balance: Decimal = Decimal(0)
    startup_error: str | None = None
    escalation: ShutdownRequest | None = None
    given_up: tuple[int, ...] = ()  # cycles sent that never completed (health failures)

    @property
    def healthy(self) -> bool:
        """No cycle given up, and every part checked healthy in every cycle."""
        return not self.given_up and not any(stats.unhealthy for stats in self.cycles)


def run_session(
    system: TradingSystem,
    cycles: int | None,
    interval: float,
    cycle_timeout: float = CYCLE_TIMEOUT,
    before_cycle: Callable[[int], None] | None = None,
    after_cycle: Callable[[int], None] | None = None,
) -> Session:
    """`before_cycle(n)`, if given, runs before cycle n is sent (a replay sets its clock);
    `after_cycle(n)` once it is done or given up (the Notifier looks at the book)."""
    events = system.events
    started_at = system.clock.now()
    system.start()
    done: list[CycleStats] = []
    given_up: list[int] = []
    try:
        start_balance = system.balance()
        report = system.reconcile(enable_trading=True, starting=True)
        if not report.ok:
            logger.error("start-up reconciliation failed, not trading: {}", report.error)
            return Session(started_at, startup_error=report.error or "unknown")
        system.start_stream()
        number = 0
        while not events.shutting_down.is_set() and (cycles is None or number < cycles):
            number += 1
            if before_cycle is not None:
                before_cycle(number)
            stats = system.run_cycle(number, cycle_timeout)
            if stats is None:
                given_up.append(number)
            else:
                done.append(stats)
                _log_cycle(stats)
            if after_cycle is not None:
                after_cycle(number)
            if cycles is None or number < cycles:
                events.shutting_down.wait(interval)
        end_balance = system.balance()
    finally:
        system.stop()
    escalation = None if events.escalation.empty() else events.escalation.get()
    return Session(
        started_at,
        tuple(done),
        start_balance,
        end_balance,
        escalation=escalation,
        given_up=tuple(given_up),
    )


def _log_cycle(stats: CycleStats) -> None:
    exits = ", ".join(f"{reason} x{n}" for reason, n in stats.exits)
    logger.info(
        "cycle {}: {} markets, {} candidates, {} orders ({} filled, {} partly), {} settled{}",
        stats.cycle,
        stats.markets_scanned,
        stats.candidates,
        stats.orders_placed,
        stats.orders_filled,
        stats.orders_partial,
        stats.settled,
        f"; exits {exits}" if exits else "",
    )
