"""Fixtures: real SQLite files in tmp_path, migrated the way the program migrates them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from infra.db.engine import create_engine_for
from infra.db.migrate import migrate
from infra.db.repository import Database

Query = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.fixture
def migrated_path(db_path: Path) -> Path:
    migrate(db_path)
    return db_path


@pytest.fixture
def database(migrated_path: Path) -> Iterator[Database]:
    db = Database.open(migrated_path)
    yield db
    db.close()


@pytest.fixture
def engine(migrated_path: Path) -> Iterator[Engine]:
    """The production engine, for statements below the repository (type checks)."""
    eng = create_engine_for(migrated_path)
    yield eng
    eng.dispose()


@pytest.fixture
def query(migrated_path: Path) -> Query:
    """Run SQL with the plain sqlite3 module, to see exactly what is stored."""

    def run(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(migrated_path)) as connection:
            return connection.execute(sql, params).fetchall()

    return run
