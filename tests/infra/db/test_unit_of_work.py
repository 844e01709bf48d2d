from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import OperationalError

from domain.models import LedgerReason
from infra.db.repository import Database
from tests.infra.db.builders import T0, at, execution, position
from tests.infra.db.conftest import Query


class Boom(Exception):
    pass


def test_a_clean_unit_of_work_commits(database: Database, query: Query) -> None:
    with database.unit_of_work() as repo:
        repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))

    assert query("SELECT count(*) FROM bankroll_history") == [(1,)]


def test_a_unit_of_work_that_raises_leaves_no_rows(database: Database, query: Query) -> None:
    def open_position_then_fail() -> None:
        with database.unit_of_work() as repo:
            repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))
            repo.insert_execution(execution())
            repo.insert_position(position(client_order_id="coid-1"))
            raise Boom

    with pytest.raises(Boom):
        open_position_then_fail()

    for table in ("bankroll_history", "executions", "positions"):
        assert query(f"SELECT count(*) FROM {table}") == [(0,)]


def test_a_read_sees_one_snapshot_despite_later_commits(database: Database) -> None:
    """Needs a real BEGIN before the first SELECT, which the driver alone would not send."""
    with database.unit_of_work() as repo:
        repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))

    with database.read() as reader:
        before = reader.ledger_totals()
        with database.unit_of_work() as writer:
            writer.append_ledger(at(1), Decimal(-1), LedgerReason.API_COST, Decimal(99))
        assert reader.ledger_totals() == before

    with database.read() as reader:
        assert reader.ledger_totals().rows == 2


def test_a_read_cannot_write(database: Database, query: Query) -> None:
    with pytest.raises(OperationalError, match="readonly"), database.read() as repo:
        repo.append_ledger(T0, Decimal(100), LedgerReason.INITIAL, Decimal(100))

    with database.unit_of_work() as repo:  # the pooled connection is writable again
        repo.append_ledger(T0, Decimal(5), LedgerReason.INITIAL, Decimal(5))
    assert query("SELECT change FROM bankroll_history") == [(5_000_000,)]
