"""Initial schema: market snapshots, bankroll ledger, executions, positions, P&L, status.

Money columns are BIGINT micro-dollars, counts BIGINT centi-contracts, times TEXT in UTC
("YYYY-MM-DDTHH:MM:SS.mmmZ"); see infra/db/types.py.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bankroll_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("change", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("ref_type", sa.Text(), nullable=True),
        sa.Column("ref_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('initial', 'reserve', 'release', 'settlement', 'api_cost', "
            "'recovered', 'adjustment')",
            name=op.f("ck_bankroll_history_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bankroll_history")),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("message_kind", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "executions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("limit_price", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("venue_order_id", sa.Text(), nullable=True),
        sa.Column("filled_count", sa.BigInteger(), nullable=False),
        sa.Column("fill_cost", sa.BigInteger(), nullable=False),
        sa.Column("fees", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("side IN ('yes', 'no')", name=op.f("ck_executions_side")),
        sa.CheckConstraint(
            "status IN ('intent', 'resting', 'partial', 'filled', 'rejected', 'ambiguous', "
            "'canceled')",
            name=op.f("ck_executions_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
        sa.UniqueConstraint("client_order_id", name=op.f("uq_executions_client_order_id")),
        sa.UniqueConstraint("venue_order_id", name=op.f("uq_executions_venue_order_id")),
    )
    with op.batch_alter_table("executions") as batch_op:
        batch_op.create_index(batch_op.f("ix_executions_status"), ["status"], unique=False)

    op.create_table(
        "market_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("event_ticker", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("yes_bid", sa.BigInteger(), nullable=True),
        sa.Column("yes_ask", sa.BigInteger(), nullable=True),
        sa.Column("no_bid", sa.BigInteger(), nullable=True),
        sa.Column("no_ask", sa.BigInteger(), nullable=True),
        sa.Column("last_price", sa.BigInteger(), nullable=True),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.Column("open_interest", sa.BigInteger(), nullable=False),
        sa.Column("close_time", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_snapshots")),
    )
    with op.batch_alter_table("market_snapshots") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_snapshots_ticker_ts"), ["ticker", "ts"], unique=False
        )

    op.create_table(
        "status",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_success_at", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("heartbeat_at", sa.Text(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_status_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status")),
    )
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("client_order_id", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.Column("payout", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("side IN ('yes', 'no')", name=op.f("ck_positions_side")),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'recovered')", name=op.f("ck_positions_status")
        ),
        sa.ForeignKeyConstraint(
            ["client_order_id"],
            ["executions.client_order_id"],
            name=op.f("fk_positions_client_order_id_executions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
    )
    with op.batch_alter_table("positions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_positions_client_order_id"), ["client_order_id"], unique=False
        )
        batch_op.create_index(
            "uq_positions_ticker_active",
            ["ticker"],
            unique=True,
            sqlite_where=sa.text("status IN ('open', 'recovered')"),
        )

    op.create_table(
        "pnl_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("payout", sa.BigInteger(), nullable=False),
        sa.Column("realized_pnl", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_pnl_history_position_id_positions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pnl_history")),
    )
    with op.batch_alter_table("pnl_history") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pnl_history_position_id"), ["position_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pnl_history") as batch_op:
        batch_op.drop_index(batch_op.f("ix_pnl_history_position_id"))
    op.drop_table("pnl_history")

    with op.batch_alter_table("positions") as batch_op:
        batch_op.drop_index("uq_positions_ticker_active")
        batch_op.drop_index(batch_op.f("ix_positions_client_order_id"))
    op.drop_table("positions")

    op.drop_table("status")

    with op.batch_alter_table("market_snapshots") as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_snapshots_ticker_ts"))
    op.drop_table("market_snapshots")

    with op.batch_alter_table("executions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_executions_status"))
    op.drop_table("executions")

    op.drop_table("dead_letters")
    op.drop_table("bankroll_history")
