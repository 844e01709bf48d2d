"""What the read commands share: the book opened read-only, and how figures are printed.

Money on screen is `usd` (two places); in JSON and CSV it is the exact dollar string (every
digit the book holds, never a float). Times are the book's stored UTC format; on the simulator
the book's clock is the simulator's, and the screens say so.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from rich import box
from rich.table import Table

from domain.clock import format_utc, parse_utc
from domain.money import usd
from infra.db.history import History
from infra.db.reading import open_for_reading

MICRO = Decimal("0.000001")


def utc_argument(text: str) -> datetime:
    """A command-line time: RFC 3339 UTC, or argparse's clear error."""
    try:
        return parse_utc(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a UTC time such as 2026-11-24T12:00:00Z"
        ) from None


@contextmanager
def read_history(path: Path) -> Iterator[History]:
    """One query-only transaction on the book at `path`; refuses a missing or foreign file."""
    with open_for_reading(path) as db, db.read(History) as history:
        yield history


def exact(amount: Decimal | None) -> str | None:
    """ "12.345600" -> "12.3456": every digit the book holds, at least two places."""
    if amount is None:
        return None
    text = f"{amount.quantize(MICRO):f}".rstrip("0")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


def money(amount: Decimal | None) -> str:
    """Money on screen, in every view: "$1,234.56" ("-" for none)."""
    return "-" if amount is None else usd(amount)


def csv_cell(value: object) -> object:
    """A CSV cell: booleans as JSON writes them (`true`/`false`), the rest as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def price(amount: Decimal | None) -> str:
    return "-" if amount is None else f"{amount.quantize(Decimal('0.0001')):f}"


def when(moment: datetime | None) -> str:
    return "-" if moment is None else format_utc(moment)


def minute(moment: datetime | None) -> str:
    """A time in a table cell, to the minute ("2026-11-24 13:23"; UTC like every time shown):
    the exact one is in --json."""
    return "-" if moment is None else format_utc(moment)[:16].replace("T", " ")


def new_table(title: str, caption: str | None = None) -> Table:
    """Every view's table: rules under the header only, no side borders, so a table of a dozen
    columns fits a 100-column terminal."""
    return Table(
        title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
