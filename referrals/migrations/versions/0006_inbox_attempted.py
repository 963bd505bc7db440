"""telegram adapter: inbox rows remember that a turn was started (several adapter workers)

An update a worker began to handle may have reached Rasa before that worker died; the worker
that takes it over must then look in Rasa's tracker before asking again. Rows unfinished at
the upgrade are counted as started: nobody knows.

Revision ID: 0006_inbox_attempted
Revises: 0002_inbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_inbox_attempted"
down_revision: str | None = "0002_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "telegram_inbox",
        sa.Column("attempted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(sa.text("UPDATE telegram_inbox SET attempted = true WHERE done_at IS NULL"))


def downgrade() -> None:
    op.drop_column("telegram_inbox", "attempted")
