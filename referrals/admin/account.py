"""The logged-in user's own account: "log out everywhere".

Its routes are listed in ROUTES, which the app adds to its own (kept apart to ease merging).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_protect

from referrals.admin import sessions
from referrals.admin.auth import guarded_user, require_role
from referrals.admin.forms import ActionForm
from referrals.admin.views import db

log = logging.getLogger("referrals.admin")


@require_role("admin", "counsellor", "coordinator")
@csrf_protect
async def logout_everywhere(request: Request) -> Response:
    """End every session of this user: on this device and on any other (a lost phone)."""
    await ActionForm.from_formdata(request)
    user = guarded_user(request)
    with db(request) as session:
        sessions.end_all(session, user.id)
        session.commit()
    request.session.clear()
    log.info("all sessions of user %d ended by the user", user.id)
    return RedirectResponse("/login", 303)


ROUTES = [
    Route("/logout/everywhere", logout_everywhere, methods=["POST"]),
]
