"""Pages of the admin. Every state-changing request is a POST with a CSRF token (csrf_protect);
every page states the roles that may open it (require_role)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, func, or_, select, true
from sqlalchemy.orm import Session, selectinload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette_wtf import csrf_protect

from referrals import clock
from referrals.admin import audit, auth, reports
from referrals.admin.auth import guarded_user, load_editable, may_edit, require_role
from referrals.admin.forms import (
    ActionForm,
    LoginForm,
    PasswordForm,
    ServiceForm,
    apply,
    attach,
    form_data,
    label_choices,
)
from referrals.admin.models import EntryVersion
from referrals.admin.rendering import error_page, flash, render
from referrals.cards import card
from referrals.directory import search_index
from referrals.directory.models import Address, Location, Organization, Service, ServiceAtLocation
from referrals.directory.problem_reports import ProblemReport
from referrals.directory.search import referral_of
from referrals.web_language import LANGUAGES, language_of
from referrals.web_texts import text

log = logging.getLogger("referrals.admin")
STALE_AFTER = timedelta(days=182)
# History: HSDS field names -> interface text keys (a field without one is shown by its name).
FIELD_LABELS = {
    "schedules": "hours",
    "phones": "phones",
    "service_at_locations": "locations",
    "attributes": "topics",
    "languages": "languages",
    "contacts": "contacts",
    "name": "name",
    "status": "status",
    "url": "website",
    "email": "email",
    "description": "description",
    "assured_date": "last_verified",
    "assurer_email": "verified_by",
    "x_archived": "archived",
}
EDITORS = ("admin", "counsellor")


def db(request: Request) -> Session:
    return request.app.state.sessionmaker()


# -- log in and out ----------------------------------------------------------------------------


@csrf_protect
async def login(request: Request) -> Response:
    form = await LoginForm.from_formdata(request)
    error = None
    status = 200
    if request.method == "POST":
        email = (form.email.data or "").strip()
        client = auth.client_address(request)
        with db(request) as session:
            if not auth.login_allowed(session, email, client):
                log.warning("login refused: too many attempts")  # no e-mail or address in the log
                return render(request, "login.html", status_code=429, form=form, error="too_many_attempts")
            user = auth.find_user(session, email)
            if user is not None and user.active and auth.check_password(user, form.password.data or ""):
                auth.log_in(request, user, session)
                session.commit()
                target = request.query_params.get("next", "/")
                if not target.startswith("/") or target.startswith("//"):
                    target = "/"  # no open redirect to other sites
                return RedirectResponse("/password" if user.must_change_password else target, 303)
            if user is None:
                auth.check_password(None, form.password.data or "")
            auth.login_failed(session, email, client)
            session.commit()
        log.info("failed login")
        error, status = "login_failed", 401
    return render(request, "login.html", status_code=status, form=form, error=error)


@csrf_protect
async def logout(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    with db(request) as session:
        auth.log_out(request, session)
        session.commit()
    return RedirectResponse("/login", 303)


@require_role("admin", "counsellor", "coordinator")
@csrf_protect
async def change_password(request: Request) -> Response:
    form = await PasswordForm.from_formdata(request)
    user = guarded_user(request)
    assert user is not None
    error = None
    if request.method == "POST":
        password = form.password.data or ""
        error = auth.new_password_problem(password, form.repeat.data)
        if error is None:
            with db(request) as session:
                stored = session.get(type(user), user.id)
                if stored is None:  # deleted by an admin since this request began
                    return RedirectResponse("/login", 303)
                auth.set_own_password(request, session, stored, password)
                session.commit()
            flash(request, "password_changed")
            return RedirectResponse("/", 303)
    return render(request, "password.html", form=form, error=error)


async def switch_language(request: Request) -> Response:
    code = request.path_params["code"]
    if code in LANGUAGES:
        request.session["lang"] = code
    back = urlsplit(request.headers.get("referer", ""))
    same_site = (
        back.netloc == request.url.netloc and back.path.startswith("/") and not back.path.startswith("//")
    )
    return RedirectResponse(back.path if same_site else "/", 303)  # never to another site


async def health(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


@require_role("admin", "counsellor", "coordinator")
async def home(request: Request) -> Response:
    user = guarded_user(request)
    assert user is not None
    if user.role == "coordinator":
        return RedirectResponse("/statistics/", 303)
    return RedirectResponse("/entries", 303)


# -- entries -----------------------------------------------------------------------------------


def _editable(user: Any) -> Any:
    """The services this user may edit, as a query condition."""
    if user.role == "admin":
        return true()
    return Service.organization_id.in_(user.organization_ids or ["-"])


def _entry_rows(
    session: Session, condition: Any, query_text: str = "", only_reported: bool = False
) -> list[dict[str, Any]]:
    reported = (
        select(ProblemReport.id)
        .where(ProblemReport.service_id == Service.id, ProblemReport.status == "open")
        .exists()
    )
    stmt = (
        select(Service)
        .where(condition & reported if only_reported else condition)
        .options(
            selectinload(Service.organization),
            selectinload(Service.locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
        )
        # Entries with open reports from the bot first: they are what needs a look today.
        .order_by(Service.archived, case((reported, 0), else_=1), Service.organization_id, Service.name)
    )
    if query_text:
        like = f"%{query_text.lower()}%"
        cities = select(ServiceAtLocation.service_id).join(
            Address, Address.location_id == ServiceAtLocation.location_id
        )
        stmt = stmt.where(
            or_(
                func.lower(Service.name).like(like),
                Service.id.in_(cities.where(func.lower(Address.city).like(like))),
            )
        )
    services = session.scalars(stmt.limit(200)).all()
    open_counts = dict(
        session.execute(
            select(ProblemReport.service_id, func.count())
            .where(ProblemReport.status == "open", ProblemReport.service_id.in_([s.id for s in services]))
            .group_by(ProblemReport.service_id)
        ).all()
    )
    rows = []
    for service in services:
        address = service.locations[0].location.address if service.locations else None
        rows.append(
            {
                "service": service,
                "city": address.city if address else None,
                "open_reports": open_counts.get(service.id, 0),
                "stale": service.assured_date is None or service.assured_date < clock.today() - STALE_AFTER,
            }
        )
    return rows


@require_role(*EDITORS)
async def entries(request: Request) -> Response:
    user = guarded_user(request)
    query_text = request.query_params.get("q", "").strip()[:100]
    only_reported = request.query_params.get("reports") == "open"
    with db(request) as session:
        rows = _entry_rows(session, _editable(user), query_text, only_reported)
        reported = reports.open_reports(session, None if user.role == "admin" else user.organization_ids)
    title = "all_entries" if user.role == "admin" else "my_entries"
    return render(
        request,
        "entries.html",
        rows=rows,
        q=query_text,
        title_key=title,
        stale_view=False,
        only_reported=only_reported,
        reported_entries=len({r.service_id for r in reported}),
    )


@require_role(*EDITORS)
async def stale_entries(request: Request) -> Response:
    user = guarded_user(request)
    limit = clock.today() - STALE_AFTER
    with db(request) as session:
        rows = _entry_rows(
            session,
            _editable(user)
            & ~Service.archived
            & or_(Service.assured_date.is_(None), Service.assured_date < limit),
        )
    return render(request, "entries.html", rows=rows, q="", title_key="stale_entries", stale_view=True)


def _load_editable(request: Request, session: Session) -> Service | None:
    """The entry of the URL if this user may edit it; None (shown as 404) otherwise."""
    return load_editable(request, session, audit.load_service, "service_id")


def _preview(service: Service, language: str) -> str:
    return card(referral_of(service), language)


@require_role(*EDITORS)
@csrf_protect
async def edit_entry(request: Request) -> Response:
    user = guarded_user(request)
    language = language_of(request)
    with db(request) as session:
        service = _load_editable(request, session)
        if service is None:
            return error_page(request, 404, "not_found")
        record = audit.snapshot(service)
        if request.method == "POST":
            form = await ServiceForm.from_formdata(request)
        else:
            form = ServiceForm(request, data=form_data(record))
        label_choices(form, record, language)
        form.general_errors = []
        status = 200
        if request.method == "POST":
            new_record, where = apply(form, record)
            problems, version = audit.save(session, service, new_record, user.email, "edit")
            if problems:
                session.rollback()
                attach(form, problems, where, language)
                form.general_errors.insert(0, text("not_saved", language))
                status = 422
            else:
                session.commit()
                if version is not None:
                    log.info(
                        "entry edited: %s (%s)", service.id, ", ".join(json.loads(version.changed_fields))
                    )
                flash(request, "saved")
                _flash_settled(request, version)
                return RedirectResponse(f"/entries/{service.id}", 303)
        return render(
            request,
            "entry_edit.html",
            status_code=status,
            form=form,
            service=service,
            preview=_preview(service, language),
            open_reports=reports.open_reports_of(session, service.id),
            existing_locations=len(service.locations),
            stale=service.assured_date is None or service.assured_date < clock.today() - STALE_AFTER,
        )


def _flash_settled(request: Request, version: EntryVersion | None) -> None:
    if version is not None and version.closed_reports:
        flash(request, "reports_settled", count=str(len(json.loads(version.closed_reports))))


async def _entry_action(request: Request, action: str) -> Response:
    await ActionForm.from_formdata(request)
    user = guarded_user(request)
    with db(request) as session:
        service = _load_editable(request, session)
        if service is None:
            return error_page(request, 404, "not_found")
        if action == "verify":
            version = audit.verify_today(session, service, user.email)
            message = "verified_done"
        else:
            record = audit.snapshot(service)
            record["x_archived"] = action == "archive"
            problems, version = audit.save(session, service, record, user.email, action)
            if problems:  # an entry imported before a validation rule existed
                session.rollback()
                return error_page(request, 422, "not_saved")
            message = "archived_done" if action == "archive" else "unarchived_done"
        session.commit()
        log.info("entry %s: %s", action, service.id)
    flash(request, message)
    _flash_settled(request, version)
    return RedirectResponse(f"/entries/{request.path_params['service_id']}", 303)


@require_role(*EDITORS)
@csrf_protect
async def verify_entry(request: Request) -> Response:
    return await _entry_action(request, "verify")


@require_role(*EDITORS)
@csrf_protect
async def archive_entry(request: Request) -> Response:
    return await _entry_action(request, "archive")


@require_role(*EDITORS)
@csrf_protect
async def unarchive_entry(request: Request) -> Response:
    return await _entry_action(request, "unarchive")


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, list):
        return "\n".join(_row_text(item) for item in value)
    return str(value)


def _row_text(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    if "taxonomy_term" in item:
        return item["taxonomy_term"].get("code", "")
    if "byday" in item or "x_appointment_only" in item:
        hours = f"{item.get('opens_at') or ''}–{item.get('closes_at') or ''}".strip("–")
        extra = " (Termin)" if item.get("x_appointment_only") else ""
        return f"{item.get('byday') or ''} {hours}{extra}".strip()
    if "number" in item:
        return item["number"]
    if "location" in item:
        address = (item["location"].get("addresses") or [{}])[0]
        parts = (address.get("address_1") or "", address.get("postal_code") or "", address.get("city") or "")
        return f"{parts[0]}, {parts[1]} {parts[2]}"
    if "code" in item:
        return item["code"]
    return ", ".join(str(v) for k, v in item.items() if k != "id" and v not in (None, ""))


@require_role(*EDITORS)
async def entry_history(request: Request) -> Response:
    language = language_of(request)
    with db(request) as session:
        service = _load_editable(request, session)
        if service is None:
            return error_page(request, 404, "not_found")
        items = []
        for version in audit.versions(session, service.id):
            diff = json.loads(version.changes)
            items.append(
                {
                    "version": version,
                    "changes": [
                        (
                            text(FIELD_LABELS[field], language) if field in FIELD_LABELS else field,
                            _shown(old),
                            _shown(new),
                        )
                        for field, (old, new) in diff.items()
                    ],
                    "action": version.action.split(":")[0],
                    "closed_reports": json.loads(version.closed_reports or "[]"),
                }
            )
    return render(request, "history.html", service=service, items=items)


@require_role(*EDITORS)
@csrf_protect
async def restore_version(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    user = guarded_user(request)
    with db(request) as session:
        service = _load_editable(request, session)
        version = session.get(EntryVersion, int(request.path_params["version_id"]))
        if service is None or version is None or version.service_id != service.id:
            return error_page(request, 404, "not_found")
        problems = audit.restore(session, service, version, user.email)
        if problems:
            session.rollback()
            return error_page(request, 422, "not_saved")
        session.commit()
        log.info("entry restored: %s to version %d", service.id, version.id)
    flash(request, "restored_done")
    return RedirectResponse(f"/entries/{service.id}", 303)


# -- reports from the bot ----------------------------------------------------------------------


@require_role(*EDITORS)
async def report_queue(request: Request) -> Response:
    user = guarded_user(request)
    with db(request) as session:
        items = reports.open_reports(session, None if user.role == "admin" else user.organization_ids)
        names = dict(
            session.execute(
                select(Service.id, Service.name).where(Service.id.in_([r.service_id for r in items]))
            ).all()
        )
    return render(request, "reports.html", items=items, names=names)


@require_role(*EDITORS)
@csrf_protect
async def report_done(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    user = guarded_user(request)
    with db(request) as session:
        report = session.get(ProblemReport, int(request.path_params["report_id"]))
        service = session.get(Service, report.service_id) if report else None
        if report is None or service is None or not may_edit(user, service.organization_id):
            return error_page(request, 404, "not_found")
        reports.mark_done(report, user.email)
        session.commit()
    flash(request, "report_done")
    return RedirectResponse("/reports", 303)


def organizations_of(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def refresh_organization(session: Session, organization_id: str) -> None:
    """After an organisation changed (e.g. its MSO flag), rebuild its services' search points."""
    ids = list(session.scalars(select(Service.id).where(Service.organization_id == organization_id)))
    search_index.refresh(session, ids)
