"""The durable inbox: every Telegram update is stored before Telegram is told it arrived.

One row per update, keyed by Telegram's `update_id` (a repeat is ignored), in the
application's database (DATABASE_URL; schema in referrals/migrations). A row lives
through these states:

    stored      the update (JSON) and the chat's pseudonym: written before the polling
                offset moves on / before the webhook answers 200
    replies     Rasa's replies (JSON), written before any of them is sent, so a crash
                after Rasa answered never runs the turn again
    sent        how many of the rendered messages Telegram has accepted
    done        every reply accepted: the update, the replies and the pseudonym are
                erased; only update_id and the time remain, so a repeat is still known

Message texts therefore stay only until the answer is out. Finished rows, and (after the
adapter was stopped for that long) unanswered ones, are deleted by the retention job after
CONVERSATION_RETENTION_HOURS. The calls here are blocking (SQLAlchemy): the adapter runs
them in a thread (`Inbox`).
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import sessionmaker

from referrals import clock
from referrals.db import make_engine
from referrals.inbox_table import InboxRow, delete_expired_rows, rowcount


@dataclass
class Entry:
    """An unfinished update as stored."""

    update_id: int
    chat: str
    payload: dict[str, Any]
    replies: list[dict[str, Any]] | None
    sent: int
    notified: bool
    attempted: bool  # a turn was begun before (this or another worker, maybe before a crash)


class InboxStore:
    """Blocking access to the inbox table."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, updates: list[tuple[int, str, str]]) -> list[int]:
        """Store (update_id, chat, payload) rows in one transaction; returns the ids that were new."""
        ids = [update_id for update_id, _, _ in updates]
        with self._sessions.begin() as session:
            known = set(session.scalars(select(InboxRow.update_id).where(InboxRow.update_id.in_(ids))))
            now = clock.utcnow()
            new = []
            for update_id, chat, payload in updates:
                if update_id in known:
                    continue
                known.add(update_id)
                session.add(InboxRow(update_id=update_id, chat=chat, received_at=now, payload=payload))
                new.append(update_id)
        return new

    def unfinished(self) -> list[tuple[int, str]]:
        """(update_id, chat) of every unfinished update, oldest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(InboxRow.update_id, InboxRow.chat)
                .where(InboxRow.done_at.is_(None))
                .order_by(InboxRow.update_id)
            )
            return [(update_id, chat) for update_id, chat in rows if chat is not None]  # set until done

    def next_offset(self) -> int | None:
        """The getUpdates offset that confirms everything stored, None for an empty inbox."""
        with self._sessions() as session:
            highest = session.scalar(select(InboxRow.update_id).order_by(InboxRow.update_id.desc()).limit(1))
        return None if highest is None else highest + 1

    def load(self, update_id: int) -> Entry | None:
        """The unfinished update, None when it is done or was deleted."""
        with self._sessions() as session:
            row = session.get(InboxRow, update_id)
            if row is None or row.done_at is not None or row.payload is None:
                return None
            return Entry(
                update_id=row.update_id,
                chat=row.chat or "",
                payload=json.loads(row.payload),
                replies=None if row.replies is None else json.loads(row.replies),
                sent=row.sent,
                notified=row.notified,
                attempted=row.attempted,
            )

    def pending_chats(self) -> list[str]:
        """Chats with unfinished updates, the one waiting longest first (several workers)."""
        with self._sessions() as session:
            oldest = func.min(InboxRow.update_id)
            rows = session.execute(
                select(InboxRow.chat, oldest)
                .where(InboxRow.done_at.is_(None), InboxRow.chat.is_not(None))
                .group_by(InboxRow.chat)
                .order_by(oldest)
            )
            return [chat for chat, _ in rows if chat is not None]

    def oldest_unfinished(self, chat: str) -> int | None:
        """The chat's next update to handle (several workers: read after claiming the chat)."""
        with self._sessions() as session:
            return session.scalar(
                select(func.min(InboxRow.update_id)).where(InboxRow.chat == chat, InboxRow.done_at.is_(None))
            )

    def mark_attempted(self, update_id: int) -> None:
        self._set(update_id, attempted=True)

    def _set(self, update_id: int, **values: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(InboxRow).where(InboxRow.update_id == update_id).values(**values))

    def save_replies(self, update_id: int, replies: list[dict[str, Any]]) -> None:
        self._set(update_id, replies=json.dumps(replies, ensure_ascii=False), sent=0)

    def mark_sent(self, update_id: int, count: int) -> None:
        self._set(update_id, sent=count)

    def mark_notified(self, update_id: int) -> None:
        self._set(update_id, notified=True)

    def finish(self, update_id: int) -> None:
        """Done: erase everything but the id and the time (a repeat of the update is still ignored)."""
        self._set(update_id, done_at=clock.utcnow(), chat=None, payload=None, replies=None)

    def forget(self, chat: str, current: int | None = None) -> int:
        """/forget: erase the chat's rows up to the one being handled; later messages stay to be
        answered. Returns the number of rows touched."""
        with self._sessions.begin() as session:
            earlier = InboxRow.chat == chat
            if current is not None:
                earlier = earlier & (InboxRow.update_id < current)
            deleted = rowcount(session.execute(delete(InboxRow).where(earlier)))
            if current is not None:
                session.execute(
                    update(InboxRow)
                    .where(InboxRow.update_id == current)
                    .values(done_at=clock.utcnow(), chat=None, payload=None, replies=None)
                )
                deleted += 1
        return deleted

    def delete_expired(self, older_than: timedelta) -> int:
        """Retention: delete rows received longer ago than `older_than`, answered or not."""
        with self._sessions.begin() as session:
            return delete_expired_rows(session, older_than)


def open_store(database_url: str) -> InboxStore:
    return InboxStore(make_engine(database_url))


@dataclass
class Turn:
    """The stored update being handled: what the handlers need to store progress."""

    store: InboxStore
    entry: Entry
    # Rasa may already have run this update's turn (an earlier process or attempt asked it):
    # look in its tracker before asking again.
    uncertain: bool
    retry: bool = False  # set when delivery failed for a passing reason: handle it again later

    @property
    def update_id(self) -> int:
        return self.entry.update_id

    async def save_replies(self, replies: list[dict[str, Any]]) -> None:
        await asyncio.to_thread(self.store.save_replies, self.update_id, replies)
        self.entry.replies, self.entry.sent = replies, 0

    async def mark_sent(self, count: int) -> None:
        await asyncio.to_thread(self.store.mark_sent, self.update_id, count)
        self.entry.sent = count

    async def mark_notified(self) -> None:
        await asyncio.to_thread(self.store.mark_notified, self.update_id)
        self.entry.notified = True


# The update the current task handles (set by bot.dispatch around PTB's process_update).
current_turn: ContextVar[Turn | None] = ContextVar("current_turn", default=None)
