"""Who is logged in: `current_user(request)`, read from the signed session cookie and checked
against the server-side session (referrals.admin.sessions).

It sits below `auth` (logging in and out, role guards) and `rendering` (every page shows the
user), which both import it, so that neither needs the other.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.requests import Request

from referrals.admin import sessions
from referrals.admin.models import AdminUser


def session_idle(request: Request) -> timedelta:
    """How long a session may go without a request (ADMIN_SESSION_IDLE_MINUTES, set by create_app)."""
    return getattr(request.app.state, "session_idle", sessions.DEFAULT_IDLE)


def current_user(request: Request) -> AdminUser | None:
    """The logged-in, active user of this request, or None.

    The returned object has `.email`, `.role` ("admin" | "counsellor" | "coordinator") and
    `.organization_ids` (the organisations a counsellor may edit). Loaded once per request.
    """
    if "current_user" in request.scope:
        return request.scope["current_user"]
    user = None
    uid = request.session.get("uid") if "session" in request.scope else None
    if isinstance(uid, int):
        with request.app.state.sessionmaker() as session:
            candidate = session.scalar(
                select(AdminUser).where(AdminUser.id == uid).options(selectinload(AdminUser.memberships))
            )
            live = (
                candidate is not None
                and candidate.active
                and candidate.session_version == request.session.get("sv")
                and sessions.valid(session, uid, request.session.get("sid"), session_idle(request))
            )
            session.commit()  # the last-seen time, or the deletion of an expired session
        if live:
            user = candidate
        else:
            request.session.clear()
    request.scope["current_user"] = user
    return user
