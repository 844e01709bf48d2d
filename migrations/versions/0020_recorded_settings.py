"""The trading settings each recorded cycle ran with (a blob, shared by every cycle of a run), so
`replay` trades with the recording's settings rather than today's.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recorded_scans") as batch:
        batch.add_column(sa.Column("settings_hash", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recorded_scans") as batch:
        batch.drop_column("settings_hash")
