"""Forecasts and LLM calls: what each forecast said and cost, scored when its market resolves.

Adds `forecasts` and `llm_calls`, `bankroll_history.detail` (what a cost bought), and
`executions.forecast_id` (which forecast a trade acted on).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:58:08.714195
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("prompt_version", sa.Text(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("probability", sa.BigInteger(), nullable=False),
        sa.Column("confidence", sa.BigInteger(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("yes_bid", sa.BigInteger(), nullable=True),
        sa.Column("yes_ask", sa.BigInteger(), nullable=True),
        sa.Column("polymarket_price", sa.BigInteger(), nullable=True),
        sa.Column("close_time", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
    )
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecasts_outcome"), ["outcome"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_forecasts_ticker_made_at"), ["ticker", "made_at"], unique=False
        )

    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("ts", sa.Text(), nullable=False),
        sa.Column("ticker", sa.Text(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("prompt_version", sa.Text(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_llm_calls_call_id")),
    )
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_llm_calls_model_prompt_version"),
            ["model", "prompt_version"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_llm_calls_ts"), ["ts"], unique=False)

    with op.batch_alter_table("bankroll_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))

    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forecast_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_executions_forecast_id_forecasts"), "forecasts", ["forecast_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_executions_forecast_id_forecasts"), type_="foreignkey"
        )
        batch_op.drop_column("forecast_id")

    with op.batch_alter_table("bankroll_history", schema=None) as batch_op:
        batch_op.drop_column("detail")

    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_calls_ts"))
        batch_op.drop_index(batch_op.f("ix_llm_calls_model_prompt_version"))

    op.drop_table("llm_calls")
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecasts_ticker_made_at"))
        batch_op.drop_index(batch_op.f("ix_forecasts_outcome"))

    op.drop_table("forecasts")
