from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.ledger import check, project
from domain.models import LedgerEntry, LedgerReason

NOW = datetime(2026, 11, 24, tzinfo=UTC)
changes = st.lists(
    st.decimals(min_value=Decimal(-500), max_value=Decimal(500), places=6, allow_nan=False),
    max_size=60,
)


def build(seed: Decimal, deltas: list[Decimal]) -> list[LedgerEntry]:
    entries, balance = [], Decimal(0)
    for i, change in enumerate([seed, *deltas]):
        balance += change
        reason = LedgerReason.INITIAL if i == 0 else LedgerReason.ADJUSTMENT
        entries.append(LedgerEntry(id=i + 1, ts=NOW, change=change, reason=reason, balance=balance))
    return entries


@given(changes)
def test_projection_equals_sum_of_entries(deltas: list[Decimal]) -> None:
    entries = build(Decimal(1000), deltas)
    result = check(entries)
    assert result.ok
    assert project(entries) == Decimal(1000) + sum(deltas, Decimal(0))
    assert result.last_balance == entries[-1].balance == project(entries)
    assert result.rows == len(entries)


@given(changes.filter(bool), st.data())
def test_a_tampered_row_is_found(deltas: list[Decimal], data: st.DataObject) -> None:
    entries = build(Decimal(1000), deltas)
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    bad = entries[index].replace(balance=entries[index].balance + Decimal("0.000001"))
    entries[index] = bad
    result = check(entries)
    assert not result.ok
    assert f"row {bad.id}" in result.problem


def test_empty_ledger_is_consistent() -> None:
    assert check([]).ok
    assert project([]) == 0
