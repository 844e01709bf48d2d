"""The ledger is append-only in the database (triggers refuse UPDATE and DELETE on its rows), and
verified prefixes of it are recorded as checkpoints, so the chain is checked from the newest one
instead of from the first row (issue 21).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {"update": "changed", "delete": "deleted"}


def upgrade() -> None:
    for verb, done in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS bankroll_history_no_{verb} BEFORE {verb.upper()}"
            " ON bankroll_history BEGIN SELECT RAISE(ABORT, 'bankroll_history is append-only:"
            f" a ledger row is never {done}'); END"
        )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("api_cost", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
    for verb in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS bankroll_history_no_{verb}")
