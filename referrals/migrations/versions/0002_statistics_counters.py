"""coordinator statistics: aggregated daily counters (no text, no ids)

Revision ID: 0002_statistics
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_statistics"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("statistics",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statistics_count",
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "city", "day", "value"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "statistics_referral",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "city", "topic", "outcome"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "statistics_organization",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("organization", sa.String(length=300), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "city", "organization"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("statistics_organization")
    op.drop_table("statistics_referral")
    op.drop_table("statistics_count")
