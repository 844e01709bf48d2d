"""Ledger rows are indexed by what they reference (an order, a fill, a settlement, an LLM call),
and orders by market: `why TICKER` finds a market's rows without reading the whole ledger or
every order (issue 21).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_bankroll_history_ref_id"), "bankroll_history", ["ref_id"])
    op.create_index(op.f("ix_executions_ticker"), "executions", ["ticker"])


def downgrade() -> None:
    op.drop_index(op.f("ix_executions_ticker"), table_name="executions")
    op.drop_index(op.f("ix_bankroll_history_ref_id"), table_name="bankroll_history")
