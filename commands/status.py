"""`pm-trader status`: the book as the database has it, read without starting any actor."""

from __future__ import annotations

import argparse
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from commands.base import EXIT_FAILURE, EXIT_OK, Command
from domain.clock import format_utc
from domain.money import usd
from infra.db.repository import Database
from infra.settings import Settings


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else format_utc(moment)


def render_status(path: Path, console: Console) -> bool:
    """Print bankroll, ledger check, open positions and heartbeat; True if the ledger adds up."""
    with Database.open(path) as db, db.read() as repo:
        rows, total, last = repo.ledger_totals()
        positions = repo.open_positions()
        stats = repo.position_stats()
        heartbeat = repo.heartbeat()
    ok = rows > 0 and total == last
    console.print(f"[bold]Database[/bold] {path}")
    console.print(f"[bold]Bankroll[/bold] {usd(last)}  ({rows} ledger rows)")
    verdict = "[green]adds up[/green]" if ok else "[red]DOES NOT ADD UP[/red]"
    console.print(
        f"[bold]Ledger[/bold]   sum of changes {usd(total)} vs balance {usd(last)}: {verdict}"
    )
    exposure = sum((p.cost for p in positions), Decimal(0))
    console.print(
        f"[bold]Closed[/bold]   {stats.trades} trades, {stats.wins} won, {stats.losses} lost,"
        f" realized P&L {usd(stats.realized_pnl)}; open exposure {usd(exposure)}"
    )
    table = Table(title=f"Open positions ({len(positions)})")
    for column in ("ticker", "side", "count", "cost", "status", "opened"):
        table.add_column(column)
    for p in positions:
        table.add_row(
            p.ticker, p.side, f"{p.count}", usd(p.cost), p.status, format_utc(p.opened_at)
        )
    console.print(table)
    if heartbeat is None:
        console.print("[bold]Heartbeat[/bold] none yet")
    else:
        console.print(
            f"[bold]Heartbeat[/bold] {_when(heartbeat.heartbeat_at)} (cycle {heartbeat.cycle},"
            f" venue {heartbeat.venue}); last success {_when(heartbeat.last_success_at)};"
            f" last error {_when(heartbeat.last_error_at)} {heartbeat.last_error or ''}"
        )
    return ok


def execute(settings: Settings, _options: argparse.Namespace, console: Console) -> int:
    return EXIT_OK if render_status(settings.database_path, console) else EXIT_FAILURE


COMMAND = Command(
    "status",
    "the book: bankroll, ledger check, closed trades, open positions, heartbeat",
    execute,
)
