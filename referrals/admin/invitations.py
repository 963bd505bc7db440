"""Inviting a user by a one-time link: the admin never sees or types their password.

The admin creates the account (e-mail, role, organisations) and hands over the link shown once;
the invited person opens it and chooses their own password. The link works once, until
ADMIN_INVITATION_HOURS after it was made; only the SHA-256 of its token is stored. A new link
for the same person makes the older ones useless. Routes in ROUTES.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_protect

from referrals import clock
from referrals.admin import auth
from referrals.admin.auth import require_role
from referrals.admin.forms import ActionForm, PasswordForm
from referrals.admin.models import AdminUser, Invitation
from referrals.admin.rendering import error_page, flash, render
from referrals.admin.views import db

log = logging.getLogger("referrals.admin")
DEFAULT_VALID = timedelta(hours=72)
# Stored as the password hash of an invited account until the link is used: no password matches it.
UNUSABLE_PASSWORD = "!invited"  # noqa: S105 - not a password: a hash nothing verifies against


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def issue(session: Session, user_id: int, valid: timedelta = DEFAULT_VALID) -> str:
    """A new one-time link token for this user (older unused links end). No commit."""
    session.execute(delete(Invitation).where(Invitation.user_id == user_id, Invitation.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(
        Invitation(token_hash=_digest(token), user_id=user_id, created_at=now, expires_at=now + valid)
    )
    return token


def usable(session: Session, token: str) -> Invitation | None:
    """The invitation of this token if it was never used and has not expired."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    if invitation is None or invitation.used_at is not None:
        return None
    return invitation if clock.utcnow() < _aware(invitation.expires_at) else None


def link(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/invite/{token}"


def valid_for(request: Request) -> timedelta:
    return getattr(request.app.state, "invitation_valid", DEFAULT_VALID)


@csrf_protect
async def accept(request: Request) -> Response:
    """The invited person's page: choose a password, then be logged in."""
    form = await PasswordForm.from_formdata(request)
    with db(request) as session:
        invitation = usable(session, request.path_params["token"])
        person = session.get(AdminUser, invitation.user_id) if invitation else None
        if invitation is None or person is None or not person.active:
            return error_page(request, 410, "invitation_invalid")
        error = None
        if request.method == "POST":
            password = form.password.data or ""
            error = auth.new_password_problem(password, form.repeat.data)
            if error is None:
                invitation.used_at = clock.utcnow()
                auth.set_own_password(request, session, person, password)
                session.commit()
                log.info("invitation used by user %d", person.id)
                flash(request, "welcome")
                return RedirectResponse("/", 303)
        return render(request, "invitation.html", form=form, error=error, email=person.email)


@require_role("admin")
@csrf_protect
async def reinvite(request: Request) -> Response:
    """A fresh link for a user (the first one expired or got lost)."""
    await ActionForm.from_formdata(request)
    with db(request) as session:
        person = session.get(AdminUser, int(request.path_params["user_id"]))
        if person is None:
            return error_page(request, 404, "not_found")
        token = issue(session, person.id, valid_for(request))
        session.commit()
        log.info("invitation link made for user %d", person.id)
    flash(
        request,
        "user_invited",
        link=link(request, token),
        hours=str(int(valid_for(request).total_seconds() // 3600)),
    )
    return RedirectResponse(f"/users/{request.path_params['user_id']}", 303)


ROUTES = [
    Route("/invite/{token}", accept, methods=["GET", "POST"]),
    Route("/users/{user_id:int}/invite", reinvite, methods=["POST"]),
]
