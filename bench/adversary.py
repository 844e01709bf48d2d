"""The adversary suite at full size (issue 22): strategies with no information against the
simulator, per scenario, through `evaluate` (domain.adversaries, services.evaluation).

On `agree` none may have an expected P&L whose interval is above zero, and each one's realised
P&L must agree with its expected P&L (the interval of their difference, clustered by event,
holds 0). The default size resolves 0.5c a contract: the column `±/contract` is the half-width
of the expected P&L's interval per contract, and `resolves` says whether it is at most 0.5c.

It also measures the sizing evidence (domain.markout) at `evaluate`'s defaults: `--power-seeds`
seeds in groups of `evaluate`'s 5, the bot's markout a contract over all of them, the Kelly
scale it earns, and the detection power (the share of groups whose evidence alone has a lower
bound above 0) beside Brier skill's.

Run from the repository root: `.venv/bin/python -m bench.adversary [--seeds 16] [--cycles 24]
[--scenarios agree polymarket-edge kalshi-truth] [--power-seeds 20]` (`--power-seeds 0` skips
the evidence). It prints markdown tables and exits 1 if any adversary is above zero or
disagrees on `agree`.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal

from domain.adversaries import ADVERSARIES
from domain.evaluation import StrategyResult
from infra.logs import setup_logging
from infra.settings import load_settings
from services.evaluation import DEFAULT_CYCLES, EvaluationPlan, evaluate

RESOLUTION = Decimal("0.005")  # 0.5c a contract
DEFAULT_SEEDS = 5  # evaluate's default: a group for the detection power
SCENARIOS = ("agree", "polymarket-edge", "kalshi-truth")


def _money(amount: Decimal) -> str:
    return f"{amount:+,.2f}"


def _interval(low: Decimal, high: Decimal) -> str:
    return f"[{_money(low)}, {_money(high)}]"


def _cents(amount: Decimal | None) -> str:
    return "-" if amount is None else f"{amount * 100:+.2f}c"


def row(result: StrategyResult) -> str:
    low, high = result.expected_pnl_ci
    half = None if result.contracts == 0 else (high - low) / 2 / result.contracts
    per_contract = result.per_contract(result.expected_pnl)
    return (
        f"| {result.strategy} | {result.markets:,} | {result.contracts:,.0f} "
        f"| {_money(result.expected_pnl)} {_interval(low, high)} | {_cents(per_contract)} "
        f"| {_cents(half)} | {_money(result.realised_pnl)} {_interval(*result.realised_pnl_ci)} "
        f"| {_interval(*result.luck_ci)} | {'yes' if result.agrees else 'NO'} "
        f"| {'yes' if half is not None and half <= RESOLUTION else 'no'} |"
    )


def failures(results: list[StrategyResult]) -> list[str]:
    """What breaks the suite's promise on `agree`."""
    found = []
    for result in results:
        if result.strategy not in ADVERSARIES:
            continue
        if result.expected_pnl_ci[0] > 0:
            found.append(f"{result.strategy}: expected P&L above zero")
        if not result.agrees:
            found.append(f"{result.strategy}: realised P&L disagrees with expected")
    return found


def _ci(interval: tuple[Decimal, Decimal] | None, cents: bool = False) -> str:
    if interval is None:
        return "-"
    if cents:
        return f"[{_cents(interval[0])}, {_cents(interval[1])}]"
    return f"[{interval[0]:+.4f}, {interval[1]:+.4f}]"


def evidence(scenario: str, seeds: int) -> None:
    """The sizing evidence at evaluate's defaults, over groups of its seeds."""
    plan = EvaluationPlan(
        scenario=scenario, seeds=seeds, cycles=DEFAULT_CYCLES, power_group=DEFAULT_SEEDS
    )
    started = time.perf_counter()
    results = evaluate(load_settings(None), plan)
    print(
        f"\n### evidence, {scenario}: {seeds} seeds in groups of {DEFAULT_SEEDS}"
        f" ({time.perf_counter() - started:.0f} s)\n"
    )
    print(
        "| strategy | markouts | markout a contract [95% CI] | Kelly scale | power "
        "| Brier skill [95% CI] | expected P&L [95% CI] |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if r.kelly_scale is None or r.strategy in ("no-trade", "kalshi-mid"):
            continue
        print(
            f"| {r.strategy} | {r.edge_markouts:,} | {_cents(r.edge)} {_ci(r.edge_ci, True)} "
            f"| {r.kelly_scale:.2f} | {r.detection_power} "
            f"| {r.brier_skill} {_ci(r.brier_skill_ci)} "
            f"| {_money(r.expected_pnl)} {_interval(*r.expected_pnl_ci)} |",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--cycles", type=int, default=24)
    parser.add_argument("--markets", type=int, default=150)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--power-seeds", type=int, default=20)
    parser.add_argument("--evidence-only", action="store_true")
    args = parser.parse_args()
    setup_logging("ERROR")
    settings = load_settings(None)
    broken: list[str] = []
    for scenario in args.scenarios if args.power_seeds else ():
        evidence(scenario, args.power_seeds)
    for scenario in () if args.evidence_only else args.scenarios:
        plan = EvaluationPlan(
            scenario=scenario,
            seeds=args.seeds,
            cycles=args.cycles,
            markets=args.markets,
            adversaries=True,
        )
        started = time.perf_counter()
        results = evaluate(settings, plan)
        print(
            f"\n### {scenario}: {args.seeds} seeds x {args.cycles} cycles x {args.markets}"
            f" markets ({time.perf_counter() - started:.0f} s)\n"
        )
        print(
            "| strategy | markets | contracts | expected P&L [95% CI] | per contract "
            "| ±/contract | realised P&L [95% CI] | realised - expected [95% CI] | agrees "
            "| resolves 0.5c |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for result in results:
            if result.strategy == "bot" or result.strategy in ADVERSARIES:
                print(row(result), flush=True)
        if scenario == "agree":
            broken += failures(results)
    for problem in broken:
        print(f"FAIL on agree: {problem}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
