"""`pm-trader why TICKER` / `why --row N`: from a balance change back to its cause.

The chain, oldest first: the forecast (model, prompt, probability, rationale, cost) and the market
it saw, the order (limit, count, reservation) with its fills, fees and the edge it was bought
at, the position, its settlement or sale, and every ledger row that moved money for it.
"""

from __future__ import annotations

import argparse
from decimal import Decimal

from rich.console import Console
from rich.markup import escape

from commands.base import EXIT_FAILURE, EXIT_OK
from commands.views import minute, money, new_table, price, read_history, when
from domain.evidence import mid_of, pooled
from domain.execution import opposite
from domain.marks import side_probability
from domain.models import Execution, Forecast, LedgerEntry
from domain.money import ONE
from infra.db.history import Chain, Snapshot
from infra.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ticker", nargs="?", help="the market to explain")
    parser.add_argument("--row", type=int, help="explain this ledger row (its id in status)")


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    if (options.ticker is None) == (options.row is None):
        console.print("why: give a TICKER or --row N (one of them)")
        return EXIT_FAILURE
    with read_history(settings.database_path) as history:
        row = None
        ticker = options.ticker
        if options.row is not None:
            row = history.ledger_row(options.row)
            if row is None:
                console.print(f"why: there is no ledger row {options.row}")
                return EXIT_FAILURE
            ticker = history.ticker_of(row)
        chain = None if ticker is None else history.chain(ticker)
    if row is not None:
        _row_line(console, row)
        if chain is None:
            console.print(f"  it concerns no market ({row.ref_type or 'no reference'})")
            return EXIT_OK
    assert chain is not None
    if not (chain.ledger or chain.executions or chain.forecasts or chain.positions):
        console.print(f"why: the book holds nothing about {ticker}")
        return EXIT_FAILURE
    render(chain, console, highlight=None if row is None else row.id)
    return EXIT_OK


def render(chain: Chain, console: Console, highlight: int | None = None) -> None:
    console.print(
        f"[bold]Why {escape(chain.ticker)}[/bold]  (times are the book's clock)", markup=True
    )
    if chain.latest is not None:
        console.print(f"[bold]Market now[/bold]  {escape(_quote(chain.latest))}", markup=True)
    for forecast in chain.forecasts:
        _forecast(console, forecast)
    if chain.llm_calls:
        spent = sum((c.cost for c in chain.llm_calls), Decimal(0))
        outcomes = ", ".join(sorted({c.outcome for c in chain.llm_calls}))
        console.print(
            f"[bold]LLM calls[/bold]   {len(chain.llm_calls)} ({escape(outcomes)}),"
            f" {money(spent)} in all",
            markup=True,
        )
    forecasts = {f.id: f for f in chain.forecasts}
    for execution in chain.executions:
        _order(console, execution, forecasts.get(execution.forecast_id), chain)
    for p in chain.positions:
        held = "held" if p.payout is None else f"closed {when(p.closed_at)}, paid {money(p.payout)}"
        console.print(
            f"[bold]Position[/bold] #{p.id}  {p.count:f} {p.side} ({p.status}), cost"
            f" {money(p.cost)} (fees included), opened {when(p.opened_at)}; {held}",
            markup=True,
        )
    for event in chain.pnl:
        what = f"{event.kind} of {event.count:f}: " if event.kind else ""
        fee = f", fee {money(event.fees)}" if event.fees else ""
        console.print(
            f"[bold]Realised[/bold]    {money(event.realized_pnl)} at {when(event.ts)}:"
            f" {escape(what)}paid {money(event.payout)}{fee} for a cost of {money(event.cost)}"
            f" ({escape(event.note)})",
            markup=True,
        )
    if len(chain.pnl) > 1:
        total = sum((event.realized_pnl for event in chain.pnl), Decimal(0))
        console.print(f"[bold]Realised[/bold]    {money(total)} in all", markup=True)
    _ledger(console, chain.ledger, highlight)


def _quote(s: Snapshot) -> str:
    return (
        f"{s.status}; yes bid {price(s.yes_bid)} ask {price(s.yes_ask)}, no bid"
        f" {price(s.no_bid)} ask {price(s.no_ask)} (seen {when(s.ts)}); closes {when(s.close_time)}"
    )


def _forecast(console: Console, f: Forecast) -> None:
    source = "offline model" if f.offline else f"{f.model} prompt {f.prompt_version or '-'}"
    inputs = f.inputs
    console.print(
        f"[bold]Forecast[/bold] #{f.id} {when(f.made_at)} cycle {f.cycle}: {escape(source)}:"
        f" P(yes) {price(f.probability)}, confidence {price(f.confidence)}, cost {money(f.cost)};"
        f" saw yes bid {price(inputs.yes_bid)} ask {price(inputs.yes_ask)}, Polymarket"
        f" {price(inputs.polymarket_price)}",
        markup=True,
    )
    if f.rationale:
        console.print(f"             rationale: {f.rationale}")
    if f.refusal:
        console.print(f"             [bold]not traded[/bold]: {escape(f.refusal)}", markup=True)


def _order(console: Console, e: Execution, forecast: Forecast | None, chain: Chain) -> None:
    console.print(
        f"[bold]Order[/bold] {escape(e.client_order_id)} {when(e.created_at)}: {escape(_sent(e))}",
        markup=True,
    )
    if forecast is not None and e.filled_count > 0:
        q = side_probability(e.side, _view(forecast))
        paid = (e.fill_cost + e.fees) / e.filled_count
        console.print(
            f"             signal: P({e.side}) {price(q)} (the forecast weighed against the mid)"
            f" against {price(paid)} a contract with fees: edge {price(q - paid)}"
        )
    if e.kelly_fraction is not None:
        console.print(f"             sized: {_sizing(e)}")
    snapshot = chain.decision_snapshots.get(e.client_order_id)
    if snapshot is not None:
        console.print(f"             market at decision: {_quote(snapshot)}")


def _view(f: Forecast) -> Decimal:
    """What the bot traded on: the forecast pooled with the mid it saw (domain.evidence)."""
    mid = mid_of(f.inputs.yes_bid, f.inputs.yes_ask)
    return f.probability if mid is None else pooled(mid, f.probability, f.confidence)


def _sent(e: Execution) -> str:
    """What the order asked for and what came of it."""
    problem = f"; {e.error_code} {e.error_message or ''}" if e.error_code else ""
    if e.reduce_only:  # buying the other side at `limit` sells the side held (domain.closing)
        proceeds = e.filled_count - e.fill_cost - e.fees
        # An exit names its reason (domain.exits); an operator's sale its request.
        asked = f"exit {e.exit_reason}" if e.exit_reason else e.correlation_id
        return (
            f"sell {e.count:f} {opposite(e.side)} at the bid {price(ONE - e.limit_price)}"
            f" (reduce-only, immediate-or-cancel; {asked}); {e.status}:"
            f" {e.filled_count:f} sold, brought in {money(proceeds)} after fees"
            f" {money(e.fees)}{problem}"
        )
    return (
        f"buy {e.count:f} {e.side} at most {price(e.limit_price)}, reserved {money(e.reserved)};"
        f" {e.status}: {e.filled_count:f} filled for {money(e.fill_cost)} + fees"
        f" {money(e.fees)}{problem}"
    )


def _sizing(e: Execution) -> str:
    """The signal's Kelly fraction and what capped it (domain.sizing), as stored with the order."""
    caps = f"capped by {e.caps}" if e.caps else "no cap applied"
    return (
        f"edge after fees {price(e.edge)} at the ask; full Kelly {price(e.full_kelly)}, bet"
        f" {price(e.kelly_fraction)} of the bankroll ({caps})"
    )


def _ledger(console: Console, rows: tuple[LedgerEntry, ...], highlight: int | None) -> None:
    table = new_table("Ledger rows")
    for column in ("row", "time", "reason", "change", "balance", "evidence"):
        table.add_column(column, overflow="fold")
    for r in rows:
        style = "bold" if r.id == highlight else None
        evidence = " ".join(x for x in (r.ref_type, r.ref_id, r.detail) if x)
        table.add_row(
            str(r.id),
            minute(r.ts),
            r.reason,
            money(r.change),
            money(r.balance),
            evidence,
            style=style,
        )
    console.print(table)


def _row_line(console: Console, row: LedgerEntry) -> None:
    console.print(
        f"[bold]Ledger row {row.id}[/bold] {when(row.ts)}: {row.reason} {money(row.change)},"
        f" balance {money(row.balance)};"
        f" {escape(' '.join((row.ref_type or '', row.ref_id or '', row.detail or '')))}",
        markup=True,
    )
