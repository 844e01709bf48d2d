"""A lost cycle marker never stalls the bot (issue 10, point 5).

A pipeline stage that crashes mid-cycle is restarted by the supervisor; the cycle it was
carrying is given up at once (the restart is the event), and the next cycle runs on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.faults import FaultPlan
from domain.messages import AnalyzeCandidates, EndOfCycle, Message, RunCycle
from tests.actors.system_harness import running_system

SMALL = {"sim": {"markets": 40}, "polymarket": {"enabled": False}}
PATIENCE = 300.0  # the whole cycle timeout: longer than the test's own, so waiting it out fails


@pytest.mark.parametrize(
    ("actor", "message"),
    [("scanner", RunCycle), ("analyst", AnalyzeCandidates), ("reconciler", EndOfCycle)],
)
def test_a_stage_restarted_mid_cycle_gives_the_cycle_up_at_once(
    tmp_path: Path, actor: str, message: type[Message]
) -> None:
    plan = FaultPlan()
    plan.crash_on(actor, message)
    with running_system(tmp_path, fault_plan=plan, **SMALL) as h:
        assert h.system.run_cycle(1, PATIENCE) is None
        assert h.cycle(2).markets_scanned > 0  # the next cycle runs, on the restarted stage


def test_a_restart_between_cycles_loses_nothing(tmp_path: Path) -> None:
    plan = FaultPlan()
    plan.crash_on("scanner", RunCycle)
    with running_system(tmp_path, fault_plan=plan, **SMALL) as h:
        h.system.run_cycle(1, PATIENCE)  # lost, and the restart reported for cycle 1 only
        assert h.cycle(2).cycle == 2
        assert h.cycle(3).cycle == 3
