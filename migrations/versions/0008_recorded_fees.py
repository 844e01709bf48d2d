"""The recorder keeps each analysed market's fee schedule (`recorded_markets.fees_hash`), so a
replay charges the series' fees as the venue stated them when the bot decided.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recorded_markets") as batch:
        batch.add_column(sa.Column("fees_hash", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recorded_markets") as batch:
        batch.drop_column("fees_hash")
