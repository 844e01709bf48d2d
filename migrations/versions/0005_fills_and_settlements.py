"""The venue's records in the book: fills, settlements and how far each stream was read.

Adds `fills` (unique `fill_id`), `settlements` (unique per ticker and settled time),
`venue_sync` (the durable cursor of each stream) and the ledger reason `fill`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = "'initial', 'reserve', 'release', 'settlement', 'api_cost', 'recovered', 'adjustment'"


def _reasons(values: str) -> None:
    with op.batch_alter_table("bankroll_history", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_bankroll_history_reason"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_bankroll_history_reason"), f"reason IN ({values})"
        )


def upgrade() -> None:
    op.create_table(
        "fills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("yes_price", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("created_time", sa.Text(), nullable=False),
        sa.Column("client_order_id", sa.Text(), nullable=True),
        sa.Column("booked_at", sa.Text(), nullable=False),
        sa.CheckConstraint("side IN ('yes', 'no')", name=op.f("ck_fills_side")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_fills_fill_id")),
    )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fills_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fills_ticker"), ["ticker"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("event_ticker", sa.Text(), nullable=False),
        sa.Column("market_result", sa.Text(), nullable=False),
        sa.Column("yes_count", sa.BigInteger(), nullable=False),
        sa.Column("no_count", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("fee_cost", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("settled_time", sa.Text(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("booked_at", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "market_result IN ('yes', 'no', 'scalar', 'void', '')",
            name=op.f("ck_settlements_market_result"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint(
            "ticker", "settled_time", name=op.f("uq_settlements_ticker_settled_time")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_settlements_position_id_positions")
        ),
    )
    op.create_table(
        "venue_sync",
        sa.Column("stream", sa.Text(), nullable=False),
        sa.Column("high_water", sa.Text(), nullable=True),
        sa.Column("ignore_through", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_venue_sync")),
    )
    _reasons(f"{REASONS}, 'fill'")


def downgrade() -> None:
    _reasons(REASONS)
    op.drop_table("venue_sync")
    op.drop_table("settlements")
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fills_ticker"))
        batch_op.drop_index(batch_op.f("ix_fills_order_id"))
    op.drop_table("fills")
