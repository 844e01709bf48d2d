"""Health notes: what a part read past without failing (values the venue sent that this bot does
not know, domain.health.HealthCheck.note), so `status` shows them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("health") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("health") as batch:
        batch.drop_column("note")
