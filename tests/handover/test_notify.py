"""The counsellors' e-mail about a new handover message, sent to a local SMTP server (aiosmtpd):
to the thread's organisation only, with the language, never the message, topic or town."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller

from assistant.settings import Settings
from referrals.admin import notify
from referrals.handover import threads
from referrals.handover.models import Thread
from tests.handover.conftest import CHAT
from tests.support import free_port

USER_TEXT = "مرحبا، أحتاج مكان في الروضة لابني"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Settings]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=False,
        smtp_from="wegweiser@example.org",
        admin_public_url="https://admin.example.org/",
    )
    try:
        yield inbox, settings
    finally:
        controller.stop()


def test_the_organisations_counsellors_get_one_mail_without_the_text(smtp, directory, thread_id: str) -> None:
    inbox, settings = smtp
    with directory() as session:
        assert notify.send_notifications(session, settings) == 1
    [(recipients, mail)] = inbox.mails
    assert recipients == ["fatma@example.org"]  # counsellor of organisation A; not B, not the admin
    body = mail.get_payload(decode=True).decode()
    assert "Arabisch" in mail["Subject"] and "Arabic" in body
    assert f"https://admin.example.org/inquiries/{thread_id}" in body
    for secret in (USER_TEXT, "Darmstadt", "youth_family", CHAT):
        assert secret not in body and secret not in mail["Subject"]


def test_each_message_is_notified_once(smtp, directory, thread_id: str) -> None:
    inbox, settings = smtp
    with directory() as session:
        notify.send_notifications(session, settings)
        assert notify.send_notifications(session, settings) == 0
        threads.add_user_message(session, session.get(Thread, thread_id), "noch eine Frage")
        session.commit()
        assert notify.send_notifications(session, settings) == 1
    assert len(inbox.mails) == 2


def test_a_server_that_is_away_is_tried_again(directory, thread_id: str) -> None:
    away = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    with directory() as session, pytest.raises(OSError):
        notify.send_notifications(session, away)
    with directory() as session:  # still waiting to be notified
        assert session.get(Thread, thread_id).messages[0].delivered_at is None


def test_without_smtp_nothing_is_sent_or_marked(directory, thread_id: str) -> None:
    with directory() as session:
        assert notify.send_notifications(session, Settings(smtp_host=None)) == 0
        assert session.get(Thread, thread_id).messages[0].delivered_at is None
