"""Text from a venue or a model is shown as it is, never read as Rich markup (issue 20, point 6):
a ticker `[/]` crashed `status`, and `[link=...]` rendered a link. Every view of a book whose
venue text is hostile runs, exits 0 and shows that text literally."""

from __future__ import annotations

import ast
import re
import sqlite3
from contextlib import closing

import pytest

from tests.in_process import run_main_in_process
from tests.process_helpers import ROOT
from tests.shared_book import TradedBook

HOSTILE = "[/][link=https://e.x]K[/link]:warning:"


def make_hostile(book: TradedBook) -> None:
    """Every ticker of the held market, and its forecast's rationale, become hostile."""
    with closing(sqlite3.connect(book.path)) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if any(c[1] == "ticker" for c in connection.execute(f"PRAGMA table_info('{name}')"))
        ]
        for table in tables:
            connection.execute(
                f"UPDATE '{table}' SET ticker = ? WHERE ticker = ?", (HOSTILE, book.ticker)
            )
        connection.execute("UPDATE forecasts SET rationale = ?", (f"rationale {HOSTILE}",))
        connection.commit()


@pytest.mark.parametrize(
    "command",
    [["status"], ["trades"], ["why", HOSTILE], ["report"], ["status", "--json"]],
    ids=["status", "trades", "why", "report", "status-json"],
)
def test_every_view_shows_hostile_venue_text_literally(
    traded_book_copy: TradedBook, command: list[str]
) -> None:
    make_hostile(traded_book_copy)
    ran = run_main_in_process(*command, "--db", str(traded_book_copy.path))
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "Traceback" not in ran.stderr
    if command[0] in {"status", "trades", "why"}:
        assert "[/]" in ran.stdout.replace("\\", "")  # shown (JSON escapes nothing here)
        assert "[link=" in ran.stdout  # as text, not a hyperlink
        assert "\\[" not in ran.stdout.replace('\\"', "")  # and not with escape marks


STYLE_TAG = re.compile(r"\[/?(bold|dim|italic|red|green|yellow|cyan|blue|magenta)\b[^\]]*\]")


def styled_prints_without_markup() -> list[str]:
    """Each `print(...)` in commands/ whose text carries a style tag but not `markup=True`: the
    console renders no markup by default, so the tag would be shown as text."""
    found = []
    for path in sorted((ROOT / "commands").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr != "print":
                continue
            text = "".join(
                node.value
                for arg in call.args
                for node in ast.walk(arg)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            )
            marked = any(
                k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in call.keywords
            )
            if STYLE_TAG.search(text) and not marked:
                found.append(f"{path.name}:{call.lineno}")
    return found


def test_every_line_styled_on_purpose_asks_for_markup() -> None:
    assert styled_prints_without_markup() == []
