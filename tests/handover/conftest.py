"""Fixtures of the handover tests: the admin's (demo directory with four users, one logged-in
client per role, SQLite and PostgreSQL), and a thread of organisation A's service."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from referrals.handover import threads
from referrals.handover.models import WrittenQuestions
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, app, client_for, database_url, directory  # noqa: F401, F811

CHAT = "pseudonym-of-chat-1"  # what the adapter stores: a keyed hash, never the chat id
TELEGRAM_CHAT = 5550001  # a made-up chat id, only in the delivery table


@pytest.fixture
def opted_in(directory: sessionmaker[Session]) -> sessionmaker[Session]:  # noqa: F811
    """Organisation A's service and organisation B's service take questions in writing."""
    with directory() as session:
        session.add(WrittenQuestions(service_id=OWN_SERVICE, enabled=True, languages="de,ar", answer_days=2))
        session.add(WrittenQuestions(service_id=OTHER_SERVICE, enabled=True, languages="de", answer_days=3))
        session.commit()
    return directory


@pytest.fixture
def thread_id(opted_in: sessionmaker[Session]) -> str:
    """An open thread with organisation A, with one user message."""
    with opted_in() as session:
        thread = threads.start_thread(
            session, CHAT, TELEGRAM_CHAT, OWN_SERVICE, "ar", "youth_family", "Darmstadt"
        )
        threads.add_user_message(session, thread, "مرحبا، أحتاج مكان في الروضة لابني")
        session.commit()
        return thread.id
