"""Exits (issue 23): each execution says why the bot sold a position by itself, if it did, and
each forecast keeps a fingerprint of the rules text it was made on (new rules: a new forecast).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("exit_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("forecasts") as batch:
        batch.add_column(sa.Column("rules_digest", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forecasts") as batch:
        batch.drop_column("rules_digest")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("exit_reason")
