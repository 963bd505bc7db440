"""The coordinator statistics pages: Starlette routes the admin mounts at /statistics.

Pages (one per view), a chart per table (pygal SVG, embedded as data: images, so the
admin's Content-Security-Policy needs no inline styles or scripts), a CSV export of every
table, filters by period and city. The figures come from referrals.statistics (recording and
queries, no web); the pages and their template and stylesheet (templates/statistics.html,
templates/statistics.css) are the admin's. Only coordinators and admins get in: the admin mounts
these routes behind its RoleGuard, and every route checks the role again itself (a mistake in
the mounting must not open the statistics), via the login the app hands over on
`app.state.current_user` (the admin's `current_user`), so that the pages can also be mounted on
their own (tests, benchmarks/statistics_dashboard.py).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_token

from referrals import clock
from referrals.admin.rendering import templates  # the admin's templates (autoescapes .html)
from referrals.db import get_sessionmaker
from referrals.statistics import charts, handovers, headline, queries
from referrals.statistics.csv_export import cell_text, table_csv
from referrals.statistics.labels import city_label
from referrals.statistics.models import ALL_CITIES
from referrals.statistics.queries import Filters, Table
from referrals.statistics.suppression import shown
from referrals.web_language import LANGUAGES, language_of
from referrals.web_texts import text

ALLOWED_ROLES = ("coordinator", "admin")
HERE = Path(__file__).resolve().parent

Builder = Callable[[Session, Filters], Table]
TABLES: dict[str, Builder] = {
    "weekly": queries.weekly_overview,
    "hours": queries.hours_of_day,
    "language": lambda s, f: queries.breakdown(s, f, "language"),
    "topic": lambda s, f: queries.breakdown(s, f, "topic"),
    "cities": queries.cities,
    "needs": queries.unmet_needs,
    "fallback": queries.fallback_weekly,
    "misunderstood_topics": lambda s, f: queries.breakdown(s, f, "fallback", "misunderstood_topics"),
    "misunderstood_intents": lambda s, f: queries.breakdown(s, f, "fallback_intent", "misunderstood_intents"),
    "intent": lambda s, f: queries.breakdown(s, f, "intent"),
    "organisations": queries.organisations,
    "handovers_city": lambda s, f: handovers.table(s, f, "city"),
    "handovers_topic": lambda s, f: handovers.table(s, f, "topic"),
    "handovers_language": lambda s, f: handovers.table(s, f, "language"),
}
VIEWS: dict[str, tuple[str, ...]] = {
    "overview": ("weekly", "hours"),
    "people": ("language", "topic", "cities"),
    "needs": ("needs",),
    "understanding": ("fallback", "misunderstood_topics", "misunderstood_intents", "intent"),
    "organisations": ("organisations",),
    "handovers": ("handovers_topic", "handovers_language", "handovers_city"),
}


def _current_user(request: Request) -> Any:
    """The logged-in user by the login of the app that mounts the pages: the admin puts its
    `current_user` on `app.state` (the pages can be mounted on their own). Without one, the user
    an outer layer already put in the request's scope, where the admin's login keeps it, or nobody."""
    login = getattr(request.app.state, "current_user", None)
    if login is None:
        return request.scope.get("current_user")
    return login(request)


def allowed(request: Request) -> bool:
    """Only a logged-in coordinator or admin (who need not change their password first)."""
    user = _current_user(request)
    return (
        user is not None
        and getattr(user, "role", None) in ALLOWED_ROLES
        and not getattr(user, "must_change_password", False)
    )


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return language_of(request)  # the admin's choice (session, then the browser's languages)


def _sessions(request: Request) -> sessionmaker[Session]:
    factory = getattr(request.app.state, "sessionmaker", None)
    if factory is None:
        factory = get_sessionmaker()
    return factory


_cities_cache: dict[str, tuple[float, list[str]]] = {}
CITIES_TTL_SECONDS = 300.0


def _directory_cities(session: Session) -> list[str]:
    """The directory's cities (the city filter's choices), read at most every five minutes."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    cached = _cities_cache.get(key)
    if cached is None or time.monotonic() - cached[0] > CITIES_TTL_SECONDS:
        cached = _cities_cache[key] = (time.monotonic(), queries.directory_cities(session))
    return cached[1]


def _csrf(request: Request) -> str | None:
    """The admin's CSRF token for the logout form, when the admin's middleware is there."""
    try:
        return csrf_token(request)
    except Exception:  # noqa: BLE001 - mounted without the admin: no logout form
        return None


def _forbidden(request: Request) -> Response:
    return PlainTextResponse(text("statistics_forbidden", _language(request)), status_code=403)


def _today() -> date:
    return clock.today()


def _svg_image(svg: str) -> str:
    """The chart as a data: URI (no scripts: pygal's inline config script is removed)."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _empty(table: Table) -> bool:
    """Nothing counted: every count is 0 (a suppressed one is something, not nothing)."""
    counts = [c for row in table.rows for c, k in zip(row, table.kinds, strict=True) if k == "count"]
    return all(c == 0 for c in counts)


def _present(table: Table, language: str, query: str, base: str) -> dict[str, Any]:
    if _empty(table):  # one line "no data" instead of a zero per week or hour
        table = Table(table.name, table.columns, table.kinds, [])
    chart = charts.render(table, language, "narrow")
    wide = charts.render(table, language, "wide")
    return {
        "name": table.name,
        "title": text(f"table.{table.name}", language),
        "columns": [text(f"col.{c}", language) for c in table.columns],
        "numeric": [kind in ("count", "rate") for kind in table.kinds],
        "rows": [
            [cell_text(value, kind, language) for value, kind in zip(row, table.kinds, strict=True)]
            for row in table.rows
        ],
        "suppressed": table.suppressed,
        "chart": _svg_image(chart) if chart else None,
        "chart_wide": _svg_image(wide) if wide else None,
        "csv": f"{base}/csv/{table.name}.csv" + (f"?{query}" if query else ""),
    }


def _day(value: date, language: str) -> str:
    return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()


def _figure(figure: headline.Figure, language: str) -> dict[str, str]:
    """A headline number as the page shows it: value, and the change against the period before."""
    value = shown(figure.value, percent=figure.kind == "rate")
    change = figure.change
    if change is None:
        trend = text("change.unknown", language)
    elif figure.kind == "rate":
        trend = text(
            "change.points", language, change=f"{change:+.1f}".replace(".", "," if language == "de" else ".")
        )
    else:
        trend = text("change.percent", language, change=f"{change * 100:+.0f}")
    return {
        "key": figure.key,
        "label": text(f"headline.{figure.key}", language),
        "value": value if language == "en" else value.replace(".", ","),
        "trend": trend,
        "direction": "none" if not change else ("up" if change > 0 else "down"),
    }


def view_page(request: Request) -> Response:
    """One view of the dashboard: its tables with charts, the filters, the totals."""
    if not allowed(request):
        return _forbidden(request)
    view = request.path_params.get("view", "overview")
    if view not in VIEWS:
        return PlainTextResponse("not found", status_code=404)
    language = _language(request)
    base = request.scope.get("root_path", "")
    query = request.url.query
    with _sessions(request)() as session:
        cities = _directory_cities(session)
        filters = Filters.from_params(request.query_params, _today(), cities)
        tables = [TABLES[name](session, filters) for name in VIEWS[view]]
        conversations, turns = queries.totals(session, filters)
        figures = headline.figures(session, filters) if view == "overview" else []
    params = request.query_params
    period = params.get("period") if params.get("period") in queries.PERIODS else queries.DEFAULT_PERIOD
    if filters.custom(params):
        period = ""  # the form shows the dates
    return templates.TemplateResponse(
        request,
        "statistics.html",
        {
            "lang": language,
            "t": lambda key, **values: text(key, language, **values),
            "base": base,
            "view": view,
            "views": list(VIEWS),
            "query": query,
            "lang_query": {code: urlencode({**request.query_params, "lang": code}) for code in LANGUAGES},
            "filters": filters,
            "period": period,
            "periods": list(queries.PERIODS),
            "cities": [(ALL_CITIES, city_label(language, ALL_CITIES))] + [(c, c) for c in cities],
            "tables": [_present(table, language, query, base) for table in tables],
            "figures": [_figure(figure, language) for figure in figures],
            "empty_period": turns == 0 and all(_empty(table) for table in tables),
            "empty_line": text(
                "empty_period", language, start=_day(filters.start, language), end=_day(filters.end, language)
            ),
            "totals": text(
                "totals",
                language,
                conversations=shown(conversations),
                turns=shown(turns),
                start=filters.start.isoformat(),
                end=filters.end.isoformat(),
            ),
            "any_suppressed": any(table.suppressed for table in tables),
            "csrf": _csrf(request),
            "user": _current_user(request),
        },
    )


def csv_export(request: Request) -> Response:
    """One table as CSV, with the page's filters and suppression."""
    if not allowed(request):
        return _forbidden(request)
    name = request.path_params["table"]
    if name not in TABLES:
        return PlainTextResponse("not found", status_code=404)
    language = _language(request)
    with _sessions(request)() as session:
        filters = Filters.from_params(request.query_params, _today(), _directory_cities(session))
        table = TABLES[name](session, filters)
    filename = f"statistics-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        table_csv(table, filters, language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def stylesheet(request: Request) -> Response:
    if not allowed(request):
        return _forbidden(request)
    return FileResponse(HERE / "templates" / "statistics.css", media_type="text/css")


WARM_UP_TABLES = [
    Table("weekly", ["week", "conversations"], ["label:week", "count"], [[date(2026, 1, 5), 5]]),
    Table("language", ["language", "conversations"], ["label:language", "count"], [["de", 5]]),
    Table("fallback", ["week", "fallback_rate"], ["label:week", "rate"], [[date(2026, 1, 5), 0.5]]),
]


def warm_up() -> None:
    """Compile the template and load pygal's chart code now, not on a coordinator's first click."""
    templates.get_template("statistics.html")
    for table in WARM_UP_TABLES:  # one chart of each kind: bars, horizontal bars, line
        charts.render(table, "de")


warm_up()  # no database work: only code and the template

routes = [
    Route("/", view_page, name="statistics"),
    Route("/statistics.css", stylesheet),
    Route("/csv/{table}.csv", csv_export),
    Route("/{view}", view_page),
]
