"""A read-only HSDS 3.0 API for other referral systems, mounted by the admin at /hsds, no login.

Endpoints as the HSDS 3.0 OpenAPI describes them: `/` (version), `/services` (paginated with
`page` and `per_page`; `full=true` for whole records; filters `taxonomy_term_id`,
`organization_id`, `modified_after`), `/services/{id}`, `/organizations`, `/organizations/{id}`,
`/taxonomy_terms`. Ids are the UUIDs of the export (referrals.directory.hsds_publish); our own ids work too.

Only what the bot shows anyone: entries it can show (not archived, active or temporarily closed),
without contact roles, the assurer's e-mail, reports or history. Rate-limited per client address
(limits, moving window) with 429 and Retry-After beyond it.
"""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from referrals.directory.hsds import TAXONOMY, whole_service
from referrals.directory.hsds_publish import (
    hsds_id,
    publish_organization,
    publish_service,
    taxonomy_term,
    term_id,
)
from referrals.directory.models import Organization, Service, ServiceTopic
from referrals.topics import TOPICS

PUBLIC_STATUSES = ("active", "temporarily closed")  # what the bot's search shows
DEFAULT_LIMIT = parse("120/minute")
PER_PAGE, MAX_PER_PAGE = 50, 200
_limiter = MovingWindowRateLimiter(MemoryStorage())
# service_list.json: a service with its organisation, without its child records
_LIST_FIELDS = (
    "id organization_id name alternate_name description url email status application_process "
    "fees_description eligibility_description assured_date last_modified organization"
).split()


class BadRequest(ValueError):
    pass


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def _limited(request: Request) -> JSONResponse | None:
    limit: RateLimitItem = getattr(request.app.state, "hsds_rate_limit", DEFAULT_LIMIT)
    client = request.client.host if request.client else "unknown"
    if _limiter.hit(limit, "hsds", client):
        return None
    reset, _remaining = _limiter.get_window_stats(limit, "hsds", client)
    wait = max(1, math.ceil(reset - time.time()))  # `limits` gives the window's end on time.time()
    return _json({"detail": "too many requests"}, 429, {"Retry-After": str(wait)})


def _session(request: Request) -> Session:
    return request.app.state.sessionmaker()


def _public(query: Select) -> Select:
    return query.where(Service.archived.is_(False), Service.status.in_(PUBLIC_STATUSES))


def _page_args(request: Request) -> tuple[int, int]:
    try:
        page = int(request.query_params.get("page", 1))
        per_page = int(request.query_params.get("per_page", PER_PAGE))
    except ValueError:
        raise BadRequest("page and per_page must be whole numbers") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"page must be 1 or more, per_page between 1 and {MAX_PER_PAGE}")
    return page, per_page


def _page(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not items,
        "contents": items,
    }


def _topic_of(value: str) -> str:
    """A taxonomy_term_id (the term's UUID, or our code) -> topic code."""
    if value in TOPICS:
        return value
    for code in TOPICS:
        if term_id(code) == value:
            return code
    raise BadRequest(f"unknown taxonomy_term_id {value!r}: see /taxonomy_terms")


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"modified_after must be an ISO 8601 date or date-time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _our_id(session: Session, model: type[Service] | type[Organization], kind: str, given: str) -> str | None:
    """Our id for an id of the API: ours as is, or the UUID the export derived from ours."""
    if session.get(model, given) is not None:
        return given
    try:
        uuid.UUID(given)
    except ValueError:
        return None
    # Derived UUIDs are not stored: compare against every id (a few hundred ms at 100 000).
    for (ident,) in session.execute(select(model.id)):
        if hsds_id(kind, ident) == given:
            return str(ident)
    return None


def _list_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k in _LIST_FIELDS or k.startswith("x_")}


def _services_query(request: Request, session: Session) -> Select:
    query = _public(select(Service.id))
    params = request.query_params
    if term := params.get("taxonomy_term_id"):
        topic = _topic_of(term)
        query = query.where(
            select(ServiceTopic.id)
            .where(ServiceTopic.service_id == Service.id, ServiceTopic.topic_code == topic)
            .exists()
        )
    if organization := params.get("organization_id"):
        query = query.where(
            Service.organization_id
            == (_our_id(session, Organization, "organization", organization) or organization)
        )
    if after := params.get("modified_after"):
        moment = _moment(after)
        # SQLite keeps naive UTC datetimes; PostgreSQL compares aware ones.
        bound = (
            moment
            if session.get_bind().dialect.name == "postgresql"
            else moment.astimezone(UTC).replace(tzinfo=None)
        )
        query = query.where(Service.last_modified > bound)
    return query


async def services(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    full = request.query_params.get("full", "false").lower() in ("true", "1", "yes")
    try:
        page, per_page = _page_args(request)
        with _session(request) as session:
            query = _services_query(request, session)
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ids = list(
                session.scalars(query.order_by(Service.id).offset((page - 1) * per_page).limit(per_page))
            )
            rows = {
                s.id: s
                for s in session.scalars(select(Service).where(Service.id.in_(ids)).options(*whole_service()))
            }
            records = [publish_service(rows[i], public=True) for i in ids]
    except BadRequest as error:
        return _json({"detail": str(error)}, 400)
    items = records if full else [_list_record(r) for r in records]
    return _json(_page(items, total, page, per_page))


async def service(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    with _session(request) as session:
        ident = _our_id(session, Service, "service", request.path_params["id"])
        found = (
            session.scalar(_public(select(Service)).where(Service.id == ident).options(*whole_service()))
            if ident
            else None
        )
        if found is None:
            return _json({"detail": "no such service"}, 404)
        return _json(publish_service(found, public=True))


def _organizations_query() -> Select:
    shown = _public(select(Service.organization_id))
    return select(Organization).where(Organization.id.in_(shown))


async def organizations(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    try:
        page, per_page = _page_args(request)
    except BadRequest as error:
        return _json({"detail": str(error)}, 400)
    with _session(request) as session:
        query = _organizations_query()
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Organization.id).offset((page - 1) * per_page).limit(per_page))
        items = [publish_organization(o) for o in rows]
    return _json(_page(items, total, page, per_page))


async def organization(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    with _session(request) as session:
        ident = _our_id(session, Organization, "organization", request.path_params["id"])
        found = session.scalar(_organizations_query().where(Organization.id == ident)) if ident else None
        if found is None:
            return _json({"detail": "no such organization"}, 404)
        record = publish_organization(found)
        shown = _public(select(Service)).where(Service.organization_id == found.id).order_by(Service.id)
        record["services"] = [
            _list_record(publish_service(s, public=True))
            for s in session.scalars(shown.options(*whole_service()))
        ]
        for item in record["services"]:
            item.pop("organization", None)  # it is the record itself
        return _json(record)


async def taxonomy_terms(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    try:
        page, per_page = _page_args(request)
    except BadRequest as error:
        return _json({"detail": str(error)}, 400)
    terms = [taxonomy_term(code) for code in TOPICS]
    start = (page - 1) * per_page
    return _json(_page(terms[start : start + per_page], len(terms), page, per_page))


async def about(request: Request) -> JSONResponse:
    if refused := _limited(request):
        return refused
    return _json(
        {
            "version": "3.0",
            "profile": "https://specs.openreferral.org/en/v3.0/",
            "x_taxonomy": TAXONOMY,
            "x_endpoints": [
                "/services",
                "/services/{id}",
                "/organizations",
                "/organizations/{id}",
                "/taxonomy_terms",
            ],
        }
    )


routes = [
    Route("/", about),
    Route("/services", services),
    Route("/services/{id}", service),
    Route("/organizations", organizations),
    Route("/organizations/{id}", organization),
    Route("/taxonomy_terms", taxonomy_terms),
]


def reset_rate_limits() -> None:
    """For tests: forget every client's requests."""
    _limiter.storage.reset()
