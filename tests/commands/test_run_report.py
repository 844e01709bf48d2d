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
        exits=(("TAKE_PROFIT", 1), ("VIEW_CHANGED", 2)),
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
    row = next(cells for cells in map(str.split, text.splitlines()) if cells[:2] == ["1", "0"])
    assert row[4:6] == ["3", "2"]  # orders, filled
    assert "equity $930.00 with 2 open position(s) worth $30.00" in text
    assert "(1 without a bid, valued at $0)" in text
    assert "realized $2.65 this run, unrealized -$78.87" in text
    assert "fees $1.23, LLM cost $0.42 this run" in text
    assert "Exits sent: VIEW_CHANGED x2, TAKE_PROFIT x1" in text


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


def test_a_long_run_shows_its_first_and_last_cycles_and_a_total_within_100_columns() -> None:
    """Issue 24: after 10 minutes the report printed 94 rows, one per cycle."""
    cycles = [
        CycleStats(cycle=n, started_at=START, orders_placed=2, realized_pnl=Decimal("0.50"))
        for n in range(1, 95)
    ]
    holdings = Holdings(0, 0, Decimal(0), Decimal(0), Decimal(0))
    console = Console(record=True, width=100)
    render_run(console, "sim", "offline", cycles, Decimal(1000), Decimal(1047), holdings, True, "")
    lines = console.export_text().splitlines()
    first = [cells[0] for cells in map(str.split, lines) if cells[1:2] == ["0"]]  # cycle rows
    assert first == ["1", "2", "3", "92", "93", "94", "total"]
    assert any(line.split()[:2] == ["88", "more"] for line in lines)
    [total] = [line.split() for line in lines if line.split()[:1] == ["total"]]
    assert total[4] == "188"  # orders over every cycle
    assert total[-1] == "$47.00"
    assert max(map(len, lines)) <= 100
