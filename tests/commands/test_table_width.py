"""Issue 24: tables reached ~190 columns. Every view's table, rendered from the shared traded
book at 100 columns (`COLUMNS`, as a terminal of that width would give), fits: no line is
longer, and no column is cut off at the edge (each one's header is there whole)."""

from __future__ import annotations

import pytest

from tests.in_process import run_main_in_process
from tests.process_helpers import child_env
from tests.shared_book import TradedBook

WIDTH = 100
VIEWS = {
    "status": ("ticker", "unrealized", "marked", "event", "cost"),
    "trades": ("ticker", "opened", "forecast", "exit", "P&L", "LLM", "net"),
    "why": ("row", "time", "reason", "change", "balance", "evidence"),
    "report": ("model",),
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_each_table_fits_100_columns(traded_book: TradedBook, view: str) -> None:
    args = [view, traded_book.ticker] if view == "why" else [view]
    shown = run_main_in_process(
        *args, "--db", str(traded_book.path), env=child_env(COLUMNS=str(WIDTH))
    )
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(map(len, lines)) <= WIDTH
    words = set(shown.stdout.split())
    assert set(VIEWS[view]) <= words, set(VIEWS[view]) - words
