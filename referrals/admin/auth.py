"""Who is logged in, and what they may do.

- Passwords: argon2id (argon2-cffi), never stored or logged in clear.
- Sessions: Starlette's signed session cookie holds the user id, a session version and a random
  token whose hash is stored server-side (referrals.admin.sessions): logout, a password change
  and "log out everywhere" delete it, so a replayed cookie is refused; a session ends after
  ADMIN_SESSION_IDLE_MINUTES without a request and 8 hours after login. A password reset, role
  change or deactivation by an admin raises the version and ends every session of that user too.
- Login rate limiting (moving window, counted in the database by referrals.admin.attempts, so
  several admin workers count together): 5 failed attempts per account and 20 per client
  address within 15 minutes; then 429 until the window has passed.

For other parts of the admin (e.g. the statistics pages), the contract is:
`current_user(request)` (from referrals.admin.identity, which `auth` and `rendering` both import)
and the `require_role(...)` decorator / `RoleGuard` ASGI wrapper.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItem, parse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from referrals import clock
from referrals.admin import attempts, sessions
from referrals.admin.identity import current_user, session_idle
from referrals.admin.models import ROLES, AdminUser, Membership
from referrals.admin.rendering import error_page
from referrals.directory import validation

log = logging.getLogger("referrals.admin")
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Verified against for unknown e-mails, so that a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

ACCOUNT_LIMIT = parse("5 per 15 minutes")
CLIENT_LIMIT = parse("20 per 15 minutes")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def temporary_password() -> str:
    """A random password an admin hands over; the user must replace it at the next login."""
    return secrets.token_urlsafe(12)


def new_password_problem(password: str, repeat: str | None) -> str | None:
    """Why a chosen password is refused (a message key), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if password != repeat:
        return "passwords_differ"
    return None


def set_own_password(request: Request, db: Session, user: AdminUser, password: str) -> None:
    """The user chose a password: every other session ends, this browser gets a fresh one."""
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_version += 1  # other sessions of this user end here
    sessions.end_all(db, user.id)  # this one too: a copy of its cookie is refused
    log_in(request, user, db)  # a fresh session for this browser only


def check_password(user: AdminUser | None, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def find_user(session: Session, email: str) -> AdminUser | None:
    return session.scalar(
        select(AdminUser)
        .where(func.lower(AdminUser.email) == email.strip().lower())
        .options(selectinload(AdminUser.memberships))
    )


def create_user(
    session: Session, email: str, password: str, role: str, organization_ids: tuple[str, ...] = ()
) -> AdminUser:
    """A new user (the caller commits). Raises ValueError for a bad role, password or a taken e-mail."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    address = validation.email(email)
    if find_user(session, address) is not None:
        raise ValueError("this e-mail is already in use")
    user = AdminUser(email=address, password_hash=hash_password(password), role=role, active=True)
    user.memberships = [Membership(organization_id=org) for org in dict.fromkeys(organization_ids)]
    user.session_version = 1
    user.must_change_password = False
    session.add(user)
    return user


def login_allowed(session: Session, email: str, client: str) -> bool:
    return attempts.allowed(session, ACCOUNT_LIMIT, "account", email.strip().lower()) and attempts.allowed(
        session, CLIENT_LIMIT, "client", client
    )


def login_failed(session: Session, email: str, client: str) -> None:
    """Count a failed login against the account and the client address (the caller commits)."""
    attempts.count(session, ACCOUNT_LIMIT, "account", email.strip().lower())
    attempts.count(session, CLIENT_LIMIT, "client", client)


def take(session: Session, limit: RateLimitItem, *identifiers: str) -> bool:
    """Count one request against `limit`; False once it is used up (the caller commits)."""
    return attempts.take(session, limit, *identifiers)


def log_in(request: Request, user: AdminUser, db: Session) -> None:
    """Start a server-side session for `user` in this browser (the caller commits)."""
    language = request.session.get("lang")
    request.session.clear()  # a fresh session: no fixation of a session set before login
    sessions.purge_expired(db, session_idle(request))
    token = sessions.start(db, user.id)
    request.session.update({"uid": user.id, "sv": user.session_version, "sid": token})
    if language:
        request.session["lang"] = language
    user.last_login_at = clock.utcnow()


def log_out(request: Request, db: Session) -> None:
    """End this browser's session on the server, not only its cookie (the caller commits)."""
    sessions.end(db, request.session.get("sid"))
    request.session.clear()


def guarded_user(request: Request) -> AdminUser:
    """The user of a view behind `require_role`, which lets only a logged-in, active user through."""
    user = current_user(request)
    if user is None:
        raise RuntimeError("guarded_user() called outside a view guarded by require_role")
    return user


def _denied(request: Request, user: AdminUser | None) -> Response:
    if user is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return error_page(request, 403, "forbidden")


def require_role(*roles: str) -> Callable:
    """Decorator for Starlette endpoints: only logged-in users with one of `roles` get through.

    Anonymous visitors are sent to the login page; other roles get 403. A user whose password
    was reset by an admin is sent to change it first.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = current_user(request)
            if user is None or user.role not in roles:
                return _denied(request, user)
            if user.must_change_password and request.url.path != "/password":
                return RedirectResponse("/password", status_code=303)
            return await endpoint(request)

        guarded.allowed_roles = roles  # type: ignore[attr-defined]  # read by the access tests
        return guarded

    return decorate


class RoleGuard:
    """ASGI wrapper: lets through only users with one of `roles` (for mounted sub-applications)."""

    def __init__(self, app: ASGIApp, roles: tuple[str, ...]) -> None:
        self.app = app
        self.roles = roles

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        user = current_user(request)
        if user is None or user.role not in self.roles or user.must_change_password:
            response = (
                RedirectResponse("/password", status_code=303)
                if user is not None and user.role in self.roles
                else _denied(request, user)
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def may_edit(user: AdminUser | None, organization_id: str) -> bool:
    """Counsellors edit their own organisations' services; admins every service; nobody else."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role == "counsellor" and organization_id in user.organization_ids


class _OfAnOrganization(Protocol):
    @property
    def organization_id(self) -> str: ...


_Record = TypeVar("_Record", bound=_OfAnOrganization)


def load_editable(
    request: Request, session: Session, load: Callable[[Session, str], _Record | None], key: str
) -> _Record | None:
    """The record the URL names (path parameter `key`, read by `load`) if this user may edit its
    organisation's records, else None, which the pages answer with 404: one rule for entries and
    inquiries, and another organisation's record looks the same as one that does not exist."""
    record = load(session, request.path_params[key])
    if record is None or not may_edit(current_user(request), record.organization_id):
        return None
    return record


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def describe(user: AdminUser) -> dict[str, Any]:
    return {"email": user.email, "role": user.role, "organizations": user.organization_ids}
