"""The book is a fold of the venue's records: each fill keeps the venue's own sequence within
its timestamp (`fills.seq`), and a position adopted from the venue before its fills is kept as a
record of its own (`adoptions`), so that its fills replace it when they arrive.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fills") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("observed_at", sa.Text(), nullable=False),
        sa.CheckConstraint("side IN ('yes', 'no')", name=op.f("ck_adoptions_side")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoptions")),
        sa.UniqueConstraint("ticker", name=op.f("uq_adoptions_ticker")),
    )
    # A recovered position with no fill behind it was adopted: its record, as it was taken
    # (no fill ever changed it; closing a row keeps its count and cost).
    op.execute(
        "INSERT INTO adoptions (ticker, side, count, cost, observed_at)"
        " SELECT p.ticker, p.side, p.count, p.cost, p.opened_at FROM positions p"
        " WHERE p.status IN ('recovered', 'closed') AND p.client_order_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM fills f WHERE f.ticker = p.ticker)"
        " AND p.id = (SELECT MIN(q.id) FROM positions q WHERE q.ticker = p.ticker)"
    )


def downgrade() -> None:
    op.drop_table("adoptions")
    with op.batch_alter_table("fills") as batch:
        batch.drop_column("seq")
