"""The admin's queue of problem reports: users' reports of wrong entries ("report a problem"
under a card), which the action server stores (referrals.directory.problem_reports); here they
are listed per organisation and closed, by the button or by a later change of the entry.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from referrals import clock
from referrals.directory.models import Service
from referrals.directory.problem_reports import ProblemReport


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
