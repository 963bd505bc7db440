"""\"Our organisation wants to be listed\": a public form, and the admins' queue of requests.

Anyone may send the form (no account): it is CSRF-protected and rate-limited (per client
address and overall), its values are checked like an import's. A request publishes nothing:
it waits in /requests until an admin accepts it (which creates the organisation, without any
service, and deletes the request) or rejects it (deleted). Routes in ROUTES.
"""

from __future__ import annotations

import json
import logging

from limits import parse
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_protect

from referrals import clock
from referrals.admin import auth
from referrals.admin.auth import require_role
from referrals.admin.create import free_organization_id
from referrals.admin.forms import ActionForm, ListingRequestForm, options
from referrals.admin.models import ListingRequest
from referrals.admin.rendering import error_page, flash, render
from referrals.admin.views import db
from referrals.directory import validation
from referrals.directory.models import Organization
from referrals.topics import TOPICS
from referrals.web_language import language_of

log = logging.getLogger("referrals.admin")
PER_CLIENT = parse("3 per hour")
OVERALL = parse("50 per day")  # a flood from many addresses cannot bury the admins' queue
LIMITS = {"organization_name": 300, "city": 200, "website": 500, "email": 300, "message": 2000}


def _labels(form: ListingRequestForm, language: str) -> None:
    form.topics.choices = options((code, topic.label(language)) for code, topic in TOPICS.items())


def _checked(form: ListingRequestForm, language: str) -> dict[str, str | None] | None:
    """The form's values, checked; None (with errors on the fields) when something is wrong."""
    values: dict[str, str | None] = {}
    for name, longest in LIMITS.items():
        field = getattr(form, name)
        raw = (field.data or "").strip()
        try:
            if not raw and name in ("organization_name", "city", "email"):
                raise validation.FieldError("missing")
            if len(raw) > longest:
                raise validation.FieldError("too_long", limit=longest)
            values[name] = (
                validation.email(raw)
                if name == "email"
                else validation.url(raw)
                if name == "website" and raw
                else raw or None
            )
        except validation.FieldError as error:
            field.errors = [error.text(language)]
    if any(getattr(form, name).errors for name in LIMITS):
        return None
    return values


@csrf_protect
async def request_listing(request: Request) -> Response:
    language = language_of(request)
    form = await ListingRequestForm.from_formdata(request)
    _labels(form, language)
    if request.method == "POST":
        with db(request) as session:
            within = auth.take(session, PER_CLIENT, "listing", auth.client_address(request)) and auth.take(
                session, OVERALL, "listing"
            )
            session.commit()
        if not within:
            log.warning("listing request refused: too many")  # no address in the log
            return render(request, "join.html", status_code=429, form=form, error="too_many_requests")
        values = _checked(form, language)
        if values is None:
            return render(request, "join.html", status_code=422, form=form, error="not_sent")
        with db(request) as session:
            session.add(
                ListingRequest(
                    created_at=clock.utcnow(),
                    organization_name=values["organization_name"],
                    is_mso=bool(form.is_mso.data),
                    city=values["city"],
                    website=values["website"],
                    email=values["email"],
                    topics=json.dumps([c for c in form.topics.data or [] if c in TOPICS]),
                    message=values["message"],
                )
            )
            session.commit()
        log.info("listing request received")
        return render(request, "message.html", message_key="join_thanks")
    return render(request, "join.html", form=form, error=None)


@require_role("admin")
async def queue(request: Request) -> Response:
    with db(request) as session:
        items = list(
            session.scalars(select(ListingRequest).order_by(ListingRequest.created_at, ListingRequest.id))
        )
    for item in items:
        item.topic_codes = json.loads(item.topics)  # type: ignore[attr-defined]
    language = language_of(request)
    topic_names = {code: topic.label(language) for code, topic in TOPICS.items()}
    return render(request, "requests.html", items=items, topic_names=topic_names)


@require_role("admin")
@csrf_protect
async def accept(request: Request) -> Response:
    """Create the organisation (nothing appears in the bot before it has a service)."""
    await ActionForm.from_formdata(request)
    with db(request) as session:
        item = session.get(ListingRequest, int(request.path_params["request_id"]))
        if item is None:
            return error_page(request, 404, "not_found")
        org = Organization(
            id=free_organization_id(session, item.organization_name),
            name=item.organization_name,
            website=item.website,
            email=item.email,
            is_mso=item.is_mso,
        )
        session.add(org)
        session.delete(item)
        session.commit()
        log.info("listing request accepted: organisation %s", org.id)
    flash(request, "request_accepted")
    return RedirectResponse(f"/organizations/{org.id}", 303)


@require_role("admin")
@csrf_protect
async def reject(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    with db(request) as session:
        item = session.get(ListingRequest, int(request.path_params["request_id"]))
        if item is None:
            return error_page(request, 404, "not_found")
        session.delete(item)
        session.commit()
    log.info("listing request rejected")
    flash(request, "request_rejected")
    return RedirectResponse("/requests", 303)


ROUTES = [
    Route("/join", request_listing, methods=["GET", "POST"]),
    Route("/requests", queue),
    Route("/requests/{request_id:int}/accept", accept, methods=["POST"]),
    Route("/requests/{request_id:int}/reject", reject, methods=["POST"]),
]
