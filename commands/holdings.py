"""The holdings part of `status`: open positions marked to market, open orders, exposure per
event. Tickers are never cut: a narrow terminal wraps them, a pipe gets the whole line."""

from __future__ import annotations

from rich.console import Console

from commands.views import minute, money, new_table, price
from domain.models import Execution
from infra.db.history import Trade, Valuation, grouped_exposure


def render_holdings(trades: list[Trade], orders: list[Execution], console: Console) -> None:
    held = [t for t in trades if t.position.payout is None]
    render_positions(held, console)
    if orders:
        render_orders(orders, console)
    exposure = grouped_exposure(held)
    if exposure:
        table = new_table("Exposure per event (cost of open positions)")
        table.add_column("event", overflow="fold")
        table.add_column("cost", justify="right")
        for event, cost in sorted(exposure.items(), key=lambda item: -item[1]):
            table.add_row(event, money(cost))
        console.print(table)


def render_positions(held: list[Trade], console: Console) -> None:
    valued = Valuation.of(held)
    unmarked = valued.unmarked
    without = f" ({unmarked} without a current mark, valued at $0)" if unmarked else ""
    table = new_table(
        f"Open positions ({len(held)}): worth {money(valued.market_value)} at the best bid"
        f" of the side held, unrealized P&L {money(valued.unrealized_pnl)}{without}"
    )
    table.add_column("ticker", overflow="fold")
    for column in ("side", "count", "entry", "cost", "mark", "value", "unrealized"):
        table.add_column(column, justify="left" if column == "side" else "right")
    table.add_column("closes", overflow="fold")
    table.add_column("status")
    table.add_column("marked", overflow="fold")
    for t in held:
        p = t.position
        worth = None if t.mark is None else p.count * t.mark
        table.add_row(
            p.ticker,
            p.side.value,
            f"{p.count:f}",
            price(t.entry_price),
            money(p.cost),
            price(t.last_bid),
            money(worth),
            money(t.unrealized),
            minute(t.snapshot.close_time) if t.snapshot else "-",
            p.status.value,
            _marked(t),
        )
    console.print(table)


def _marked(t: Trade) -> str:
    """When the mark was seen, or why there is none (the position then counts at $0)."""
    if t.snapshot is None:
        return "never seen"
    seen = minute(t.snapshot.ts)
    if t.mark_stale:
        return f"STALE: not in the last scan, seen {seen}"
    return seen if t.mark is not None else f"no bid, seen {seen}"


def render_orders(orders: list[Execution], console: Console) -> None:
    table = new_table(f"Open orders ({len(orders)}): not known to be final")
    table.add_column("client order id", overflow="fold")
    table.add_column("ticker", overflow="fold")
    for column in ("side", "count", "limit", "reserved", "status", "since"):
        table.add_column(column)
    for e in orders:
        table.add_row(
            e.client_order_id,
            e.ticker,
            e.side.value,
            f"{e.count:f}",
            price(e.limit_price),
            money(e.reserved),
            e.status.value,
            minute(e.created_at),
        )
    console.print(table)
