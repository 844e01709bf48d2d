"""A position booked before fills were recorded (an order of the bot's own, from before 0005)
has no fill behind it in the book: like an adoption, its row stands for the fills up to its
opening, so the fold of its market's records (domain.fold) starts from it rather than from
nothing (0012 took only the positions recovered from the venue).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO adoptions (ticker, side, count, cost, observed_at)"
        " SELECT p.ticker, p.side, p.count, p.cost, p.opened_at FROM positions p"
        " WHERE p.status IN ('open', 'recovered')"
        " AND NOT EXISTS (SELECT 1 FROM fills f WHERE f.ticker = p.ticker)"
        " AND NOT EXISTS (SELECT 1 FROM adoptions a WHERE a.ticker = p.ticker)"
    )


def downgrade() -> None:
    """The rows it added cannot be told from later adoptions; they stay (harmless: each is
    what its position row already says)."""
