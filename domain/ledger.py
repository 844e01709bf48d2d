"""The ledger's projection and its check: balance = sum of changes, row by row, exactly."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain.base import Frozen
from domain.models import LedgerEntry
from domain.money import ZERO


class LedgerCheck(Frozen):
    ok: bool
    rows: int
    total_change: Decimal
    last_balance: Decimal
    problem: str = ""


def project(entries: Iterable[LedgerEntry]) -> Decimal:
    """The balance a ledger implies: the sum of its changes (the first row seeds the bankroll)."""
    return sum((entry.change for entry in entries), ZERO)


def check(entries: Iterable[LedgerEntry]) -> LedgerCheck:
    """Every row's balance is the previous balance plus its change, starting from zero."""
    running = ZERO
    rows = 0
    problem = ""
    for entry in entries:
        rows += 1
        running += entry.change
        if not problem and entry.balance != running:
            problem = (
                f"row {entry.id or rows} ({entry.reason}) says balance {entry.balance}"
                f" but the changes up to it add up to {running}"
            )
    last = running if rows else ZERO
    return LedgerCheck(
        ok=not problem, rows=rows, total_change=running, last_balance=last, problem=problem
    )
