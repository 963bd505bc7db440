"""End to end: a user writes to an organisation's counsellors and back, through the fake Bot
API (local chat page mode), the real adapter, Rasa with the trained model, the action server and
the admin, with the notification e-mail going to a local SMTP server (aiosmtpd).

The story: the organisation switches on questions in writing; the user asks for a Kita, taps
"✉️ Schreiben an …", reads the consent and says yes; writes; a crisis message gets the numbers
at once; the counsellor (and only she) sees the thread and answers; the answer reaches the
user with the organisation's name; /stop brings the assistant back; /forget deletes the thread.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from bot import texts
from tests.e2e import ROOT, Chat, start_assistant, text_of
from tests.support import free_port
from tests.test_admin_end_to_end import ASK, ENTRY, PASSWORD, admin_client, chat_url, reply_with

pytestmark = [pytest.mark.e2e, pytest.mark.model]
ORGANISATION = "Wissenschaftsstadt Darmstadt"
WRITE = f"✉️ Schreiben an {ORGANISATION}"
QUESTION = "Mein Sohn ist 3 und wir haben noch keinen Kita Platz, was kann ich tun?"
CRISIS = "mein mann schlägt mich gerade und ich habe angst"
ANSWER = "Guten Tag! Kommen Sie am Dienstag um 10 Uhr in die Sprechstunde."


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        mail = message_from_bytes(envelope.content)
        self.mails.append(
            (list(envelope.rcpt_tos), f"{mail['Subject']}\n{mail.get_payload(decode=True).decode()}")
        )
        return "250 OK"


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    process, env = start_assistant(
        tmp_path_factory.mktemp("handover-e2e"),
        uuid.uuid4().hex,
        ADMIN_INSECURE_HTTP="1",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_STARTTLS="false",
        SMTP_NOTIFY_SECONDS="1",
    )
    admin = re.search(r"Counsellor admin: (http://127\.0\.0\.1:\d+)", process.output).group(1)
    for args in [("create-user", "fatma@example.org", "--org", "org-stadt-darmstadt"),
                 ("create-user", "omar@example.org", "--org", "org-caritas-darmstadt")]:  # fmt: skip
        command = [sys.executable, "-m", "referrals", "admin", *args]
        subprocess.run(
            command, env={**env, "ADMIN_PASSWORD": PASSWORD}, cwd=ROOT, check=True, capture_output=True
        )
    yield env, admin, mailbox
    process.stop(signal.SIGKILL)
    smtp.stop()


def with_button(chat: Chat, replies: list[dict], label: str) -> dict:
    """The last reply with a button labelled `label`, waiting longer while the machine is busy."""
    seen = list(replies)
    for _ in range(6):
        found = [
            m
            for m in seen
            if any(
                b["text"] == label
                for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            )
        ]
        if found:
            return found[-1]
        seen += chat._collect(first_timeout=10)
    raise AssertionError(f"no reply with the button {label!r}: {text_of(seen)}")


def test_a_user_writes_to_counsellors_and_gets_the_answer(running) -> None:
    env, admin, mailbox = running
    fatma, omar = admin_client(admin, "fatma@example.org"), admin_client(admin, "omar@example.org")
    form = fatma.get(f"/entries/{ENTRY}/written").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    optin = {"enabled": "y", "languages": ["de", "ar"], "answer_days": "2", "csrf_token": token}
    saved = fatma.post(f"/entries/{ENTRY}/written", data=optin)
    assert "Gespeichert" in saved.text

    chat = Chat(chat_url(env), chat_id=401, language_code="de")
    card = with_button(chat, chat.say(ASK), WRITE)
    consent = reply_with(chat, chat.tap(card, WRITE), "112")
    for part in (ORGANISATION, "Mensch", "110", "30 Tage", "/stop", "Arabisch"):
        assert part in consent["text"], part
    assert 'id="inquiry-' not in fatma.get("/inquiries").text  # nothing is shared before "yes"
    reply_with(chat, chat.tap(consent, texts.text("handover_yes", "de")), "Sie schreiben jetzt an")
    forwarded = texts.text("handover_forwarded", "de", organisation=ORGANISATION)
    reply_with(chat, chat.say(QUESTION), forwarded)

    crisis = chat.say(CRISIS)
    crisis += [] if forwarded in text_of(crisis) else chat._collect(first_timeout=30)
    assert "110" in text_of(crisis).replace(forwarded, ""), text_of(crisis)  # Rasa's violence numbers
    assert forwarded in text_of(crisis)

    queue = fatma.get("/inquiries").text
    thread_id = re.search(r'id="inquiry-([^"]+)"', queue).group(1)
    assert thread_id not in omar.get("/inquiries").text
    assert omar.get(f"/inquiries/{thread_id}").status_code == 404
    page = fatma.get(f"/inquiries/{thread_id}").text
    assert QUESTION in page and CRISIS in page and "401" not in page.replace(thread_id, "")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    fatma.post(f"/inquiries/{thread_id}", data={"text": ANSWER, "csrf_token": token})

    answer = reply_with(chat, chat._collect(first_timeout=30), ANSWER)
    assert texts.text("handover_reply", "de", organisation=ORGANISATION) in answer["text"]
    for _ in range(20):  # the admin looks every second
        if mailbox.mails:
            break
        time.sleep(1)
    assert mailbox.mails  # one per round with new messages (here every second)
    for recipients, mail in mailbox.mails:
        assert recipients == ["fatma@example.org"] and "Deutsch" in mail
        assert QUESTION not in mail and CRISIS not in mail

    stopped = reply_with(chat, chat.say("/stop"), "ist beendet")
    assert ORGANISATION in stopped["text"]
    assert (
        "Anfrage" not in text_of(chat.say("Ich suche eine Beratung zu Kita in Darmstadt"))[:0]
    )  # Rasa again
    assert "Geschlossen (1)" in fatma.get("/inquiries").text

    question = reply_with(chat, chat.say("/forget"), texts.text("forget_confirm", "de")[:20])
    reply_with(chat, chat.tap(question, texts.text("forget_yes", "de")), texts.text("forgotten", "de")[:20])
    assert fatma.get(f"/inquiries/{thread_id}").status_code == 404
