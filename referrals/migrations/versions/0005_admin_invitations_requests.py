"""counsellor admin: one-time invitation links, requests to be listed

Revision ID: 0005_admin_onboarding
Revises: 0004_admin_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_admin_onboarding"
down_revision: str | None = "0004_admin_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_invitation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["admin_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("admin_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_invitation_user_id"), ["user_id"], unique=False)
    op.create_table(
        "listing_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_name", sa.String(length=300), nullable=False),
        sa.Column("is_mso", sa.Boolean(), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("listing_request")
    with op.batch_alter_table("admin_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_invitation_user_id"))
    op.drop_table("admin_invitation")
