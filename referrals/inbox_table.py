"""The Telegram adapter's durable inbox as a table of the shared database, and its retention.

The adapter (bot/inbox.py) reads and writes the rows; the table lives here, beside the
directory's models and migrations (referrals/migrations, `0002_inbox`), so that the retention
job (assistant/retention.py) can delete expired rows without importing the adapter, which is a
process of its own. One row per Telegram update, keyed by Telegram's `update_id`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CursorResult,
    DateTime,
    Integer,
    Result,
    String,
    Text,
    delete,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from referrals import clock
from referrals.db import make_engine
from referrals.directory.models import Base


class InboxRow(Base):
    __tablename__ = "telegram_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat: Mapped[str | None] = mapped_column(String(64), index=True)  # pseudonym, never the chat id
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str | None] = mapped_column(Text)  # the update as Telegram sent it
    replies: Mapped[str | None] = mapped_column(Text)  # Rasa's replies, once it answered
    sent: Mapped[int] = mapped_column(Integer, default=0)  # rendered messages Telegram accepted
    notified: Mapped[bool] = mapped_column(Boolean, default=False)  # told "your message is kept"
    # A worker began the turn (Rasa may have run it): whoever handles it next asks Rasa's tracker first.
    attempted: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


def rowcount(result: Result[Any]) -> int:
    # A DELETE's result is a CursorResult at run time; the session's typing says only Result.
    return cast(CursorResult[Any], result).rowcount


def delete_expired_rows(session: Session, older_than: timedelta) -> int:
    """Rows received longer ago than `older_than`, answered or not."""
    cutoff = clock.utcnow() - older_than
    return rowcount(session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff)))


def delete_expired_entries(database_url: str, older_than: timedelta) -> int:
    """The retention job's part: inbox rows received longer ago than `older_than` (0 without the table)."""
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(InboxRow.__tablename__):
            return 0
        with Session(engine) as session, session.begin():
            return delete_expired_rows(session, older_than)
    finally:
        engine.dispose()
