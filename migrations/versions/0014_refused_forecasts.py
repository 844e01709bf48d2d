"""A forecast the bot refused to trade on says why (`forecasts.refusal`, e.g.
`FORECAST_IMPLAUSIBLE: P(yes) 0.99 is 0.95 from the mid 0.04, beyond the bound 0.15`), so
`why` shows it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forecasts") as batch:
        batch.add_column(sa.Column("refusal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forecasts") as batch:
        batch.drop_column("refusal")
