"""`pm-trader evaluate`: the bot against baselines on the embedded simulator.

`--scenario NAME --seeds N --cycles N [--json]`; a progress display on stderr while it runs,
then a table (or a JSON list, one object per strategy) on stdout. Nothing touches a venue or a
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
from domain.forecasting import Forecaster
from domain.money import CENT
from infra.settings import ConfigError, Settings
from infra.sim.cli import add_price_flags, price_options
from services.evaluation import DEFAULT_CYCLES, DEFAULT_START, EvaluationPlan, evaluate
from services.evaluation_forecaster import EvaluationFailed, LlmViews, configured_forecaster

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
    }


def render(results: Sequence[StrategyResult], plan: EvaluationPlan, console: Console) -> None:
    render_strategies(
        results,
        console,
        title=f"Evaluation: scenario {plan.scenario}, {plan.seeds} seeds x {plan.cycles} cycles",
        caption="Brackets: 95% intervals clustered by event. Skill is against the Kalshi mid."
        " Expected P&L is against the hidden fair value when each trade was made.",
    )
    console.print(LIMITS)


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
            str(r.trades),
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
) -> list[StrategyResult]:
    """Evaluate with a progress bar on stderr's console; print the table or the JSON list."""
    started = time.perf_counter()
    status = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=status, transient=True) as progress:
        task = progress.add_task(f"evaluating {plan.scenario}", total=plan.seeds * plan.cycles)

        def step(seed: int, cycle: int) -> None:
            progress.update(task, advance=1, description=f"seed {seed}, cycle {cycle}")

        results = evaluate(settings, plan, step, forecaster)
    elapsed = time.perf_counter() - started
    if as_json_list:
        sys.stdout.write(json.dumps([as_json(r) for r in results], indent=2) + "\n")
    else:
        render(results, plan, console)
    status.print(f"evaluated in {elapsed:.1f} s")
    return results


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
