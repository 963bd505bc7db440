"""handover: questions in writing, threads, messages, counters

Revision ID: 0006_handover
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_handover"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("handover",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statistics_handover",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("handovers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "town", "topic", "language"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "handover_optin",
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("answer_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_table(
        "handover_thread",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handover_thread", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_thread_chat"), ["chat"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_thread_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_handover_thread_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handover_thread_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_thread_state"), ["state"], unique=False)

    op.create_table(
        "handover_delivery",
        sa.Column("thread_id", sa.String(length=24), nullable=False),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["handover_thread.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    op.create_table(
        "handover_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.String(length=24), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["thread_id"], ["handover_thread.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handover_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_message_delivered_at"), ["delivered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_message_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handover_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_message_thread_id"))
        batch_op.drop_index(batch_op.f("ix_handover_message_delivered_at"))

    op.drop_table("handover_message")
    op.drop_table("handover_delivery")
    with op.batch_alter_table("handover_thread", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_thread_state"))
        batch_op.drop_index(batch_op.f("ix_handover_thread_service_id"))
        batch_op.drop_index(batch_op.f("ix_handover_thread_organization_id"))
        batch_op.drop_index(batch_op.f("ix_handover_thread_closed_at"))
        batch_op.drop_index(batch_op.f("ix_handover_thread_chat"))

    op.drop_table("handover_thread")
    op.drop_table("handover_optin")
    op.drop_table("statistics_handover")
