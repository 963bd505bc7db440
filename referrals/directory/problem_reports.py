"""Reports of wrong entries, made by users in the bot ("report a problem" under a card).

A report holds the service, a reason and the time: nothing about the user (no sender id,
no text). The bot's buttons carry a short reference to the service (`short_ref`: 11
characters of a hash, referrals/directory/refs.py) because Telegram allows only 64 bytes of
button data. The action server stores reports here; the admin's queue (referrals.admin.reports)
reads and closes them. The table belongs to the Alembic branch "admin" (0002_admin), which
created it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from referrals import clock
from referrals.directory.models import Base
from referrals.directory.refs import resolve_ref

REPORT_REASONS = ("closed", "moved", "phone", "language")


class ProblemReport(Base):
    """A user's report from the bot that an entry is wrong. Holds no user data at all."""

    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # closed | moved | phone | language
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now()
    )
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | done
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(300))
    # How it was closed: "done" (the button), or the change after the report that settled it
    # ("edit", "verify", "archive", "restore", ...).
    resolution: Mapped[str | None] = mapped_column(String(20))


def store_report(session: Session, ref: str, reason: str) -> ProblemReport | None:
    """Record a report (the caller commits); None when the reference or reason is unknown."""
    if reason not in REPORT_REASONS:
        return None
    service_id = resolve_ref(session, ref)
    if service_id is None:
        return None
    # The same open report again (a second tap, or someone flooding the queue) adds nothing.
    same = session.scalar(
        select(ProblemReport).where(
            ProblemReport.service_id == service_id,
            ProblemReport.reason == reason,
            ProblemReport.status == "open",
        )
    )
    if same is not None:
        return same
    report = ProblemReport(service_id=service_id, reason=reason, status="open")
    session.add(report)
    return report
