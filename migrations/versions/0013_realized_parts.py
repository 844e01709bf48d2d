"""Each realized P&L row says what it realized: a sale or a settlement (`kind`), of how many
contracts (`count`), and the fee charged on it (`fees`), so every view can show a position's
sold and settled parts with their proceeds and fees.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pnl_history") as batch:
        batch.add_column(sa.Column("kind", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("count", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("fees", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("pnl_history") as batch:
        batch.drop_column("fees")
        batch.drop_column("count")
        batch.drop_column("kind")
