"""The recorder: each decision's inputs, content-addressed, for `pm-trader replay`.

Adds `recording_blobs` (a text per SHA-256), `recorded_scans` (one per cycle),
`recorded_markets` (the markets a scan analysed or held) and `recorded_llm_calls` (prompt,
settings and answer of each LLM call).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording_blobs",
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_recording_blobs")),
    )
    op.create_table(
        "recorded_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorded_scans")),
    )
    with op.batch_alter_table("recorded_scans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recorded_scans_ts"), ["ts"], unique=False)
    op.create_table(
        "recorded_markets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("market_hash", sa.Text(), nullable=False),
        sa.Column("book_hash", sa.Text(), nullable=True),
        sa.Column("polymarket_hash", sa.Text(), nullable=True),
        sa.CheckConstraint("role IN ('candidate', 'held')", name=op.f("ck_recorded_markets_role")),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["recorded_scans.id"],
            name=op.f("fk_recorded_markets_scan_id_recorded_scans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorded_markets")),
    )
    with op.batch_alter_table("recorded_markets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recorded_markets_scan_id"), ["scan_id"], unique=False)
    op.create_table(
        "recorded_llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("system_hash", sa.Text(), nullable=False),
        sa.Column("user_hash", sa.Text(), nullable=False),
        sa.Column("settings_hash", sa.Text(), nullable=False),
        sa.Column("answer_hash", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorded_llm_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_recorded_llm_calls_call_id")),
    )
    with op.batch_alter_table("recorded_llm_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recorded_llm_calls_ts"), ["ts"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recorded_llm_calls_ticker_cycle"), ["ticker", "cycle"], unique=False
        )


def downgrade() -> None:
    op.drop_table("recorded_llm_calls")
    op.drop_table("recorded_markets")
    op.drop_table("recorded_scans")
    op.drop_table("recording_blobs")
