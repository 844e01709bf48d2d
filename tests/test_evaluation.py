"""Tests that hold the line (issue 11): the simulator cannot flatter the offline strategy.

Every run is a pure function of its seeds and the pinned start time, so these verdicts never
depend on luck, the date or the machine.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from domain.evaluation import VIEW_STRATEGIES, StrategyResult
from infra.settings import load_settings
from services.evaluation import EvaluationPlan, evaluate
from tests.fakes.answers import confident_answer
from tests.fakes.llm_server import FakeLlmServer, Status
from tests.in_process import run_main_in_process
from tests.process_helpers import child_env

SEEDS, CYCLES, MARKETS = 2, 8, 100


def _run(scenario: str, **settings: object) -> dict[str, StrategyResult]:
    plan = EvaluationPlan(scenario=scenario, seeds=SEEDS, cycles=CYCLES, markets=MARKETS)
    results = evaluate(load_settings(None, **settings), plan)
    assert [r.strategy for r in results] == list(VIEW_STRATEGIES)
    return {r.strategy: r for r in results}


def _no_skill(result: StrategyResult) -> None:
    assert result.brier_skill_ci is not None
    assert result.brier_skill_ci[0] <= 0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scenario", ["agree", "kalshi-truth"])
def test_no_edge_is_found_where_there_is_none(scenario: str) -> None:
    """Even trading on any edge at all (min_edge 0, so it does trade), the offline strategy's
    expected P&L against the hidden truth is not above zero, and the placebo shows no skill."""
    # Polymarket three times noisier than the default (still Kalshi's view, no information):
    # the quotes are symmetric about the maker's centre, so at the default noise the linked
    # price rarely clears the half spread and the fee, and the check needs trades.
    results = _run(scenario, risk={"min_edge": "0"}, sim={"polymarket_noise": 0.03})
    bot = results["bot"]
    assert bot.trades > 5
    assert bot.expected_pnl_ci[0] <= 0
    _no_skill(results["placebo"])
    assert results["no-trade"].trades == 0
    assert results["no-trade"].expected_pnl == 0
    assert results["kalshi-mid"].brier_skill == 0  # the market against itself


@pytest.mark.timeout(120)
def test_the_planted_edge_is_detected_and_the_placebo_still_shows_nothing() -> None:
    # A stop on the view, so that exits fire in this small world (bot+exits only).
    results = _run("polymarket-edge", exits={"stop_margin": "0.05"})
    bot = results["bot"]
    assert bot.trades > 5
    assert bot.expected_pnl_ci[0] > 0
    # The offline bot trades the linked price weighed against the mid (domain.evidence). The
    # planted edge is a few cents, well inside risk.max_disagreement, so the bound does not hide
    # it; what the bound refuses (a link whose price is half a dollar from the mid) the raw
    # linked price trades at a loss.
    polymarket = results["polymarket"]
    assert bot.trades <= polymarket.trades
    bot_each, polymarket_each = (
        bot.per_contract(bot.expected_pnl),
        polymarket.per_contract(polymarket.expected_pnl),
    )
    assert bot_each is not None
    assert polymarket_each is not None
    assert bot_each >= polymarket_each  # the weighing sizes down; what it keeps is better
    placebo = results["placebo"]
    _no_skill(placebo)
    assert placebo.expected_pnl_ci[0] <= 0
    # The sizing evidence (domain.markout) sees the edge that Brier skill does not, and the
    # Kelly scale it earns is above the unproven one: the bot bets on it.
    assert bot.edge_ci is not None
    assert bot.edge_ci[0] > 0
    assert bot.kelly_scale is not None
    assert bot.kelly_scale > Decimal("0.25")
    assert bot.detection_power is not None
    assert bot.detection_power > 0
    assert placebo.edge_ci is not None
    assert placebo.edge_ci[0] <= 0

    # Issue 23: the same trades, then sold by the exit rule: its effect is measured here.
    exits = results["bot+exits"]
    assert (exits.trades, exits.contracts) == (bot.trades, bot.contracts)
    assert exits.exits > 0
    assert exits.expected_pnl != bot.expected_pnl


@pytest.mark.timeout(120)
def test_under_kalshi_truth_the_evidence_says_the_bot_loses() -> None:
    """Kalshi's maker quotes the truth: trading on the Polymarket price pays the spread and the
    fee. The markout evidence shows the loss and the policy stops the bets (worse scale)."""
    bot = _run("kalshi-truth")["bot"]
    assert bot.edge_ci is not None
    assert bot.edge_ci[1] < 0
    assert bot.kelly_scale == 0
    assert bot.detection_power == 0


@pytest.mark.timeout(120)
def test_evaluate_command_prints_a_json_list() -> None:
    result = run_main_in_process(
        "evaluate",
        "--scenario",
        "kalshi-truth",
        "--seeds",
        "1",
        "--cycles",
        "2",
        "--markets-per-seed",
        "40",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["strategy"] for row in rows] == list(VIEW_STRATEGIES)
    for row in rows:
        assert row["scenario"] == "kalshi-truth"
        assert {"markets", "trades", "brier_skill", "brier_skill_ci", "expected_pnl"} <= set(row)
        low, high = row["expected_pnl_ci"]
        assert Decimal(low) <= Decimal(row["expected_pnl"]) <= Decimal(high)
        assert row["expected_pnl"].count(".") == 1  # a dollar string, never a float
    assert "evaluated in" in result.stderr


def test_evaluate_refuses_an_unknown_scenario_without_a_traceback() -> None:
    result = run_main_in_process("evaluate", "--scenario", "lucky")
    assert result.returncode == 2
    assert "invalid choice: 'lucky'" in result.stderr
    assert "Traceback" not in result.stderr


EVALUATE_SMALL = ("evaluate", "--scenario", "agree", "--seeds", "1", "--cycles", "2")
SMALL_WORLD = ("--markets-per-seed", "40", "--json")


@pytest.mark.timeout(120)
def test_the_bot_strategy_forecasts_with_the_configured_llm() -> None:
    """Claude (the real SDK) against the local fake, whose every answer is well above the mid
    (within the bound, so it is traded): the `bot` row
    is that forecaster's, not the offline one's (which follows the linked Polymarket price)."""
    with FakeLlmServer(answer=confident_answer) as fake:
        env = child_env(
            PMT_LLM__PROVIDER="anthropic",
            ANTHROPIC_API_KEY="test-key",
            ANTHROPIC_BASE_URL=fake.url,
        )
        result = run_main_in_process(*EVALUATE_SMALL, *SMALL_WORLD, env=env)
        calls = fake.count("/v1/messages")
    assert result.returncode == 0, result.stderr
    rows = {row["strategy"]: row for row in json.loads(result.stdout)}
    assert calls > 0
    assert f"LLM claude:claude-sonnet-5-5: {calls} calls, 0 failed" in result.stderr
    assert rows["bot"]["markets"] > rows["polymarket"]["markets"]  # every candidate is forecast
    assert rows["bot"]["trades"] > 0


def test_evaluate_with_claude_configured_but_no_key_is_a_configuration_error() -> None:
    env = child_env(PMT_LLM__PROVIDER="anthropic")
    result = run_main_in_process(*EVALUATE_SMALL, *SMALL_WORLD, env=env)
    assert result.returncode == 2, result.stderr
    assert "llm.provider is 'anthropic' but ANTHROPIC_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.timeout(120)
def test_evaluate_stops_when_the_llm_refuses_the_key() -> None:
    with FakeLlmServer() as fake:
        fake.script(Status(401))
        env = child_env(
            PMT_LLM__PROVIDER="anthropic", ANTHROPIC_API_KEY="bad", ANTHROPIC_BASE_URL=fake.url
        )
        result = run_main_in_process(*EVALUATE_SMALL, *SMALL_WORLD, env=env)
    assert result.returncode == 2, result.stderr
    assert "refused the credentials" in result.stderr
    assert "Traceback" not in result.stderr
