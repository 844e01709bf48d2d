"""LLM calls are indexed by market: `trades` and `why` sum a market's LLM cost without reading
every call (issue 21).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 11:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_llm_calls_ticker"), "llm_calls", ["ticker"])


def downgrade() -> None:
    op.drop_index(op.f("ix_llm_calls_ticker"), table_name="llm_calls")
