"""`why TICKER`'s chain: every ledger row that moved money for the market, the settlement's
payout included (keyed by the settlement record, `TICKER@settled time`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from domain.models import LedgerReason
from infra.db.history import History
from infra.db.migrate import migrate
from infra.db.repository import Database

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_the_chain_holds_the_settlement_payout_and_nothing_of_a_lookalike(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    migrate(db)
    with Database.open(db) as database, database.unit_of_work() as repo:
        repo.append_ledger(T0, Decimal(1000), LedgerReason.INITIAL, Decimal(1000), "config")
        repo.append_ledger(
            T0,
            Decimal("2.50"),
            LedgerReason.SETTLEMENT,
            Decimal("1002.50"),
            "settlement",
            "KX-A_1@2026-11-24T15:05:00.000+00:00",
        )
        repo.append_ledger(
            T0,
            Decimal(1),
            LedgerReason.SETTLEMENT,
            Decimal("1003.50"),
            "settlement",
            "KX-AX1@2026-11-24T15:05:00.000+00:00",  # `_` must not match any character
        )
    with Database.open(db) as database, database.read(History) as history:
        chain = history.chain("KX-A_1")
    assert [(r.reason, r.change) for r in chain.ledger] == [
        (LedgerReason.SETTLEMENT, Decimal("2.50"))
    ]
