"""Adding what is new: counsellors create entries (services with their locations) for their own
organisations; admins create organisations.

A new entry goes through the same form and the same validation as an edit (the importer's), can
be previewed as the bot's card before it is saved, starts unverified and is in the bot's search
as soon as it is saved. Routes in ROUTES (kept apart from views.py to ease merging).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_protect

from referrals.admin import audit
from referrals.admin.auth import guarded_user, require_role
from referrals.admin.forms import (
    NewServiceForm,
    OrganizationForm,
    apply,
    attach,
    form_data,
    label_choices,
    options,
)
from referrals.admin.manage import organization_values
from referrals.admin.models import AdminUser
from referrals.admin.rendering import error_page, flash, render
from referrals.admin.views import EDITORS, db, organizations_of
from referrals.cards import card
from referrals.directory.models import Organization
from referrals.directory.search import referral_of
from referrals.web_language import language_of
from referrals.web_texts import text

log = logging.getLogger("referrals.admin")


def slug(text: str, length: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:length].strip("-") or "neu"


def _own_organizations(session: Session, user: AdminUser) -> list[Organization]:
    everything = organizations_of(session)
    return everything if user.role == "admin" else [o for o in everything if o.id in user.organization_ids]


def _blank_record(service_id: str, organization: Organization | None) -> dict[str, Any]:
    record: dict[str, Any] = {"id": service_id, "status": "active"}
    if organization is not None:
        record["organization"] = audit.organization_record(organization)
    return record


@require_role(*EDITORS)
@csrf_protect
async def new_entry(request: Request) -> Response:
    user = guarded_user(request)
    language = language_of(request)
    with db(request) as session:
        own = _own_organizations(session, user)
        if not own:
            return error_page(request, 403, "no_organization")
        if request.method == "POST":
            form = await NewServiceForm.from_formdata(request)
        else:
            form = NewServiceForm(request, data=form_data(_blank_record("new", None)))
        form.organization.choices = options((o.id, o.name) for o in own)
        organization = next((o for o in own if o.id == form.organization.data), None)
        if request.method == "POST" and organization is None:
            return error_page(request, 404, "not_found")  # a crafted organisation not one's own
        service_id = f"svc-{slug(form.name.data or '')}-{uuid.uuid4().hex[:6]}"
        record = _blank_record(service_id, organization or own[0])
        label_choices(form, record, language)
        form.general_errors = []
        status, preview = 200, None
        if request.method == "POST":
            new_record, where = apply(form, record)
            problems, service = audit.create(session, new_record, user.email)
            if problems or service is None:
                session.rollback()
                attach(form, problems, where, language)
                form.general_errors.insert(0, text("not_saved", language))
                status = 422
            elif "preview" in (await request.form()):
                preview = card(referral_of(service), language)  # as the bot would show it...
                session.rollback()  # ...without saving it
            else:
                session.commit()
                log.info("entry created: %s", service.id)
                flash(request, "created")
                return RedirectResponse(f"/entries/{service.id}", 303)
        return render(
            request, "entry_new.html", status_code=status, form=form, preview=preview, existing_locations=0
        )


def free_organization_id(session: Session, name: str) -> str:
    base = f"org-{slug(name)}"
    taken = set(session.scalars(select(Organization.id).where(Organization.id.like(f"{base}%"))))
    candidates = (base if n == 1 else f"{base}-{n}" for n in range(1, len(taken) + 2))
    return next(c for c in candidates if c not in taken)


@require_role("admin")
@csrf_protect
async def new_organization(request: Request) -> Response:
    language = language_of(request)
    form = await OrganizationForm.from_formdata(request)
    if request.method == "POST" and await form.validate():
        values = organization_values(form, language)
        if values is not None:
            with db(request) as session:
                org = Organization(
                    id=free_organization_id(session, values["name"] or ""),
                    name=values["name"],
                    website=values["website"],
                    email=values["email"],
                    is_mso=bool(form.is_mso.data),
                )
                session.add(org)
                session.commit()
                log.info("organisation created: %s", org.id)
            flash(request, "organization_created")
            return RedirectResponse(f"/organizations/{org.id}", 303)
        return render(request, "organization_edit.html", status_code=422, form=form, org=None)
    return render(request, "organization_edit.html", form=form, org=None)


ROUTES = [
    Route("/entries/new", new_entry, methods=["GET", "POST"]),
    Route("/organizations/new", new_organization, methods=["GET", "POST"]),
]
