"""What the dashboard and /metrics show over time: equity (cash plus open positions at their
marks) at every reconciliation, when the last cycle began (its duration), and how many market
records the last scan quarantined.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equity_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("positions", sa.BigInteger(), nullable=False),
        sa.Column("unmarked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_history")),
    )
    with op.batch_alter_table("status") as batch:
        batch.add_column(sa.Column("cycle_started_at", sa.Text(), nullable=True))
    with op.batch_alter_table("health") as batch:
        batch.add_column(sa.Column("quarantined", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("health") as batch:
        batch.drop_column("quarantined")
    with op.batch_alter_table("status") as batch:
        batch.drop_column("cycle_started_at")
    op.drop_table("equity_history")
