"""Admin-only pages: users (roles, organisations, password reset) and organisations."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette_wtf import csrf_protect

from referrals.admin import auth, invitations, sessions
from referrals.admin.auth import require_role
from referrals.admin.forms import ActionForm, OrganizationForm, UserForm, options
from referrals.admin.models import ROLES, AdminUser, Membership
from referrals.admin.rendering import error_page, flash, render
from referrals.admin.views import db, organizations_of, refresh_organization
from referrals.directory import validation
from referrals.directory.models import Organization
from referrals.web_language import language_of
from referrals.web_texts import text

log = logging.getLogger("referrals.admin")


def _user_form_choices(form: UserForm, organizations: list[Organization], language: str) -> None:
    form.role.choices = options((role, text(f"role_{role}", language)) for role in ROLES)
    form.organizations.choices = options((org.id, org.name) for org in organizations)


@require_role("admin")
async def users(request: Request) -> Response:
    with db(request) as session:
        people = list(
            session.scalars(
                select(AdminUser).options(selectinload(AdminUser.memberships)).order_by(AdminUser.email)
            )
        )
        names = {org.id: org.name for org in organizations_of(session)}
    return render(request, "users.html", people=people, names=names)


@require_role("admin")
@csrf_protect
async def edit_user(request: Request) -> Response:
    """New user (/users/new) or an existing one (/users/{id})."""
    language = language_of(request)
    user_id = request.path_params.get("user_id")
    with db(request) as session:
        person = session.get(AdminUser, int(user_id)) if user_id else None
        if user_id and person is None:
            return error_page(request, 404, "not_found")
        organizations = organizations_of(session)
        if request.method == "POST":
            form = await UserForm.from_formdata(request)
        elif person is not None:
            form = UserForm(
                request,
                data={
                    "email": person.email,
                    "role": person.role,
                    "organizations": person.organization_ids,
                    "active": person.active,
                },
            )
        else:  # a new user; "?organization=" when coming from a new organisation
            wanted = request.query_params.get("organization")
            form = UserForm(request, data={"role": "counsellor", "organizations": [wanted] if wanted else []})
        _user_form_choices(form, organizations, language)
        if request.method == "POST" and await form.validate():
            known = {org.id for org in organizations}
            chosen = [org for org in form.organizations.data or [] if org in known]
            role = form.role.data if form.role.data in ROLES else "counsellor"
            try:
                email = validation.email(form.email.data or "")
            except validation.FieldError as error:
                form.email.errors = [error.text(language)]
                return render(request, "user_edit.html", status_code=422, form=form, person=person)
            other = auth.find_user(session, email)
            if other is not None and other is not person:
                form.email.errors = [text("email_taken", language)]
                return render(request, "user_edit.html", status_code=422, form=form, person=person)
            if person is None:
                # Invited by a one-time link: the person chooses their own password.
                person = auth.create_user(session, email, auth.temporary_password(), role, tuple(chosen))
                person.password_hash = invitations.UNUSABLE_PASSWORD
                session.flush()
                token = invitations.issue(session, person.id, invitations.valid_for(request))
                session.commit()
                log.info("admin user invited (role %s)", role)
                hours = str(int(invitations.valid_for(request).total_seconds() // 3600))
                flash(request, "user_invited", link=invitations.link(request, token), hours=hours)
                return RedirectResponse(f"/users/{person.id}", 303)
            person.email = email
            if person.role != role or not form.active.data:
                person.session_version += 1  # a changed role or deactivation ends their sessions
                sessions.end_all(session, person.id)
            person.role = role
            person.active = bool(form.active.data)
            kept = {m.organization_id: m for m in person.memberships}  # no delete + insert of the same row
            person.memberships = [kept.get(org) or Membership(organization_id=org) for org in chosen]
            session.commit()
            flash(request, "saved")
            return RedirectResponse(f"/users/{person.id}", 303)
        return render(request, "user_edit.html", form=form, person=person, reset=ActionForm(request))


@require_role("admin")
@csrf_protect
async def reset_password(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    with db(request) as session:
        person = session.get(AdminUser, int(request.path_params["user_id"]))
        if person is None:
            return error_page(request, 404, "not_found")
        password = auth.temporary_password()
        person.password_hash = auth.hash_password(password)
        person.must_change_password = True
        person.session_version += 1
        sessions.end_all(session, person.id)
        session.commit()
        log.info("admin password reset for user %d", person.id)
    flash(request, "password_reset_done", password=password)
    return RedirectResponse(f"/users/{request.path_params['user_id']}", 303)


@require_role("admin")
async def organizations(request: Request) -> Response:
    with db(request) as session:
        items = organizations_of(session)
    return render(request, "organizations.html", items=items)


@require_role("admin")
@csrf_protect
async def edit_organization(request: Request) -> Response:
    language = language_of(request)
    with db(request) as session:
        org = session.get(Organization, request.path_params["organization_id"])
        if org is None:
            return error_page(request, 404, "not_found")
        if request.method == "POST":
            form = await OrganizationForm.from_formdata(request)
        else:
            form = OrganizationForm(
                request,
                data={"name": org.name, "website": org.website, "email": org.email, "is_mso": org.is_mso},
            )
        if request.method == "POST" and await form.validate():
            values = organization_values(form, language)
            if values is None:
                return render(request, "organization_edit.html", status_code=422, form=form, org=org)
            mso_changed = org.is_mso != bool(form.is_mso.data)
            new_name = values["name"]
            assert new_name is not None  # "name" always goes through its check, which refuses an empty one
            org.name, org.website, org.email = new_name, values["website"], values["email"]
            org.is_mso = bool(form.is_mso.data)
            session.flush()
            if mso_changed:
                refresh_organization(session, org.id)  # the MSO bonus in the ranking applies at once
            session.commit()
            flash(request, "saved")
            return RedirectResponse(f"/organizations/{org.id}", 303)
        return render(request, "organization_edit.html", form=form, org=org)


def _missing() -> str:
    raise validation.FieldError("missing")


def organization_values(form: OrganizationForm, language: str) -> dict[str, str | None] | None:
    """Name, web page and e-mail of the form, checked like an import; None (errors on the form) if wrong."""
    checks = {
        "name": lambda value: value.strip() or _missing(),
        "website": validation.url,
        "email": validation.email,
    }
    values: dict[str, str | None] = {}
    for name, check in checks.items():
        raw = (getattr(form, name).data or "").strip()
        try:
            values[name] = check(raw) if raw or name == "name" else None
        except validation.FieldError as error:
            getattr(form, name).errors = [error.text(language)]
    return None if any(getattr(form, name).errors for name in checks) else values
