"""Operator requests say who made them (OS user, pid, host) and, for `ack-drift`, the drift
accepted; rows without them (written by hand, or before this revision) are refused.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("requested_by", sa.Text()),
    ("requested_pid", sa.Integer()),
    ("requested_host", sa.Text()),
    ("accepted", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("operator_commands") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_commands") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
