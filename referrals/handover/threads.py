"""What the adapter and the admin do with handover threads. Blocking (SQLAlchemy); the caller
commits. Every write of a thread's activity goes through here, so the state machine is in one
place: a user message makes a thread "waiting_us", a counsellor reply "waiting_user", and
/stop, /forget, a counsellor or the idle rule close it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from referrals import clock
from referrals.directory.models import Address, Service
from referrals.handover.models import IN, OUT, Delivery, HandoverCount, Message, Thread, WrittenQuestions


@dataclass(frozen=True)
class Offer:
    """An opted-in service as the bot names it."""

    service_id: str
    organization: str
    languages: tuple[str, ...]
    answer_days: int


def offer(session: Session, service_id: str) -> Offer | None:
    """The service's opt-in, None when it takes no questions in writing (or is archived)."""
    optin = session.get(WrittenQuestions, service_id)
    service = session.get(Service, service_id)
    if optin is None or not optin.enabled or service is None or service.archived:
        return None
    languages = tuple(code for code in optin.languages.split(",") if code)
    return Offer(service_id, service.organization.name, languages, optin.answer_days)


def organization_name(session: Session, thread: Thread) -> str:
    """The name the user knows the thread by (also after the service's opt-in was switched off)."""
    service = session.get(Service, thread.service_id)
    return service.organization.name if service else ""


def opted_in(session: Session, service_ids: list[str]) -> set[str]:
    """Which of these services take questions in writing."""
    return set(
        session.scalars(
            select(WrittenQuestions.service_id).where(
                WrittenQuestions.service_id.in_(service_ids), WrittenQuestions.enabled.is_(True)
            )
        )
    )


def active_thread(session: Session, chat: str) -> Thread | None:
    """The chat's thread that is not closed (there is at most one)."""
    return session.scalar(
        select(Thread).where(Thread.chat == chat, Thread.state != "closed").order_by(Thread.created_at.desc())
    )


def start_thread(
    session: Session,
    chat: str,
    telegram_chat_id: int,
    service_id: str,
    language: str,
    topic: str | None,
    town: str | None,
) -> Thread:
    """After the user said yes: a new thread (an open one of the chat is closed first), counted."""
    previous = active_thread(session, chat)
    if previous is not None:
        close(session, previous)
    service = session.get(Service, service_id)
    if service is None:
        raise ValueError("unknown service")
    now = clock.utcnow()
    thread = Thread(
        id=secrets.token_urlsafe(9),
        chat=chat,
        service_id=service_id,
        organization_id=service.organization_id,
        topic=topic,
        town=town,
        language=language,
        state="open",
        created_at=now,
        last_activity_at=now,
    )
    session.add(thread)
    session.flush()
    session.add(Delivery(thread_id=thread.id, telegram_chat_id=telegram_chat_id))
    _count(session, _counted_town(session, town), topic or "", language)
    return thread


def _counted_town(session: Session, town: str | None) -> str:
    """The statistics' town: a town of the directory, else OTHER_CITY (a small town could point
    to a person: never named), NO_CITY when none was given (as referrals.statistics.models)."""
    if not town:
        return ""
    known = session.scalar(select(Address.city).where(func.lower(Address.city) == town.lower()).limit(1))
    return known or "~"


def _count(session: Session, town: str, topic: str, language: str) -> None:
    values = {"day": clock.today(), "town": town, "topic": topic, "language": language, "handovers": 1}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(HandoverCount).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "town", "topic", "language"],
            set_={"handovers": HandoverCount.handovers + 1},
        )
    )


def add_user_message(session: Session, thread: Thread, text: str, update_id: int | None = None) -> Message:
    """The user's message (once per Telegram update, however often the update is handled)."""
    if update_id is not None:
        earlier = session.scalar(
            select(Message).where(Message.thread_id == thread.id, Message.update_id == update_id)
        )
        if earlier is not None:
            return earlier
    message = Message(
        thread_id=thread.id, direction=IN, text=text, created_at=clock.utcnow(), update_id=update_id
    )
    session.add(message)
    if thread.state == "waiting_user":
        thread.state = "waiting_us"
    thread.last_activity_at = message.created_at
    return message


def add_reply(session: Session, thread: Thread, text: str) -> Message:
    """A counsellor's answer: the adapter's outbox sends it (delivered_at stays empty until then)."""
    message = Message(thread_id=thread.id, direction=OUT, text=text, created_at=clock.utcnow())
    session.add(message)
    thread.state = "waiting_user"
    thread.last_activity_at = message.created_at
    return message


def close(session: Session, thread: Thread, tell_user: bool = False) -> None:
    """Closed: no more messages either way; the texts stay until the retention job deletes them.

    The chat id goes with the closing, unless the user must still be told (closed by the
    counsellors or for idleness): then the adapter's outbox tells them and deletes it
    (`closings_to_tell`, `told`), so they do not write on to a thread nobody reads.
    """
    thread.state = "closed"
    thread.closed_at = clock.utcnow()
    if not tell_user:
        session.execute(delete(Delivery).where(Delivery.thread_id == thread.id))


def closings_to_tell(session: Session) -> list[Outgoing]:
    """Closed threads whose user was not told yet (message_id 0, text empty)."""
    rows = session.execute(
        select(Thread, Delivery.telegram_chat_id)
        .join(Delivery, Delivery.thread_id == Thread.id)
        .where(Thread.state == "closed")
    ).all()
    return [
        Outgoing(0, chat_id, organization_name(session, thread), thread.language, "", thread.id)
        for thread, chat_id in rows
    ]


def told(session: Session, thread_id: str) -> None:
    """The user knows the thread is closed: the chat id is deleted."""
    session.execute(delete(Delivery).where(Delivery.thread_id == thread_id))


def forget_chat(session: Session, chat: str) -> int:
    """/forget: every thread of the chat with its messages, at once. Returns how many threads."""
    ids = list(session.scalars(select(Thread.id).where(Thread.chat == chat)))
    if ids:
        session.execute(delete(Message).where(Message.thread_id.in_(ids)))
        session.execute(delete(Delivery).where(Delivery.thread_id.in_(ids)))
        session.execute(delete(Thread).where(Thread.id.in_(ids)))
    return len(ids)


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    telegram_chat_id: int
    organization: str
    language: str
    text: str
    thread_id: str = ""


def undelivered_replies(session: Session, limit: int = 50) -> list[Outgoing]:
    """Counsellor replies Telegram has not accepted yet, oldest first (threads still open)."""
    rows = session.execute(
        select(Message.id, Delivery.telegram_chat_id, Thread.service_id, Thread.language, Message.text)
        .join(Thread, Thread.id == Message.thread_id)
        .join(Delivery, Delivery.thread_id == Thread.id)
        .where(Message.direction == OUT, Message.delivered_at.is_(None))
        .order_by(Message.id)
        .limit(limit)
    ).all()
    result = []
    for message_id, chat_id, service_id, language, text in rows:
        service = session.get(Service, service_id)
        name = service.organization.name if service else ""
        result.append(Outgoing(message_id, chat_id, name, language, text))
    return result


def mark_delivered(session: Session, message_id: int) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(delivered_at=clock.utcnow()))


def threads_of(session: Session, organization_ids: list[str] | None, state: str) -> list[Thread]:
    """The queue: threads in `state` of these organisations (None: all, for admins), oldest first."""
    query = select(Thread).where(Thread.state == state).order_by(Thread.last_activity_at)
    if organization_ids is not None:
        query = query.where(Thread.organization_id.in_(organization_ids))
    return list(session.scalars(query))
