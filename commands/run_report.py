"""The end-of-run report: what the bot did, cycle by cycle, and whether the ledger adds up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from domain.messages import CycleStats
from domain.money import usd

COLUMNS = (
    ("markets", "markets_scanned"),
    ("candidates", "candidates"),
    ("forecasts", "forecasts"),
    ("orders", "orders_placed"),
    ("filled", "orders_filled"),
    ("settled", "settled"),
)
TOTALS = (
    ("Polymarket markets linked", "linked"),
    ("signals sized", "signals"),
    ("orders partly filled", "orders_partial"),
    ("orders not filled", "orders_unfilled"),
    ("orders left in flight", "orders_ambiguous"),
    ("in-flight orders resolved", "resolved_in_flight"),
    ("positions recovered", "recovered"),
)


def render_run(
    console: Console,
    venue: str,
    forecaster: str,
    cycles: Sequence[CycleStats],
    start_balance: Decimal,
    end_balance: Decimal,
    ledger_ok: bool,
    ledger_detail: str,
) -> None:
    console.print(f"[bold]Run on {venue}[/bold]; forecaster: {forecaster}")
    table = Table(title=f"{len(cycles)} cycle(s)")
    table.add_column("cycle", justify="right")
    for title, _ in COLUMNS:
        table.add_column(title, justify="right")
    table.add_column("P&L", justify="right")
    for stats in cycles:
        table.add_row(
            str(stats.cycle),
            *(str(getattr(stats, name)) for _, name in COLUMNS),
            usd(stats.realized_pnl),
        )
    console.print(table)
    totals = ", ".join(
        f"{label} {sum(getattr(stats, name) for stats in cycles)}" for label, name in TOTALS
    )
    console.print(f"Totals: {totals}")
    refused: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for stats in cycles:
        refused.update(dict(stats.refused))
        skipped.update(dict(stats.skipped))
    if refused:
        console.print("Orders refused: " + ", ".join(f"{r} x{n}" for r, n in refused.most_common()))
    screened = [(r, n) for r, n in skipped.most_common() if r.startswith("FILTER_")]
    decided = [(r, n) for r, n in skipped.most_common() if not r.startswith("FILTER_")]
    if screened:
        console.print("Screened out: " + ", ".join(f"{r} x{n}" for r, n in screened))
    if decided:
        console.print("Analysed, not traded: " + ", ".join(f"{r} x{n}" for r, n in decided))
    for stats in cycles:
        for error in stats.errors:
            console.print(f"[yellow]cycle {stats.cycle}: {error}[/yellow]")
    change = end_balance - start_balance
    console.print(
        f"Bankroll: {usd(start_balance)} -> {usd(end_balance)} ({'+' if change >= 0 else ''}"
        f"{usd(change)}); realized P&L {usd(sum((s.realized_pnl for s in cycles), Decimal(0)))}"
    )
    verdict = "[green]adds up[/green]" if ledger_ok else "[red]DOES NOT ADD UP[/red]"
    console.print(f"Ledger: {verdict} ({ledger_detail})")
