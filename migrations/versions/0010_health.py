"""Health (domain.health): one row a part (scanner, linking, llm, cycle) with its last check,
why it failed, and when it was last healthy, so `status` shows what a bot last found.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health",
        sa.Column("part", sa.Text(), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.Text(), nullable=False),
        sa.Column("last_healthy_at", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "part IN ('scanner', 'linking', 'llm', 'cycle')", name=op.f("ck_health_part")
        ),
        sa.PrimaryKeyConstraint("part", name=op.f("pk_health")),
    )


def downgrade() -> None:
    op.drop_table("health")
