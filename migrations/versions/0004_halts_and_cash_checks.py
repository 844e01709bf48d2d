"""Trading halts, operator commands and cash checks.

`trading_halts`: why new orders are stopped (one active row per code); `operator_commands`:
requests from the command line to the running bot; `cash_checks`: each comparison of the
venue's cash with the book's, with both figures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_halts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.Text(), nullable=False),
        sa.Column("lifted_at", sa.Text(), nullable=True),
        sa.Column("lifted_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_halts")),
    )
    op.create_index(
        "uq_trading_halts_code_active",
        "trading_halts",
        ["code"],
        unique=True,
        sqlite_where=sa.text("lifted_at IS NULL"),
    )
    op.create_table(
        "operator_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("handled_at", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_commands")),
    )
    op.create_index(
        op.f("ix_operator_commands_handled_at"), "operator_commands", ["handled_at"], unique=False
    )
    op.create_table(
        "cash_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("venue_cash", sa.BigInteger(), nullable=False),
        sa.Column("expected_cash", sa.BigInteger(), nullable=False),
        sa.Column("drift", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("book_exact", sa.BigInteger(), nullable=False),
        sa.Column("book_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('baseline', 'ok', 'drift', 'drift_over_limit', 'in_flight', "
            "'acknowledged')",
            name=op.f("ck_cash_checks_verdict"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_checks")),
    )


def downgrade() -> None:
    op.drop_table("cash_checks")
    op.drop_index(op.f("ix_operator_commands_handled_at"), table_name="operator_commands")
    op.drop_table("operator_commands")
    op.drop_index("uq_trading_halts_code_active", table_name="trading_halts")
    op.drop_table("trading_halts")
