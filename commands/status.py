"""`pm-trader status`: the book as the database has it, read without starting any actor.

The text screen and `--json` show the same figures (services.status_data).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from commands.base import EXIT_FAILURE, EXIT_OK
from commands.holdings import render_holdings
from commands.views import money
from domain.clock import format_utc
from domain.halts import MalformedRequest
from domain.money import exact_dollars
from infra.settings import Settings
from services.status_data import StatusData, read_status, status_json


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else format_utc(moment)


def _trading(data: StatusData) -> str:
    """Whether a bot trades on this book now: a stopped one is never shown as active."""
    halted = f"[red]HALTED[/red]: {escape(data.halt_reason or '')}" if data.halts else ""
    if not data.running:
        last = data.heartbeat.heartbeat_at if data.heartbeat else None
        stopped = f"[yellow]no bot is running on this book[/yellow] (last heartbeat {_when(last)})"
        return f"[bold]Trading[/bold]  {stopped}" + (f"; new orders {halted}" if halted else "")
    return f"[bold]Trading[/bold]  {halted or '[green]active[/green]'}"


def _cash(data: StatusData) -> str:
    cash = data.cash
    if cash is None:
        return "[bold]Cash[/bold]     venue never checked"
    return (
        f"[bold]Cash[/bold]     venue {exact_dollars(cash.venue_cash)}, book expects"
        f" {exact_dollars(cash.expected_cash)}, drift {exact_dollars(cash.drift)}"
        f" ({cash.verdict}) at {format_utc(cash.ts)}"
    )


def _health(data: StatusData) -> str:
    """Each part's last check: ok, or why not and when it was last healthy."""
    if not data.health:
        return "[bold]Health[/bold]   no check yet"
    if not data.unhealthy:
        parts = ", ".join(h.part.value for h in data.health)
        lines = [f"[bold]Health[/bold]   [green]ok[/green] ({parts} at their last check)"]
    else:
        lines = [f"[bold]Health[/bold]   [red]UNHEALTHY[/red]: {len(data.unhealthy)} part(s)"]
    for h in data.unhealthy:
        lines.append(
            f"  {h.part.value}: {escape(h.problem or '')}; cycle {h.cycle} at"
            f" {_when(h.checked_at)}, last healthy {_when(h.last_healthy_at)}"
        )
    lines.extend(f"  {h.part.value} note: {escape(h.note)}" for h in data.health if h.note)
    return "\n".join(lines)


def _requests(data: StatusData, console: Console) -> None:
    """The operator's last requests and what the bot did with each (its log says the same)."""
    if not data.requests:
        return
    console.print("[bold]Operator requests[/bold] (newest first)", markup=True)
    for r in data.requests:
        done = (
            f"done {_when(r.handled_at)}: {escape(r.outcome or '')}"
            if r.handled_at is not None
            else "waiting for the bot's next reconciliation"
        )
        who = "" if isinstance(r, MalformedRequest) else f" by {r.requested_by}"
        console.print(f"  #{r.id} {escape(r.what)}{escape(who)}: {done}", markup=True)


def render_status(
    path: Path, console: Console, *, as_json: bool = False, full: bool = False
) -> bool:
    """Print the book; True if the ledger's chain holds (every row's, if `full`)."""
    data = read_status(path, full=full)
    if as_json:
        console.out(status_json(data), highlight=False)
        return data.ledger_ok
    console.print(f"[bold]Database[/bold] {escape(str(path))}", markup=True)
    console.print(_trading(data), markup=True)
    console.print(_health(data), markup=True)
    console.print(
        f"[bold]Bankroll[/bold] {money(data.bankroll)}  ({data.ledger_rows} ledger rows);"
        f" equity {money(data.equity)} (cash plus open positions at their marks);"
        f" LLM costs {money(data.api_cost_total)}",
        markup=True,
    )
    console.print(_cash(data), markup=True)
    verdict = (
        f"[green]adds up[/green], row by row (checked {escape(data.ledger_checked)})"
        if data.ledger_ok
        else f"[red]BROKEN[/red]: {escape(data.ledger_problem)}"
    )
    console.print(f"[bold]Ledger[/bold]   {verdict}", markup=True)
    stats = data.stats
    console.print(
        f"[bold]Closed[/bold]   {stats.trades} trades, {stats.wins} won, {stats.losses} lost,"
        f" realized P&L {money(stats.realized_pnl)}; open exposure {money(data.exposure)}",
        markup=True,
    )
    render_holdings(list(data.held), list(data.orders), console)
    _requests(data, console)
    heartbeat = data.heartbeat
    if heartbeat is None:
        console.print("[bold]Heartbeat[/bold] none yet", markup=True)
    else:
        console.print(
            f"[bold]Heartbeat[/bold] {_when(heartbeat.heartbeat_at)} (cycle {heartbeat.cycle},"
            f" venue {escape(heartbeat.venue)}); last success {_when(heartbeat.last_success_at)};"
            f" last error {_when(heartbeat.last_error_at)} {escape(heartbeat.last_error or '')}",
            markup=True,
        )
    return data.ledger_ok


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="one JSON object (money as exact dollar strings)"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check every ledger row and the digest at each checkpoint, not only the rows"
        " since the last verified one (slower: run it daily, or after a restore)",
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    ok = render_status(settings.database_path, console, as_json=options.json, full=options.verify)
    return EXIT_OK if ok else EXIT_FAILURE
