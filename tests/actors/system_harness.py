"""A real trading system on a real simulator and a real SQLite file, with sim time frozen.

The simulator's clock does not move on its own here (`scale_clock` is constant): a test moves
it with `sim.advance(...)`, so market closes and settlements happen exactly when it says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from actors.analyst import LlmForecasting
from actors.faults import FaultPlan
from actors.supervisor import RestartPolicy
from actors.system import TradingSystem
from domain.ledger import LedgerCheck, check
from domain.messages import CycleStats
from domain.models import Execution, Position
from infra.db.migrate import migrate
from infra.db.repository import Database
from infra.settings import Settings, load_settings
from infra.sim import SimExchange
from infra.venue import Venue, connect
from tests.infra.sim.helpers import START

CYCLE_TIMEOUT = 30.0


@dataclass
class Harness:
    settings: Settings
    system: TradingSystem
    venue: Venue
    path: Path

    @property
    def sim(self) -> SimExchange:
        assert self.venue.sim is not None
        return self.venue.sim

    @property
    def key_id(self) -> str:
        assert self.venue.client.signer is not None
        return self.venue.client.signer.key_id

    def cycle(self, number: int) -> CycleStats:
        stats = self.system.run_cycle(number, CYCLE_TIMEOUT)
        assert stats is not None, f"cycle {number} did not complete"
        return stats

    def venue_balance(self) -> Decimal:
        return self.sim.balance(self.key_id)

    def read(self) -> tuple[LedgerCheck, list[Position], list[Execution]]:
        with Database.open(self.path) as db, db.read() as repo:
            return (
                check(repo.ledger_entries()),
                repo.all_positions(),
                repo.executions_with_status(),
            )


def settings_for(path: Path, **overrides: Any) -> Settings:
    return load_settings(venue="sim", db=path, **overrides)


@contextmanager
def running_system(tmp_path: Path, *, reconcile: bool = True, **options: Any) -> Iterator[Harness]:
    """The system of `built_system`, started (and reconciled, unless told not to)."""
    with built_system(tmp_path, **options) as harness:
        harness.system.start()
        if reconcile:
            report = harness.system.reconcile(enable_trading=True)
            assert report.ok, report.error
        yield harness


@contextmanager
def built_system(
    tmp_path: Path,
    *,
    fault_plan: FaultPlan | None = None,
    restart_policy: RestartPolicy | None = None,
    sim_options: dict[str, Any] | None = None,
    llm: LlmForecasting | None = None,
    reconciler_checkpoint: Callable[[str], None] | None = None,
    **overrides: Any,
) -> Iterator[Harness]:
    """A trading system on a simulator and a migrated book, not started (a session starts it);
    stopped at the end."""
    path = tmp_path / "book.db"
    settings = settings_for(path, **overrides)
    migrate(path)
    # These tests are about the machinery, so they need trades: under the default `agree`
    # scenario the offline forecaster rightly finds no edge; the opt-in planted edge gives it one.
    options = {
        "scale_clock": lambda: 0.0,
        "start_time": START,
        "scenario": "polymarket-edge",
        **(sim_options or {}),
    }
    venue = connect(settings, **options)
    system = TradingSystem(
        settings,
        venue,
        path,
        llm=llm,
        fault_plan=fault_plan,
        restart_policy=restart_policy,
        reconciler_checkpoint=reconciler_checkpoint,
    )
    try:
        yield Harness(settings, system, venue, path)
    finally:
        system.stop()
        venue.close()
