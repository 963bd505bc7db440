"""How the admin's pages are drawn: the templates, `render`, `flash` and `error_page`.

Imported by the pages (views and the modules next to it), by `auth` (its 403 page) and by the
statistics pages; it imports none of them, so `auth` and `views` need not import each other
both ways.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette_wtf import csrf_token

from referrals.admin.identity import current_user
from referrals.web_language import LANGUAGES, language_of
from referrals.web_texts import text

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescapes .html
BERLIN = ZoneInfo("Europe/Berlin")


def local_time(value: datetime | None) -> str:
    """A stored time (UTC; SQLite returns it without a zone) as Berlin time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


templates.env.filters["local"] = local_time


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    language = language_of(request)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    user = current_user(request)
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "lang": language,
            "languages": LANGUAGES,
            "t": lambda key, **values: text(key, language, **values),
            "day": lambda value: (
                value.strftime("%d.%m.%Y" if language == "de" else "%Y-%m-%d")
                if value
                else text("never", language)
            ),
            "csrf": lambda: csrf_token(request),
            "flashes": flashes,
            **context,
        },
        status_code=status_code,
    )


def flash(request: Request, key: str, **values: str) -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], text(key, language_of(request), **values)]


def error_page(request: Request, status: int, key: str) -> Response:
    return render(request, "message.html", status_code=status, message_key=key)
