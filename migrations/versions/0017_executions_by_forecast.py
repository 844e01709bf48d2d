"""Orders are indexed by the forecast they acted on: the scorecard asks, for each forecast it
reads, whether an order filled on it (issue 21: no per-cycle query reads a whole table).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 11:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_executions_forecast_id"), "executions", ["forecast_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_executions_forecast_id"), table_name="executions")
