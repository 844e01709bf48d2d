"""`pm-trader evaluate`: the bot against baselines on the embedded simulator.

`--scenario NAME --seeds N --cycles N [--execution-modes] [--json]`; a progress display on stderr
while it runs, then a table (or a JSON list, one object per strategy, and with `--execution`
one per execution mode) on stdout. Nothing touches a venue or a
book: each seed is a fresh simulator at time scale 0 started at a pinned time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from loguru import logger
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from commands.base import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from commands.report import money_text, score_text
from commands.views import new_table
from domain.evaluation import StrategyResult
from domain.execution_modes import ExecutionResult
from domain.forecasting import Forecaster
from domain.money import CENT
from infra.settings import ConfigError, Settings
from infra.sim.cli import add_price_flags, price_options
from services.evaluation import (
    DEFAULT_CYCLES,
    DEFAULT_START,
    EvaluationPlan,
    EvaluationReport,
    evaluate_report,
)
from services.evaluation_forecaster import EvaluationFailed, LlmViews, configured_forecaster

RATIO = Decimal("0.0001")
LIMITS = (
    "Simulated results say how a strategy does against this simulator's price model, not against"
    " real markets: the simulator decides who knows what (see --scenario). Expected P&L is"
    " measured against the simulator's hidden fair value; no real venue has one."
)


def dollars(amount: Decimal) -> str:
    """A dollar string to the cent: "-12.35"."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_EVEN):f}"


def _interval(interval: tuple[Decimal, Decimal] | None, money: bool = False) -> list[str] | None:
    if interval is None:
        return None
    return [dollars(v) if money else str(v) for v in interval]


def as_json(result: StrategyResult) -> dict[str, Any]:
    """One strategy as a JSON object: scores as strings, money as dollar strings."""
    return {
        "strategy": result.strategy,
        "scenario": result.scenario,
        "seeds": result.runs,
        "markets": result.markets,
        "events": result.events,
        "trades": result.trades,
        "exits": result.exits,  # sales by the exit rule (bot+exits), not counted in trades
        "brier_skill": None if result.brier_skill is None else str(result.brier_skill),
        "brier_skill_ci": _interval(result.brier_skill_ci),
        "log_loss_gain": None if result.log_loss_gain is None else str(result.log_loss_gain),
        "log_loss_gain_ci": _interval(result.log_loss_gain_ci),
        "realised_pnl": dollars(result.realised_pnl),
        "realised_pnl_ci": _interval(result.realised_pnl_ci, money=True),
        "expected_pnl": dollars(result.expected_pnl),
        "expected_pnl_ci": _interval(result.expected_pnl_ci, money=True),
        "contracts": f"{result.contracts:f}",
        "realised_less_expected_ci": _interval(result.luck_ci, money=True),
        "edge_markouts": result.edge_markouts,
        "edge_per_contract": None if result.edge is None else str(result.edge),
        "edge_per_contract_ci": _interval(result.edge_ci),
        "kelly_scale": None if result.kelly_scale is None else str(result.kelly_scale),
        "detection_power": (
            None if result.detection_power is None else str(result.detection_power)
        ),
    }


def execution_json(result: ExecutionResult) -> dict[str, Any]:
    """One execution mode as a JSON object: ratios as strings, money as dollar strings."""

    def ratio(value: Decimal | None) -> str | None:
        return None if value is None else f"{value.quantize(RATIO):f}"

    def ratios(interval: tuple[Decimal, Decimal] | None) -> list[str] | None:
        return None if interval is None else [f"{v.quantize(RATIO):f}" for v in interval]

    return {
        "execution_mode": result.mode,
        "scenario": result.scenario,
        "orders": result.orders,
        "trades": result.trades,
        "contracts_ordered": f"{result.ordered:f}",
        "contracts_filled": f"{result.contracts:f}",
        "fill_rate": ratio(result.fill_rate),
        "fill_rate_ci": ratios(result.fill_rate_ci),
        "fees_per_contract": ratio(result.fees_per_contract),
        "fees_per_contract_ci": ratios(result.fees_per_contract_ci),
        "expected_pnl": dollars(result.expected_pnl),
        "expected_pnl_ci": _interval(result.expected_pnl_ci, money=True),
        "adverse_selection": ratio(result.adverse_selection),
        "adverse_selection_ci": ratios(result.adverse_selection_ci),
    }


def _ratio_text(value: Decimal | None, interval: tuple[Decimal, Decimal] | None) -> str:
    if value is None:
        return "-"
    text = f"{value:.4f}"
    return text if interval is None else f"{text} [{interval[0]:.4f}, {interval[1]:.4f}]"


def render_execution(results: Sequence[ExecutionResult], console: Console) -> None:
    """The bot's execution modes side by side (domain.execution_modes)."""
    table = new_table(
        "Execution modes: the bot's views placed as taker or maker orders",
        caption="Brackets: 95% intervals clustered by event. Fees and adverse selection are"
        " dollars per contract filled; adverse selection is the fair value's move against the"
        " side bought from the order's placement to the cycle after its fill.",
    )
    for column in ("mode", "orders", "filled", "fill rate", "fees/contract"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    table.add_column("expected P&L", justify="right")
    table.add_column("adverse selection", justify="right")
    for r in results:
        table.add_row(
            r.mode,
            str(r.orders),
            f"{r.contracts.normalize():f}",
            _ratio_text(r.fill_rate, r.fill_rate_ci),
            _ratio_text(r.fees_per_contract, r.fees_per_contract_ci),
            money_text(r.expected_pnl, r.expected_pnl_ci),
            _ratio_text(r.adverse_selection, r.adverse_selection_ci),
        )
    console.print(table)


def render(results: Sequence[StrategyResult], plan: EvaluationPlan, console: Console) -> None:
    render_strategies(
        results,
        console,
        title=f"Evaluation: scenario {plan.scenario}, {plan.seeds} seeds x {plan.cycles} cycles",
        caption="Brackets: 95% intervals clustered by event. Skill is against the Kalshi mid."
        " Expected P&L is against the hidden fair value when each trade was made.",
    )
    render_evidence(results, console)
    console.print(LIMITS)


def render_evidence(results: Sequence[StrategyResult], console: Console) -> None:
    """The evidence that sizes Kelly (domain.markout) for each strategy with views."""
    table = new_table(
        "Evidence for sizing: trades marked to the Kalshi mid an hour later",
        caption="Markout a contract, 95% interval clustered by event. Kelly scale: what the"
        " bot's policy gives that record (llm.*_kelly_*). Power: the share of seeds whose"
        " evidence alone is above zero.",
    )
    for column in ("strategy", "markouts", "markout a contract", "Kelly scale", "power"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for r in results:
        if r.kelly_scale is None:
            continue  # no views: an adversary
        table.add_row(
            r.strategy,
            str(r.edge_markouts),
            score_text(r.edge, r.edge_ci),
            f"{r.kelly_scale:.2f}",
            "-" if r.detection_power is None else f"{r.detection_power:.2f}",
        )
    console.print(table)


def render_strategies(
    results: Sequence[StrategyResult],
    console: Console,
    *,
    title: str,
    caption: str,
    expected: str = "expected P&L",
) -> None:
    """The strategies side by side: skill and P&L with their intervals (`expected` names the
    column of P&L against the reference value each trade was made at)."""
    table = new_table(title, caption=caption)
    for column in ("strategy", "markets", "trades", "Brier skill", "log-loss gain"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    table.add_column("realised P&L", justify="right")
    table.add_column(expected, justify="right")
    for r in results:
        table.add_row(
            r.strategy,
            str(r.markets),
            f"{r.trades} ({r.exits} sold)" if r.exits else str(r.trades),
            score_text(r.brier_skill, r.brier_skill_ci),
            score_text(r.log_loss_gain, r.log_loss_gain_ci),
            money_text(r.realised_pnl, r.realised_pnl_ci),
            money_text(r.expected_pnl, r.expected_pnl_ci),
        )
    console.print(table)


def run_evaluation(
    settings: Settings,
    plan: EvaluationPlan,
    console: Console,
    *,
    as_json_list: bool,
    forecaster: Forecaster | LlmViews | None = None,
) -> EvaluationReport:
    """Evaluate with a progress bar on stderr's console; print the table or the JSON list."""
    started = time.perf_counter()
    status = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=status, transient=True) as progress:
        task = progress.add_task(f"evaluating {plan.scenario}", total=plan.seeds * plan.cycles)

        def step(seed: int, cycle: int) -> None:
            progress.update(task, advance=1, description=f"seed {seed}, cycle {cycle}")

        report = evaluate_report(settings, plan, step, forecaster)
    elapsed = time.perf_counter() - started
    if as_json_list:
        listed = [as_json(r) for r in report.strategies]
        listed += [execution_json(r) for r in report.execution]
        sys.stdout.write(json.dumps(listed, indent=2) + "\n")
    else:
        render(report.strategies, plan, console)
        if report.execution:
            render_execution(report.execution, console)
    if report.links is not None:
        status.print(report.links.describe(settings.polymarket.min_opinion_confidence))
    status.print(f"evaluated in {elapsed:.1f} s")
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=5, help="simulated worlds (default 5)")
    parser.add_argument("--cycles", type=int, help=f"cycles per world (default {DEFAULT_CYCLES})")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.add_argument(
        "--adversaries",
        action="store_true",
        help="also play the strategies with no information (random side, longshot, favourite,"
        " mean reversion, momentum, a quote-error estimator, a passive maker); slower",
    )
    parser.add_argument(
        "--execution-modes",
        action="store_true",
        help="also compare the bot's execution modes: its views as taker orders and as maker"
        " orders resting on the simulator's matching (fill rate, fees, adverse selection)",
    )
    parser.add_argument(
        "--markets-per-seed", type=int, default=150, help="open markets per world (default 150)"
    )
    parser.add_argument(
        "--cycle-minutes", type=float, default=60.0, help="simulated minutes between cycles"
    )
    add_price_flags(parser)


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    if options.seeds < 1 or options.markets_per_seed < 1 or options.cycle_minutes <= 0:
        logger.error("--seeds and --markets-per-seed must be at least 1, --cycle-minutes above 0")
        return EXIT_CONFIG
    try:
        settings = settings.with_sim(**price_options(options))
    except ConfigError as exc:
        logger.error("{}", exc)
        return EXIT_CONFIG
    plan = EvaluationPlan(
        scenario=settings.sim.scenario,
        seeds=options.seeds,
        cycles=settings.cycles or DEFAULT_CYCLES,
        cycle_minutes=options.cycle_minutes,
        markets=options.markets_per_seed,
        start_time=settings.sim.start_time or DEFAULT_START,
        adversaries=options.adversaries,
        execution=options.execution_modes,
    )
    forecaster = configured_forecaster(settings)  # no key for a configured LLM: exit 2
    logger.info("the bot forecasts with {}", forecaster.label)
    try:
        run_evaluation(settings, plan, console, as_json_list=options.json, forecaster=forecaster)
        if isinstance(forecaster, LlmViews):
            forecaster.finish()
    except EvaluationFailed as exc:
        logger.error("{}", exc)
        return EXIT_FAILURE
    finally:
        if isinstance(forecaster, LlmViews):
            forecaster.close()
    return EXIT_OK
