"""telegram adapter: durable inbox of updates (bot/inbox.py)

Revision ID: 0002_inbox
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_inbox"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("inbox",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("replies", sa.Text(), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_telegram_inbox_chat", "telegram_inbox", ["chat"])
    op.create_index("ix_telegram_inbox_done_at", "telegram_inbox", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_inbox_done_at", table_name="telegram_inbox")
    op.drop_index("ix_telegram_inbox_chat", table_name="telegram_inbox")
    op.drop_table("telegram_inbox")
