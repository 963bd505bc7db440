"""\"Anfragen\": what users wrote to an organisation through the bot, and the counsellors' answers.

A counsellor sees the threads of their own organisations only (admins all), by state: open (no
answer yet), waiting for us, waiting for the user, closed. A thread shows its random id, the
topic, town and language of the request and the messages: never anything that identifies the
user. The reply is stored; the adapter's outbox delivers it (referrals/handover/threads.py).
The opt-in of a service ("questions in writing") is edited beside the entry. Routes in ROUTES.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette_wtf import csrf_protect

from referrals.admin.auth import guarded_user, load_editable, require_role
from referrals.admin.forms import ActionForm, ReplyForm, WrittenQuestionsForm, options
from referrals.admin.rendering import error_page, flash, render
from referrals.admin.views import EDITORS, _load_editable, db
from referrals.cards import language_names
from referrals.directory.models import Organization, Service
from referrals.handover import threads
from referrals.handover.models import STATES, Thread, WrittenQuestions
from referrals.topics import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, TOPICS
from referrals.web_language import language_of

log = logging.getLogger("referrals.admin")


def _organizations(request: Request) -> list[str] | None:
    user = guarded_user(request)
    return None if user.role == "admin" else user.organization_ids


@require_role(*EDITORS)
async def queue(request: Request) -> Response:
    state = request.query_params.get("state", "open")
    if state not in STATES:
        state = "open"
    own = _organizations(request)
    with db(request) as session:
        items = threads.threads_of(session, own, state)
        counted = select(Thread.state, func.count()).group_by(Thread.state)
        if own is not None:
            counted = counted.where(Thread.organization_id.in_(own))
        counts = {name: count for name, count in session.execute(counted)}
        shown = select(Service.id, Service.name).where(Service.id.in_({item.service_id for item in items}))
        names = {service_id: name for service_id, name in session.execute(shown)}
    language = language_of(request)
    return render(
        request,
        "inquiries.html",
        items=items,
        state=state,
        states=STATES,
        counts=counts,
        names=names,
        topic=lambda code: _topic(code, language),
    )


def _topic(code: str | None, language: str) -> str:
    return TOPICS[code].label(language) if code in TOPICS else "–"


def _thread(request: Request, session: Session) -> Thread | None:
    """The thread of the URL if this user may answer it; None (shown as 404) otherwise."""
    return load_editable(request, session, lambda s, thread_id: s.get(Thread, thread_id), "thread_id")


@require_role(*EDITORS)
@csrf_protect
async def thread_page(request: Request) -> Response:
    with db(request) as session:
        thread = _thread(request, session)
        if thread is None:
            return error_page(request, 404, "not_found")
        form = await ReplyForm.from_formdata(request)
        status = 200
        if request.method == "POST":
            if thread.state == "closed":
                return error_page(request, 409, "inquiry_closed")
            if await form.validate():
                threads.add_reply(session, thread, form.text.data.strip())
                session.commit()
                log.info("handover reply stored")  # never the text
                flash(request, "reply_sent")
                return RedirectResponse(f"/inquiries/{thread.id}", 303)
            status = 422
        organization = session.get(Organization, thread.organization_id)
        service = session.get(Service, thread.service_id)
        return render(
            request,
            "inquiry.html",
            status_code=status,
            thread=thread,
            messages=list(thread.messages),
            form=form,
            organization=organization.name if organization else "",
            service=service.name if service else "",
            topic=_topic(thread.topic, language_of(request)),
            language_name=language_names((thread.language,), language_of(request)),
        )


@require_role(*EDITORS)
@csrf_protect
async def close_thread(request: Request) -> Response:
    await ActionForm.from_formdata(request)
    with db(request) as session:
        thread = _thread(request, session)
        if thread is None:
            return error_page(request, 404, "not_found")
        if thread.state != "closed":
            threads.close(session, thread, tell_user=True)
            session.commit()
        flash(request, "inquiry_closed")
    return RedirectResponse("/inquiries", 303)


@require_role(*EDITORS)
@csrf_protect
async def written_questions(request: Request) -> Response:
    """The opt-in of one service: on/off, the languages the counsellors write, the answer time."""
    with db(request) as session:
        service = _load_editable(request, session)
        if service is None:
            return error_page(request, 404, "not_found")
        optin = session.get(WrittenQuestions, service.id)
        if request.method == "POST":
            form = await WrittenQuestionsForm.from_formdata(request)
        else:
            data = {"enabled": False, "languages": ["de"], "answer_days": 2}
            if optin is not None:
                data = {
                    "enabled": optin.enabled,
                    "languages": optin.languages.split(","),
                    "answer_days": optin.answer_days,
                }
            form = WrittenQuestionsForm(request, data=data)
        form.languages.choices = options(LANGUAGE_NAMES.items())
        status = 200
        if request.method == "POST":
            chosen = [code for code in form.languages.data or [] if code in SUPPORTED_LANGUAGES]
            if await form.validate() and chosen:
                optin = optin or WrittenQuestions(service_id=service.id)
                optin.enabled = bool(form.enabled.data)
                optin.languages = ",".join(chosen)
                optin.answer_days = int(form.answer_days.data)
                session.add(optin)
                session.commit()
                log.info("questions in writing %s: %s", "on" if optin.enabled else "off", service.id)
                flash(request, "saved")
                return RedirectResponse(f"/entries/{service.id}/written", 303)
            if not chosen:
                form.languages.errors = ["!"]
            status = 422
        return render(
            request,
            "written.html",
            status_code=status,
            form=form,
            service=service,
            language=language_of(request),
        )


ROUTES = [
    Route("/inquiries", queue),
    Route("/inquiries/{thread_id}", thread_page, methods=["GET", "POST"]),
    Route("/inquiries/{thread_id}/close", close_thread, methods=["POST"]),
    Route("/entries/{service_id}/written", written_questions, methods=["GET", "POST"]),
]
