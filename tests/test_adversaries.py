"""The adversary suite at the size CI affords (issue 22; the full size is bench/adversary.py).

Strategies with no information (domain.adversaries) play every quoted market of a small world
under `agree`: none may show an expected P&L above zero, and each one's realised P&L must agree
with its expected P&L. A pure function of the seed and the pinned start: no luck involved.
"""

from __future__ import annotations

import pytest

from domain.adversaries import ADVERSARIES
from domain.evaluation import VIEW_STRATEGIES, StrategyResult
from infra.settings import load_settings
from services.evaluation import EvaluationPlan, evaluate

PLAN = EvaluationPlan(scenario="agree", seeds=1, cycles=10, markets=80, adversaries=True)


@pytest.fixture(scope="module")
def suite() -> dict[str, StrategyResult]:
    results = evaluate(load_settings(None), PLAN)
    assert [r.strategy for r in results] == [*VIEW_STRATEGIES, *ADVERSARIES]
    return {r.strategy: r for r in results}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("strategy", ADVERSARIES)
def test_no_adversary_beats_agree(suite: dict[str, StrategyResult], strategy: str) -> None:
    result = suite[strategy]
    assert result.trades >= 10, "the adversary must actually trade to say anything"
    low, high = result.expected_pnl_ci
    assert low <= result.expected_pnl <= high
    assert low <= 0, f"{strategy} beats agree with no information: the simulator's bug"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("strategy", ADVERSARIES)
def test_each_adversarys_realised_pnl_agrees_with_its_expected(
    suite: dict[str, StrategyResult], strategy: str
) -> None:
    result = suite[strategy]
    assert result.agrees, f"{strategy}: realised - expected {result.luck_ci} excludes 0"
