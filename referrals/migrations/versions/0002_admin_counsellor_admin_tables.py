"""counsellor admin: users, memberships, entry versions, problem reports

Revision ID: 0002_admin
Revises: 0001
Create Date: 2026-11-24 04:28:16.243187
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_admin"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("admin",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=300), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "admin_membership",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(["user_id"], ["admin_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "organization_id"),
    )
    with op.batch_alter_table("admin_membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_membership_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_admin_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "admin_entry_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changed_fields", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin_entry_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_entry_version_service_id"), ["service_id"], unique=False)

    op.create_table(
        "problem_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_report_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_report_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_report_status"))
        batch_op.drop_index(batch_op.f("ix_problem_report_service_id"))

    op.drop_table("problem_report")
    with op.batch_alter_table("admin_entry_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_entry_version_service_id"))

    op.drop_table("admin_entry_version")
    with op.batch_alter_table("admin_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_membership_user_id"))
        batch_op.drop_index(batch_op.f("ix_admin_membership_organization_id"))

    op.drop_table("admin_membership")
    op.drop_table("admin_user")
