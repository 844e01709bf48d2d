"""Issue 24: one money format on screen (`$` and cents, fees and LLM costs too), exact figures
in --json and CSV, and CSV booleans as JSON writes them. Read from the shared traded book."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from commands.views import csv_cell, money
from tests.in_process import run_main_in_process
from tests.shared_book import TradedBook


def test_money_on_screen_is_dollars_and_cents() -> None:
    assert money(Decimal("1.06")) == "$1.06"
    assert money(Decimal(0)) == "$0.00"
    assert money(Decimal("24.86000000")) == "$24.86"
    assert money(Decimal("-0.0042")) == "-$0.00"
    assert money(None) == "-"


def test_status_prints_every_amount_with_its_dollar_sign(traded_book: TradedBook) -> None:
    shown = run_main_in_process("status", "--db", str(traded_book.path))
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert re.search(r"LLM costs \$\d+\.\d\d\b", text), text
    for label in ("Bankroll", "equity", "realized P&L", "open exposure"):
        assert re.search(rf"{label} \$[\d,]+\.\d\d\b", text), label


def test_csv_booleans_are_true_or_false_and_figures_exact(traded_book: TradedBook) -> None:
    db = str(traded_book.path)
    as_json = json.loads(run_main_in_process("trades", "--json", "--db", db).stdout)
    rows = list(
        csv.DictReader(io.StringIO(run_main_in_process("trades", "--csv", "--db", db).stdout))
    )
    assert rows
    for row, trade in zip(rows, as_json, strict=True):
        assert row["mark_stale"] == json.dumps(trade["mark_stale"])  # "true" / "false"
        assert row["cost"] == trade["cost"]
        assert "$" not in row["cost"]
    assert csv_cell(False) == "false"
    assert csv_cell(None) is None
