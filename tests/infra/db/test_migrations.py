from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from infra.db.engine import create_engine_for
from infra.db.errors import (
    DatabaseCorruptError,
    DatabaseError,
    DatabaseTooNewError,
    MigrationError,
)
from infra.db.migrate import alembic_config, migrate
from infra.db.revisions import MIGRATIONS_DIR, current_revision, head_revision
from infra.db.tables import Base

APP_TABLES = {
    "bankroll_history",
    "dead_letters",
    "executions",
    "forecasts",
    "llm_calls",
    "market_snapshots",
    "pnl_history",
    "positions",
    "status",
}

# A second revision that also proves the upgrade runs with foreign keys off.
SECOND_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
        raise RuntimeError("migrations must run with foreign_keys=OFF")
    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("notes")
"""

# Each revision commits on its own, so when this one fails 9001 is already in the file: only the
# restore from the backup can bring the database back to the real head.
FAILING_REVISION = """
from alembic import op

revision = "9002"
down_revision = "9001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TABLE bankroll_history")
    raise RuntimeError("deliberate failure in 9002")


def downgrade():
    pass
"""


def script_with(tmp_path: Path, *revisions: str) -> Path:
    """A copy of the real migrations with more revisions after the real head."""
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    for number, source in enumerate(revisions, start=9001):
        text = source.replace("{head}", head_revision())
        (location / "versions" / f"{number}_next.py").write_text(text)
    return location


def canonical_ddl(sql: str | None) -> object:
    """DDL with layout, name quoting and constraint order folded away.

    A batch migration rebuilds a table with the same columns and constraints as CREATE TABLE,
    but may quote its name and list the constraints in another order; ALTER TABLE lays the
    text out differently. Columns keep their order; every other difference still counts.
    """
    if sql is None:
        return None
    text = re.sub(r"\s+", " ", sql).replace('"', "")
    head, _, body = text.partition("(")
    if not head.startswith("CREATE TABLE"):
        return text
    items, depth, current = [], 0, ""
    for char in body.rstrip().removesuffix(")"):  # the table's own parenthesis, only
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    columns = [item for item in items if not item.startswith("CONSTRAINT")]
    constraints = frozenset(item for item in items if item.startswith("CONSTRAINT"))
    return head.strip(), tuple(columns), constraints


def table_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def seed_ledger(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO bankroll_history (ts, change, reason, balance) "
            "VALUES ('2026-03-01T12:00:00.000Z', 100000000, 'initial', 100000000)"
        )


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.backup-*"))


def test_new_database_is_created_at_head(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.db"

    revision = migrate(path)

    assert revision == head_revision()
    assert revision in {
        path.name.split("_")[0] for path in (MIGRATIONS_DIR / "versions").glob("0*.py")
    }
    assert current_revision(path) == revision
    assert table_names(path) >= APP_TABLES
    assert backups(path) == []


def test_migrating_a_database_at_head_changes_nothing(migrated_path: Path) -> None:
    before = migrated_path.read_bytes()

    assert migrate(migrated_path) == head_revision()

    assert migrated_path.read_bytes() == before
    assert backups(migrated_path) == []


def test_downgrade_to_base_then_upgrade_again(migrated_path: Path) -> None:
    engine = create_engine_for(migrated_path)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            connection.commit()
            assert table_names(migrated_path) == {"alembic_version"}
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()

    assert table_names(migrated_path) >= APP_TABLES
    assert current_revision(migrated_path) == head_revision()


def test_migrated_schema_matches_the_models(migrated_path: Path) -> None:
    engine = create_engine_for(migrated_path)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
            # compare_metadata does not look at CHECK constraints or partial-index predicates.
            indexes = inspect(connection).get_indexes("positions")
    finally:
        engine.dispose()

    assert differences == []
    active = next(index for index in indexes if index["name"] == "uq_positions_ticker_active")
    assert active["unique"]


def test_migrated_ddl_is_exactly_what_the_models_create(
    migrated_path: Path, tmp_path: Path
) -> None:
    """Stricter than compare_metadata: CHECK constraints and index predicates included."""
    from_models = tmp_path / "models.db"
    engine = create_engine(f"sqlite:///{from_models}")
    Base.metadata.create_all(engine)
    engine.dispose()

    def schema(path: Path) -> list[tuple[str, str, object]]:
        with closing(sqlite3.connect(path)) as connection:
            rows = connection.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE tbl_name != 'alembic_version' ORDER BY type, name"
            ).fetchall()
        return [(kind, name, canonical_ddl(sql)) for kind, name, sql in rows]

    assert schema(migrated_path) == schema(from_models)


def test_old_database_is_backed_up_then_upgraded(migrated_path: Path, tmp_path: Path) -> None:
    seed_ledger(migrated_path)
    location = script_with(tmp_path, SECOND_REVISION)

    head = head_revision()
    assert migrate(migrated_path, script_location=location) == "9001"

    assert current_revision(migrated_path) == "9001"
    assert "notes" in table_names(migrated_path)
    [backup] = backups(migrated_path)
    assert re.fullmatch(rf"bot\.db\.backup-{head}-\d{{8}}T\d{{6}}Z", backup.name)
    assert current_revision(backup) == head
    assert "notes" not in table_names(backup)
    with closing(sqlite3.connect(backup)) as connection:
        assert connection.execute("SELECT balance FROM bankroll_history").fetchall() == [
            (100_000_000,)
        ]


def test_failed_upgrade_restores_the_database(migrated_path: Path, tmp_path: Path) -> None:
    seed_ledger(migrated_path)
    before = dump(migrated_path)
    location = script_with(tmp_path, SECOND_REVISION, FAILING_REVISION)

    with pytest.raises(MigrationError) as raised:
        migrate(migrated_path, script_location=location)

    [backup] = backups(migrated_path)
    message = str(raised.value)
    assert "deliberate failure in 9002" in message
    assert str(backup) in message
    assert dump(migrated_path) == before
    assert current_revision(migrated_path) == head_revision()


def test_database_from_a_newer_program_is_refused_untouched(migrated_path: Path) -> None:
    with closing(sqlite3.connect(migrated_path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    before = migrated_path.read_bytes()
    files_before = sorted(migrated_path.parent.iterdir())

    with pytest.raises(DatabaseTooNewError) as raised:
        migrate(migrated_path)

    assert isinstance(raised.value, DatabaseError)
    assert "f00dfeed" in str(raised.value)
    assert "Upgrade the program" in str(raised.value)
    assert migrated_path.read_bytes() == before
    assert sorted(migrated_path.parent.iterdir()) == files_before


def test_a_file_that_is_not_sqlite_is_refused_untouched(db_path: Path) -> None:
    garbage = bytes(range(256)) * 64
    db_path.write_bytes(garbage)

    with pytest.raises(DatabaseCorruptError) as raised:
        migrate(db_path)

    assert isinstance(raised.value, DatabaseError)
    assert str(db_path) in str(raised.value)
    assert db_path.read_bytes() == garbage
    assert list(db_path.parent.iterdir()) == [db_path]


def test_positions_without_fills_are_adopted_so_the_fold_starts_from_them(
    migrated_path: Path,
) -> None:
    """Issue 19: a position from before fills were recorded (the bot's own order) or recovered
    from the venue has no fill behind it; 0012 and 0016 record it as an adoption, which the
    book's fold starts from. One with fills needs none."""
    engine = create_engine_for(migrated_path)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0011")
            connection.commit()
            for ticker, status in (("OWN", "open"), ("HAND", "recovered"), ("FILLED", "open")):
                connection.exec_driver_sql(
                    "INSERT INTO positions (ticker, side, count, cost, status, opened_at)"
                    " VALUES (?, 'yes', 1000, 4170000, ?, '2026-11-01T00:00:00.000Z')",
                    (ticker, status),
                )
            connection.exec_driver_sql(
                "INSERT INTO fills (fill_id, order_id, ticker, side, count, yes_price, fee,"
                " created_time, booked_at) VALUES ('f', 'o', 'FILLED', 'yes', 1000, 410000,"
                " 70000, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')"
            )
            connection.commit()
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()
    with closing(sqlite3.connect(migrated_path)) as connection:
        rows = connection.execute("SELECT ticker, count, cost FROM adoptions ORDER BY ticker")
        assert rows.fetchall() == [("HAND", 1000, 4170000), ("OWN", 1000, 4170000)]
