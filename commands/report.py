"""`pm-trader report`: skill against the market per model and prompt, with intervals, and what
trading on the forecasts earned after fees and API cost."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from commands.base import EXIT_OK
from commands.views import money, new_table
from domain.scoring import Interval, ModelScore, scorecard
from infra.db.reading import open_for_reading
from infra.settings import Settings


def score_text(value: Decimal | None, interval: Interval | None) -> str:
    """ "0.0123 [-0.0100, 0.0350]"; "-" without a value; no interval under two events."""
    if value is None:
        return "-"
    text = f"{value:+.4f}"
    return text if interval is None else f"{text} [{interval[0]:+.4f}, {interval[1]:+.4f}]"


def money_text(value: Decimal, interval: Interval | None) -> str:
    text = money(value)
    return text if interval is None else f"{text} [{money(interval[0])}, {money(interval[1])}]"


def verdict(score: ModelScore) -> str:
    interval = score.brier_skill_ci
    if interval is None:
        return "not enough events to tell"
    if interval[0] > 0:
        return "beats the market"
    if interval[1] < 0:
        return "worse than the market"
    return "no skill shown"


def render_scorecard(path: Path, console: Console) -> None:
    with open_for_reading(path) as db, db.read() as repo:
        scores = scorecard(repo.scored_forecasts(), repo.trade_results(), repo.api_costs())
    if not scores:
        console.print("No forecasts have been scored yet: they are scored as their markets settle.")
        return
    table = new_table(
        "Forecast scorecard: skill against the Kalshi mid when each forecast was made",
        caption="One forecast per market (the first traded on, else the first made). Brackets:"
        " 95% intervals clustered by event. Skill > 0 beats the market.",
    )
    columns = ("model", "prompt", "markets", "events", "Brier", "market Brier", "Brier skill")
    for column in (*columns, "log-loss gain", "verdict", "trades", "net after fees and API"):
        table.add_column(column, justify="left" if column in {"model", "prompt"} else "right")
    for s in scores:
        table.add_row(
            s.model,
            s.prompt_version or "-",
            str(s.forecasts),
            str(s.events),
            f"{s.brier:.4f}",
            "-" if s.market_brier is None else f"{s.market_brier:.4f}",
            score_text(s.brier_skill, s.brier_skill_ci),
            score_text(s.log_loss_gain, s.log_loss_gain_ci),
            verdict(s),
            str(s.trades),
            money_text(s.net, s.net_ci),
        )
    console.print(table)
    for s in scores:
        if not s.buckets:
            continue
        calibration = new_table(f"Calibration: {s.model} {s.prompt_version}".rstrip())
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
