"""The cash check has one expected figure (fills booked with the fee the balance paid, A7):
the second reading, the ledger floored to the cent per order, is gone from `cash_checks`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cash_checks") as batch:
        batch.drop_column("book_cents")


def downgrade() -> None:
    with op.batch_alter_table("cash_checks") as batch:
        batch.add_column(
            sa.Column("book_cents", sa.BigInteger(), nullable=False, server_default="0")
        )
