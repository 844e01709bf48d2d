"""The market snapshots are compacted as the bot runs (infra.db.retention): how far that has
gone is kept in `history_cursors`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "history_cursors",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("through_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_history_cursors")),
    )


def downgrade() -> None:
    op.drop_table("history_cursors")
