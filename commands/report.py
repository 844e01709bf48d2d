"""`pm-trader report`: how good the forecasts were, per model and prompt, and what they earned."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from commands.base import EXIT_OK, Command
from domain.money import usd
from domain.scoring import scorecard
from infra.db.repository import Database
from infra.settings import Settings


def render_scorecard(path: Path, console: Console) -> None:
    with Database.open(path) as db, db.read() as repo:
        scores = scorecard(repo.scored_forecasts(), repo.trade_results(), repo.api_costs())
    if not scores:
        console.print("No forecasts have been scored yet: they are scored as their markets settle.")
        return
    table = Table(title="Forecast scorecard (lower Brier and log loss are better)")
    for column in ("model", "prompt", "scored", "Brier", "log loss", "trades", "trade P&L"):
        table.add_column(column, justify="left" if column in {"model", "prompt"} else "right")
    table.add_column("API cost", justify="right")
    table.add_column("net", justify="right")
    for s in scores:
        table.add_row(
            s.model,
            s.prompt_version or "-",
            str(s.forecasts),
            f"{s.brier:.4f}",
            f"{s.log_loss:.4f}",
            str(s.trades),
            usd(s.trade_pnl),
            usd(s.api_cost),
            usd(s.net),
        )
    console.print(table)
    for s in scores:
        if not s.buckets:
            continue
        calibration = Table(title=f"Calibration: {s.model} {s.prompt_version}".rstrip())
        for column in ("forecast", "count", "mean forecast", "happened"):
            calibration.add_column(column, justify="right")
        for bucket in s.buckets:
            calibration.add_row(
                f"{bucket.low:.1f}-{bucket.high:.1f}",
                str(bucket.count),
                f"{bucket.mean_forecast:.3f}",
                f"{bucket.observed_rate:.3f}",
            )
        console.print(calibration)


def execute(settings: Settings, _options: argparse.Namespace, console: Console) -> int:
    render_scorecard(settings.database_path, console)
    return EXIT_OK


COMMAND = Command(
    "report",
    "the forecast scorecard: Brier, log loss, calibration, P&L net of API cost",
    execute,
)
