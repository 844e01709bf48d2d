"""`pm-trader trades`: every trade, open and closed, with what it cost, earned and was based on.

P&L is what a position realized (each sale out of it and its settlement, fees in), plus, while
it is open, what the contracts still held would make at the mark (the best bid of the side
held); `net` takes off the LLM cost spent on that market. `fees` are the buy's and the sales'.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from rich.console import Console

from commands.base import EXIT_OK
from commands.views import (
    csv_cell,
    exact,
    minute,
    money,
    new_table,
    price,
    read_history,
    utc_argument,
    when,
)
from infra.db.history import Trade
from infra.db.tables import PositionRow
from infra.settings import Settings

FIELDS = (
    "position_id",
    "ticker",
    "side",
    "count",
    "contracts",
    "status",
    "opened_at",
    "entry_price",
    "fees",
    "cost",
    "forecast",
    "market_price",
    "edge",
    "full_kelly",
    "kelly_fraction",
    "caps",
    "closed_at",
    "payout",
    "exit",
    "exit_reasons",
    "mark",
    "mark_seen_at",
    "mark_stale",
    "realized",
    "pnl",
    "llm_cost",
    "net",
)


def record(trade: Trade) -> dict[str, Any]:
    """One trade as exact strings (JSON and CSV)."""
    p, e = trade.position, trade.execution
    return {
        "position_id": p.id,
        "ticker": p.ticker,
        "side": p.side.value,
        "count": f"{p.count:f}",  # held now (a closed row: before its last part)
        "contracts": f"{trade.contracts:f}",  # held in all: sold, settled and still held
        "status": p.status.value,
        "opened_at": when(p.opened_at),
        "entry_price": exact(trade.entry_price),
        "fees": exact(trade.fees),
        "cost": exact(p.cost),
        "forecast": exact(trade.forecast_probability),
        "market_price": exact(trade.market_price),
        # The signal it was sized from (domain.sizing); null for a position the bot did not open.
        "edge": exact(e.edge if e else None),
        "full_kelly": exact(e.full_kelly if e else None),
        "kelly_fraction": exact(e.kelly_fraction if e else None),
        "caps": None if e is None else e.caps,
        "closed_at": None if p.closed_at is None else when(p.closed_at),
        "payout": exact(p.payout),
        "exit": trade.exit_note or None,
        # Why the bot sold out of it by itself (domain.exits), in order; null: it did not.
        "exit_reasons": ",".join(trade.exits) or None,
        "mark": exact(trade.mark),
        "mark_seen_at": None if trade.snapshot is None else when(trade.snapshot.ts),
        "mark_stale": trade.mark_stale,
        "realized": exact(trade.realized),
        "pnl": exact(trade.pnl),
        "llm_cost": exact(trade.llm_cost),
        "net": exact(trade.net),
    }


def parts(trade: Trade) -> list[dict[str, Any]]:
    """What the position realized, part by part: each sale and the settlement."""
    return [
        {
            "kind": part.kind or None,
            "count": f"{part.count:f}",
            "at": when(part.ts),
            "proceeds": exact(part.payout),
            "fees": exact(part.fees),
            "cost": exact(part.cost),
            "pnl": exact(part.realized_pnl),
            "evidence": part.note,
        }
        for part in trade.parts
    ]


def _parts_text(trade: Trade) -> str:
    return "; ".join(
        f"{part.kind or 'closed'} {part.count:f} for {money(part.payout)}"
        + (f" (fee {money(part.fees)})" if part.fees else "")
        for part in trade.parts
        if part.kind != "restated"
    )


DEFAULT_LIMIT = 100


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0: every trade)")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON array of trades")
    output.add_argument("--csv", action="store_true", help="CSV with a header row")
    parser.add_argument(
        "--limit",
        type=_count,
        default=DEFAULT_LIMIT,
        help=f"the newest this many trades (default {DEFAULT_LIMIT}; 0: every one)",
    )
    parser.add_argument(
        "--since", type=utc_argument, help="only positions opened at or after this time (UTC)"
    )


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    criteria = [] if options.since is None else [PositionRow.opened_at >= options.since]
    with read_history(settings.database_path) as history:
        trades = history.trades(*criteria, limit=options.limit or None)
        total = history.count_trades(*criteria) if len(trades) == options.limit else len(trades)
    if options.json:
        rows = [{**record(t), "parts": parts(t)} for t in trades]
        print(json.dumps(rows, indent=2))  # noqa: T201 - the output
    elif options.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in record(t).items()} for t in trades)
    else:
        render(trades, console, total)
    return EXIT_OK


def render(trades: list[Trade], console: Console, total: int) -> None:
    shown = f"{total}" if total == len(trades) else f"the newest {len(trades)} of {total}"
    more = "" if total == len(trades) else " (--limit 0 shows every one)"
    table = new_table(f"Trades ({shown}){more}; P&L of open ones at the best bid of the side held")
    table.add_column("#", justify="right")
    table.add_column("ticker", overflow="fold")
    for column in ("side", "count", "opened", "entry", "fees", "forecast", "market"):
        table.add_column(column, justify="right" if column != "side" else "left")
    table.add_column("exit", overflow="fold")
    for column in ("P&L", "LLM", "net"):
        table.add_column(column, justify="right")
    for t in trades:
        p = t.position
        sold = _parts_text(t)
        if t.exits:
            sold = f"{'/'.join(t.exits)}: {sold}"
        if p.payout is not None:
            exit_text = f"{sold or 'closed'}, {minute(p.closed_at)}"
        else:
            exit_text = f"open, mark {price(t.mark)}" + (f"; {sold}" if sold else "")
        table.add_row(
            str(p.id),
            p.ticker,
            p.side.value,
            f"{t.contracts:f}",
            minute(p.opened_at),
            price(t.entry_price),
            money(t.fees),
            price(t.forecast_probability),
            price(t.market_price),
            exit_text,
            money(t.pnl),
            money(t.llm_cost),
            money(t.net),
        )
    console.print(table)
