"""counsellor admin: login and listing-request limits counted in the database (several workers)

Revision ID: 0006_admin_attempts
Revises: 0005_admin_onboarding
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_admin_attempts"
down_revision: str | None = "0005_admin_onboarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_attempt_bucket", "admin_attempt", ["bucket"])


def downgrade() -> None:
    op.drop_index("ix_admin_attempt_bucket", table_name="admin_attempt")
    op.drop_table("admin_attempt")
