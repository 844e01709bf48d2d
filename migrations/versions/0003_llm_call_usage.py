"""LLM calls say whether their usage was reported, estimated or capped.

A reply without usage is booked at the call's worst case ("estimated"); usage beyond what the
call asked for is cut to it ("capped"). Existing rows were booked as reported.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("usage", sa.Text(), server_default="reported", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.drop_column("usage")
