"""Tables of the handover: which services take questions in writing, threads and their messages.

A thread is known to the counsellors only by a random id, never by the Telegram id, name or
username. The adapter finds a chat's open thread by the chat's pseudonym (the keyed hash Rasa
also sees), and keeps the one thing it needs to deliver the counsellors' replies, the Telegram
chat id, in `handover_delivery`: a table no admin page reads, deleted when the thread closes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referrals.directory.models import ID, Base

STATES = ("open", "waiting_us", "waiting_user", "closed")
# open: nobody has answered yet; waiting_us: the user wrote after a reply; waiting_user: the
# counsellors answered last; closed: by the user (/stop), a counsellor, or after idle days.
IN, OUT = "in", "out"  # from the user / from the counsellors


class WrittenQuestions(Base):
    """A service's opt-in to questions in writing, with what the consent text tells the user."""

    __tablename__ = "handover_optin"

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    languages: Mapped[str] = mapped_column(String(200), default="de")  # comma-separated codes
    answer_days: Mapped[int] = mapped_column(Integer, default=2)  # usual answer time in working days


class Thread(Base):
    __tablename__ = "handover_thread"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # random, shown to counsellors
    chat: Mapped[str] = mapped_column(String(64), index=True)  # pseudonym, never shown
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    organization_id: Mapped[str] = mapped_column(ID, index=True)
    topic: Mapped[str | None] = mapped_column(String(50))
    town: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    messages: Mapped[list[Message]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "handover_message"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("handover_thread.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # out: when Telegram accepted it (the adapter's outbox sends those without it, also after a
    # restart); in: when the counsellors were told by e-mail.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # in: the Telegram update it came in (a retried update is not stored twice)
    update_id: Mapped[int | None] = mapped_column(BigInteger)


class Delivery(Base):
    """Where the adapter sends a thread's replies. Deleted when the thread closes."""

    __tablename__ = "handover_delivery"

    thread_id: Mapped[str] = mapped_column(
        ForeignKey("handover_thread.id", ondelete="CASCADE"), primary_key=True
    )
    telegram_chat_id: Mapped[int] = mapped_column(BigInteger)


class HandoverCount(Base):
    """Statistics: handovers started per day, town, topic and language. A counter, nothing else."""

    __tablename__ = "statistics_handover"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    town: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic: Mapped[str] = mapped_column(String(50), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    handovers: Mapped[int] = mapped_column(Integer, default=0)
