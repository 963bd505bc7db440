"""Tables of the counsellor admin: users, their organisations, entry versions, invitations,
listing requests and rate-limit attempts (the bot's problem reports live with the directory:
referrals.directory.problem_reports).

They share referrals.directory.models.Base, so one Alembic history (branch "admin") creates them.
Field-level changes are also written to the HSDS `metadata` table (referrals.directory.models.Metadata);
`EntryVersion` adds whole-entry snapshots so that an earlier version can be restored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referrals import clock
from referrals.directory.models import Base

ROLES = ("admin", "counsellor", "coordinator")


class AdminUser(Base):
    """A person who logs into the admin. Only the argon2 hash of the password is stored."""

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | counsellor | coordinator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised on password reset or deactivation: sessions carrying an older number end.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set by an admin's password reset: the user must choose a new password after logging in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now()
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(
        cascade="all, delete-orphan", order_by="Membership.organization_id"
    )

    @property
    def organization_ids(self) -> list[str]:
        return [m.organization_id for m in self.memberships]


class AdminSession(Base):
    """A logged-in browser. The cookie carries a random token; only its SHA-256 is stored here.

    Logging out deletes the row, so a copy of the cookie taken before is refused afterwards;
    a session also ends after a period without requests and 8 hours after logging in.
    """

    __tablename__ = "admin_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Membership(Base):
    """A counsellor belongs to an organisation and may edit its services."""

    __tablename__ = "admin_membership"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)


class EntryVersion(Base):
    """A snapshot of one service (HSDS JSON) after a change, with who, when and which fields."""

    __tablename__ = "admin_entry_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))  # baseline | edit | verify | archive | restore | ...
    changed_fields: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of field names
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [before, after]}
    snapshot: Mapped[str] = mapped_column(Text)  # JSON, referrals.directory.hsds.service_to_hsds
    # Reasons of the bot's reports this change closed (JSON list), shown as a note in the history.
    closed_reports: Mapped[str | None] = mapped_column(Text)


class Invitation(Base):
    """A one-time link with which an invited user sets their own password.

    Only the SHA-256 of the link's token is stored; the link works once and until `expires_at`.
    """

    __tablename__ = "admin_invitation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListingRequest(Base):
    """A request "our organisation wants to be listed" from the public form; waits for an admin.

    Nothing of it is published: accepting creates the organisation (without services) and
    deletes the request, rejecting deletes it. Asks for an organisation's address, not a person.
    """

    __tablename__ = "listing_request"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organization_name: Mapped[str] = mapped_column(String(300))
    is_mso: Mapped[bool] = mapped_column(Boolean, default=False)
    city: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str] = mapped_column(String(300))
    topics: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of topic codes
    message: Mapped[str | None] = mapped_column(Text)


class AdminAttempt(Base):
    """One counted attempt (a failed login, a listing request) for the admin's rate limits.

    In the database, not in a process's memory, so that several admin workers count together.
    `bucket` is the SHA-256 of the limit and what it counts per (e-mail, client address): the
    table holds no address or e-mail in clear. Rows older than their window are deleted as new
    ones come.
    """

    __tablename__ = "admin_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
