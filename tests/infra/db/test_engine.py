from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from infra.db.engine import EXPECTED_PRAGMAS, Pragmas, create_engine_for, read_pragmas
from infra.db.errors import JournalModeError
from infra.db.repository import Database
from tests.infra.db.builders import position


def test_a_file_database_has_the_durable_pragmas(database: Database) -> None:
    assert database.pragmas() == Pragmas(journal_mode="wal", foreign_keys=1, synchronous="FULL")
    assert database.pragmas() == EXPECTED_PRAGMAS


def test_every_pooled_connection_gets_the_pragmas(engine: Engine) -> None:
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_wal_is_stored_in_the_file(migrated_path: Path) -> None:
    with closing(sqlite3.connect(migrated_path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_new_file_is_put_in_wal_mode(tmp_path: Path) -> None:
    engine = create_engine_for(tmp_path / "fresh.db")
    try:
        assert read_pragmas(engine).journal_mode == "wal"
    finally:
        engine.dispose()


def test_a_database_that_cannot_use_wal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the private-file set-up touches ":memory:" as a path
    with pytest.raises(JournalModeError, match="not WAL"):
        create_engine_for(Path(":memory:"))


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), database.unit_of_work() as repo:
        repo.insert_position(position(client_order_id="no-such-order"))
