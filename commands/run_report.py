"""The end-of-run report: what the bot did, cycle by cycle, what it earned and spent, and
whether the ledger adds up.

An order that filled in part counts as filled in the cycle table (it bought something); the
totals say how many of those were partial. P&L is realised (closed positions) and unrealised
(open positions at the best bid of the side held), beside the fees and the LLM cost.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from commands.views import money, new_table
from domain.health import HealthCheck, Part
from domain.messages import CycleStats

COLUMNS: tuple[tuple[str, Callable[[CycleStats], int]], ...] = (
    ("markets", lambda s: s.markets_scanned),
    ("candidates", lambda s: s.candidates),
    ("forecasts", lambda s: s.forecasts),
    ("orders", lambda s: s.orders_placed),
    ("filled", lambda s: s.orders_filled + s.orders_partial),
    ("settled", lambda s: s.settled),
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


SHOWN_AT_EACH_END = 3  # a long run's table: its first and last cycles, then the total
SUMMARISED_AFTER = 2 * SHOWN_AT_EACH_END + 2


@dataclass(frozen=True)
class Holdings:
    """The book at the end of a run: open positions at their marks, and the run's fees."""

    open_positions: int
    unmarked: int  # open positions without a bid on their side: valued at zero
    market_value: Decimal
    unrealized_pnl: Decimal
    fees: Decimal


def _row(stats: CycleStats) -> list[str]:
    return [str(stats.cycle), *(str(c(stats)) for _, c in COLUMNS), money(stats.realized_pnl)]


def cycle_table(cycles: Sequence[CycleStats]) -> Table:
    """A row per cycle; past SUMMARISED_AFTER cycles, the first and last few, a line for those
    left out, and a total (the log has every cycle)."""
    table = new_table(f"{len(cycles)} cycle(s)")
    table.add_column("cycle", justify="right")
    for title, _ in COLUMNS:
        table.add_column(title, justify="right")
    table.add_column("P&L", justify="right")
    if len(cycles) <= SUMMARISED_AFTER:
        for stats in cycles:
            table.add_row(*_row(stats))
        return table
    for stats in cycles[:SHOWN_AT_EACH_END]:
        table.add_row(*_row(stats))
    left_out = len(cycles) - 2 * SHOWN_AT_EACH_END
    table.add_row(f"{left_out} more", *("..." for _ in COLUMNS), "...")
    for stats in cycles[-SHOWN_AT_EACH_END:]:
        table.add_row(*_row(stats))
    table.add_section()
    table.add_row(
        "total",
        *(str(sum(c(stats) for stats in cycles)) for _, c in COLUMNS),
        money(sum((stats.realized_pnl for stats in cycles), Decimal(0))),
    )
    return table


def render_run(
    console: Console,
    venue: str,
    forecaster: str,
    cycles: Sequence[CycleStats],
    start_balance: Decimal,
    end_balance: Decimal,
    holdings: Holdings,
    ledger_ok: bool,
    ledger_detail: str,
    *,
    given_up: Sequence[int] = (),
) -> None:
    console.print(
        f"[bold]Run on {escape(venue)}[/bold]; forecaster: {escape(forecaster)}", markup=True
    )
    console.print(cycle_table(cycles))
    totals = ", ".join(
        f"{label} {sum(getattr(stats, name) for stats in cycles)}" for label, name in TOTALS
    )
    console.print(f"Totals: {totals}")
    refused: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    exits: Counter[str] = Counter()
    for stats in cycles:
        refused.update(dict(stats.refused))
        skipped.update(dict(stats.skipped))
        exits.update(dict(stats.exits))
    if exits:  # sales the bot made by itself (domain.exits)
        console.print("Exits sent: " + ", ".join(f"{r} x{n}" for r, n in exits.most_common()))
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
            console.print(f"[yellow]cycle {stats.cycle}: {escape(error)}[/yellow]", markup=True)
    change = end_balance - start_balance
    equity = end_balance + holdings.market_value
    console.print(
        f"Bankroll (cash): {money(start_balance)} -> {money(end_balance)}"
        f" ({'+' if change >= 0 else ''}{money(change)}); equity {money(equity)}"
        f" with {holdings.open_positions} open position(s) worth {money(holdings.market_value)} at"
        " their marks"
        + (f" ({holdings.unmarked} without a bid, valued at $0)" if holdings.unmarked else "")
    )
    realized = sum((s.realized_pnl for s in cycles), Decimal(0))
    llm_cost = sum((s.api_cost for s in cycles), Decimal(0))
    console.print(
        f"P&L: realized {money(realized)} this run, unrealized {money(holdings.unrealized_pnl)} on"
        f" open positions; fees {money(holdings.fees)}, LLM cost {money(llm_cost)} this run"
    )
    verdict = "[green]adds up[/green]" if ledger_ok else "[red]DOES NOT ADD UP[/red]"
    console.print(f"Ledger: {verdict} ({escape(ledger_detail)})", markup=True)
    render_health(console, cycles, given_up)


def render_health(console: Console, cycles: Sequence[CycleStats], given_up: Sequence[int]) -> None:
    """Health (domain.health): ok, or each unhealthy part with its cycles and last problem."""
    failed: dict[Part, list[HealthCheck]] = defaultdict(list)
    for stats in cycles:
        for check in stats.unhealthy:
            failed[check.part].append(check)
    if not failed and not given_up:
        console.print("Health: [green]ok[/green] (every part healthy in every cycle)", markup=True)
        return
    ran = len(cycles) + len(given_up)
    console.print("Health: [red]UNHEALTHY[/red] (a bounded run exits 1; see `status`)", markup=True)
    for part, checks in failed.items():
        last = checks[-1]
        console.print(
            f"  {part.value}: unhealthy in {len(checks)} of {ran} cycle(s), last in cycle"
            f" {last.cycle}: {last.problem or ''}"
        )
    if given_up:
        numbers = ", ".join(str(n) for n in given_up)
        console.print(f"  cycle: {len(given_up)} of {ran} cycle(s) given up (cycle {numbers})")
