"""The cockpit: sales an operator asked for, the signal behind each order, the kill switch's memory.

- `executions.reduce_only`: the order only closes what is held (`close`, `flatten`);
- `executions.edge`, `full_kelly`, `kelly_fraction`, `caps`: the signal an entry was sized from
  (NULL for orders placed before this revision and for sales);
- `operator_commands.ticker`: the market a `close` request names;
- `kill_switch`: one row, the day the daily loss is measured from, that day's starting equity and
  the peak equity, so a restart cannot reset either.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(
            sa.Column("reduce_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("edge", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("full_kelly", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("kelly_fraction", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("caps", sa.Text(), nullable=True))
    with op.batch_alter_table("operator_commands") as batch:
        batch.add_column(sa.Column("ticker", sa.Text(), nullable=True))
    op.create_table(
        "kill_switch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Text(), nullable=False),
        sa.Column("day_start", sa.BigInteger(), nullable=False),
        sa.Column("peak", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_kill_switch_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kill_switch")),
    )


def downgrade() -> None:
    op.drop_table("kill_switch")
    with op.batch_alter_table("operator_commands") as batch:
        batch.drop_column("ticker")
    with op.batch_alter_table("executions") as batch:
        for column in ("caps", "kelly_fraction", "full_kelly", "edge", "reduce_only"):
            batch.drop_column(column)
