"""Reports of wrong entries, made by users in the bot ("report a problem" under a card).

A report holds the service, a reason and the time: nothing about the user (no sender id,
no text). The bot's buttons carry a short reference to the service (`short_ref`: 11
characters of a hash, referrals/directory/refs.py) because Telegram allows only 64 bytes of button data.

No web framework here: the action server imports this module.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from referrals import clock
from referrals.admin.models import REPORT_REASONS, ProblemReport
from referrals.directory.models import Service
from referrals.directory.refs import resolve_ref


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


def open_reports(session: Session, organization_ids: list[str] | None) -> list[ProblemReport]:
    """Open reports, oldest first; only those of these organisations (None: all, for admins)."""
    query = (
        select(ProblemReport)
        .join(Service, Service.id == ProblemReport.service_id)
        .where(ProblemReport.status == "open")
        .order_by(ProblemReport.created_at, ProblemReport.id)
    )
    if organization_ids is not None:
        query = query.where(Service.organization_id.in_(organization_ids))
    return list(session.scalars(query))


def open_reports_of(session: Session, service_id: str) -> list[ProblemReport]:
    return list(
        session.scalars(
            select(ProblemReport)
            .where(ProblemReport.service_id == service_id, ProblemReport.status == "open")
            .order_by(ProblemReport.id)
        )
    )


def mark_done(report: ProblemReport, who: str, resolution: str = "done") -> None:
    report.status = "done"
    report.done_at = clock.utcnow()
    report.done_by = who
    report.resolution = resolution


def close_settled(session: Session, service_id: str, who: str, action: str) -> list[ProblemReport]:
    """Close the entry's open reports: it was just edited or verified, after they came in.

    Every open report is older than this change, so the change answers it: a counsellor who
    checked the entry (and fixed it, or found it right) need not also press "Done".
    """
    settled = open_reports_of(session, service_id)
    for report in settled:
        mark_done(report, who, action)
    return settled
