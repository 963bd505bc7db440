"""counsellor admin: reports closed by a later edit or verification, and the history's note

Revision ID: 0004_admin_reports
Revises: 0003_admin_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_admin_reports"
down_revision: str | None = "0003_admin_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
    with op.batch_alter_table("admin_entry_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_reports", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admin_entry_version", schema=None) as batch_op:
        batch_op.drop_column("closed_reports")
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.drop_column("resolution")
