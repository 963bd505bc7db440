"""The admin's ASGI application: `create_app()`.

Middleware, outermost first: security headers, signed session cookie (Secure, HttpOnly,
SameSite=Strict, 8 hours), CSRF configuration (starlette-wtf; every POST endpoint is wrapped
in csrf_protect). The statistics pages (referrals.admin.statistics_pages.routes) are mounted at
/statistics for coordinators and admins.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_wtf import CSRFError, CSRFProtectMiddleware

from assistant.settings import PROJECT_ROOT, Settings, get_settings
from referrals.admin import (
    account,
    create,
    hsds_api,
    inquiries,
    invitations,
    listing,
    manage,
    notify,
    statistics_pages,
    views,
)
from referrals.admin.auth import RoleGuard, current_user
from referrals.admin.rendering import error_page
from referrals.db import make_engine

log = logging.getLogger("referrals.admin")
KEY_FILE = PROJECT_ROOT / "var" / "admin_secret.key"
SESSION_COOKIE = "wegweiser_admin"
SESSION_HOURS = 8


def load_secret_key(settings: Settings, key_file: Path = KEY_FILE) -> str:
    """ADMIN_SECRET_KEY, else var/admin_secret.key (created once, mode 0600)."""
    if settings.admin_secret_key is not None:
        return settings.admin_secret_key.get_secret_value()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def secure_cookies(settings: Settings) -> bool:
    """Secure cookies, unless explicitly running on plain-http loopback for development."""
    if not settings.admin_insecure_http:
        return True
    try:
        loopback = ipaddress.ip_address(settings.admin_host).is_loopback
    except ValueError:
        loopback = settings.admin_host == "localhost"
    if not loopback:
        log.warning("ADMIN_INSECURE_HTTP ignored: ADMIN_HOST is not a loopback address")
    return not loopback


class SecurityHeaders:
    """No framing, no sniffing, no referrer to other sites, no caching of admin pages."""

    HEADERS = [
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
            b"frame-ancestors 'none'",
        ),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    log.info("request refused: CSRF token missing or invalid")
    return error_page(request, 403, "csrf_failed")


def create_app(
    database_url: str | None = None,
    settings: Settings | None = None,
) -> Starlette:
    settings = settings or get_settings()
    secret = load_secret_key(settings)
    engine = make_engine(database_url or settings.database_url)
    entry = "/entries/{service_id}"
    routes = [
        Route("/health", views.health),
        Route("/", views.home),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        *account.ROUTES,
        Route("/password", views.change_password, methods=["GET", "POST"]),
        Route("/lang/{code}", views.switch_language),
        # Before the entry and organisation routes: "/entries/new" is not an entry's id.
        *create.ROUTES,
        *invitations.ROUTES,
        *listing.ROUTES,
        *inquiries.ROUTES,
        Route("/entries", views.entries),
        Route("/entries/stale", views.stale_entries),
        Route(entry, views.edit_entry, methods=["GET", "POST"]),
        Route(entry + "/verify", views.verify_entry, methods=["POST"]),
        Route(entry + "/archive", views.archive_entry, methods=["POST"]),
        Route(entry + "/unarchive", views.unarchive_entry, methods=["POST"]),
        Route(entry + "/history", views.entry_history),
        Route(entry + "/restore/{version_id:int}", views.restore_version, methods=["POST"]),
        Route("/reports", views.report_queue),
        Route("/reports/{report_id:int}/done", views.report_done, methods=["POST"]),
        Route("/users", manage.users),
        Route("/users/new", manage.edit_user, methods=["GET", "POST"]),
        Route("/users/{user_id:int}", manage.edit_user, methods=["GET", "POST"]),
        Route("/users/{user_id:int}/reset-password", manage.reset_password, methods=["POST"]),
        Route("/organizations", manage.organizations),
        Route("/organizations/{organization_id}", manage.edit_organization, methods=["GET", "POST"]),
        # Read-only HSDS 3.0 API for other referral systems: public, no login (hsds_api.py).
        Mount("/hsds", routes=hsds_api.routes),
        Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"),
        Mount("/statistics", app=RoleGuard(Router(statistics_pages.routes), ("admin", "coordinator"))),
    ]
    sessions = sessionmaker(engine, expire_on_commit=False)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # E-mails about new handover messages, when SMTP is configured (referrals/admin/notify.py).
        task = (
            asyncio.create_task(notify.notification_loop(sessions, settings)) if settings.smtp_host else None
        )
        yield
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    app = Starlette(
        lifespan=lifespan,
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
                https_only=secure_cookies(settings),
            ),
            Middleware(CSRFProtectMiddleware, csrf_secret=secret),
        ],
        exception_handlers={CSRFError: _csrf_failed},
    )
    app.state.sessionmaker = sessions
    app.state.current_user = current_user  # the statistics pages' login (statistics_pages._current_user)
    app.state.session_idle = timedelta(minutes=settings.admin_session_idle_minutes)
    app.state.invitation_valid = timedelta(hours=settings.admin_invitation_hours)
    return app
