"""The revisions read without Alembic (infra/db/revisions.py) are Alembic's own: the same head
and the same set, for the migrations shipped and for a directory with a merge after them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from infra.db.errors import MigrationError
from infra.db.migrate import alembic_config
from infra.db.revisions import MIGRATIONS_DIR, Revisions, shipped

BRANCH = """
revision = "{name}"
down_revision = "{parent}"
branch_labels = None
depends_on = None
"""

MERGE = """
from alembic import op

revision: str = "9003"
down_revision: tuple[str, ...] = ("9001", "9002")  # a merge
"""


def alembics(location: Path) -> Revisions:
    script = ScriptDirectory.from_config(alembic_config(location))
    head = script.get_current_head()
    assert head is not None
    return Revisions(known=frozenset(r.revision for r in script.walk_revisions()), head=head)


def branched(tmp_path: Path) -> Path:
    """The real migrations, then two branches from their head."""
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    head = shipped().head
    for name in ("9001", "9002"):
        text = BRANCH.format(name=name, parent=head)
        (location / "versions" / f"{name}_branch.py").write_text(text)
    return location


def test_the_shipped_revisions_are_alembic_s() -> None:
    assert shipped() == alembics(MIGRATIONS_DIR)


def test_a_merge_is_read_as_alembic_reads_it(tmp_path: Path) -> None:
    location = branched(tmp_path)
    (location / "versions" / "9003_merge.py").write_text(MERGE)
    assert shipped(location) == alembics(location)
    assert shipped(location).head == "9003"


def test_two_heads_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="2 heads"):
        shipped(branched(tmp_path))
