"""The end-of-run report tells the story: partial fills count as filled, P&L both ways, costs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console

from commands.run_report import Holdings, render_run
from domain.health import Part, check
from domain.messages import CycleStats

START = datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_the_report_counts_partial_fills_and_shows_unrealised_pnl_fees_and_llm_cost() -> None:
    cycle = CycleStats(
        cycle=1,
        started_at=START,
        orders_placed=3,
        orders_filled=1,
        orders_partial=1,
        orders_unfilled=1,
        realized_pnl=Decimal("2.65"),
        api_cost=Decimal("0.42"),
    )
    holdings = Holdings(
        open_positions=2,
        unmarked=1,
        market_value=Decimal("30.00"),
        unrealized_pnl=Decimal("-78.87"),
        fees=Decimal("1.23"),
    )
    console = Console(record=True, width=200)
    render_run(
        console, "sim", "offline", [cycle], Decimal(1000), Decimal(900), holdings, True, "ok"
    )
    text = console.export_text()
    row = next(line for line in text.splitlines() if line.startswith("│     1"))
    assert [cell.strip() for cell in row.split("│")[1:-1]][4:6] == ["3", "2"]  # orders, filled
    assert "equity $930.00 with 2 open position(s) worth $30.00" in text
    assert "(1 without a bid, valued at $0)" in text
    assert "realized $2.65 this run, unrealized -$78.87" in text
    assert "fees $1.23, LLM cost $0.42 this run" in text


def test_the_report_says_each_unhealthy_part_and_the_cycles_given_up() -> None:
    problem = "40 of 40 market records quarantined (field price_ranges[0].step x40)"
    cycles = [
        CycleStats(
            cycle=n,
            started_at=START,
            unhealthy=(check(Part.SCANNER, n, START, problem),),
        )
        for n in (1, 3)
    ]
    holdings = Holdings(0, 0, Decimal(0), Decimal(0), Decimal(0))
    console = Console(record=True, width=200)
    args = ("sim", "offline", cycles, Decimal(1000), Decimal(1000), holdings, True, "ok")
    render_run(console, *args, given_up=(2,))
    text = console.export_text()
    assert "Health: UNHEALTHY" in text
    assert f"scanner: unhealthy in 2 of 3 cycle(s), last in cycle 3: {problem}" in text
    assert "cycle: 1 of 3 cycle(s) given up (cycle 2)" in text

    healthy = Console(record=True, width=200)
    render_run(healthy, "sim", "offline", [], Decimal(1000), Decimal(1000), holdings, True, "ok")
    assert "Health: ok" in healthy.export_text()
