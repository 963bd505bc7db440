"""End to end: the run command with its counsellor admin; changes and reports cross between the
admin and the bot's answers while everything keeps running (no retraining, no restart).

One start of the whole assistant (local chat page mode) serves every test here. The bot is
driven through the local Bot API like a Telegram user; the admin over HTTP like a browser, and
in real Chromium at phone size where Debian's chromium is installed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.admin.browser import PHONE, chromium_path, shot
from tests.admin.html_forms import check, main_form, setv
from tests.e2e import ROOT, Chat, start_assistant, text_of
from tests.support import LoggedProcess

pytestmark = [pytest.mark.e2e, pytest.mark.model]
PASSWORD = "counsellor password 1"
KITA = "Kinderbetreuung"  # the city of Darmstadt's Kita service (org-stadt-darmstadt)
ENTRY = "svc-darmstadt-kinderbetreuung-jugendamt"
ASK = "Ich suche eine Beratung zu Kita in Darmstadt"


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> tuple[LoggedProcess, dict[str, str], str]:
    process, env = start_assistant(
        tmp_path_factory.mktemp("admin-e2e"), uuid.uuid4().hex, ADMIN_INSECURE_HTTP="1"
    )
    match = re.search(r"Counsellor admin: (http://127\.0\.0\.1:\d+)", process.output)
    assert match, "the run command prints the admin's address"
    users = [
        ("create-admin", "admin@example.org"),
        ("create-user", "fatma@example.org", "--org", "org-stadt-darmstadt"),
        ("create-user", "omar@example.org", "--org", "org-caritas-darmstadt"),
    ]
    for args in users:
        subprocess.run(
            [sys.executable, "-m", "referrals", "admin", *args],
            env={**env, "ADMIN_PASSWORD": PASSWORD},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    yield process, env, match.group(1)
    process.stop(signal.SIGKILL)


def chat_url(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['LOCAL_CHAT_PORT']}"


def admin_client(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert client.get("/entries").status_code == 200
    return client


def reply_with(chat: Chat, replies: list[dict], text: str) -> dict:
    """The last reply containing `text`, waiting longer while the machine is busy."""
    seen = list(replies)
    for _ in range(6):
        found = [m for m in seen if text in m["text"]]
        if found:
            return found[-1]
        seen += chat._collect(first_timeout=10)
    raise AssertionError(f"no reply with {text!r}: {text_of(seen)}")


def kita_card(chat: Chat, replies: list[dict]) -> dict:
    return reply_with(chat, replies, KITA)


def set_hours(client: httpx.Client, opens: str, closes: str) -> None:
    fields = main_form(client.get(f"/entries/{ENTRY}").text)
    check(fields, "schedules-0-days", ["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
    setv(fields, "schedules-0-opens_at", opens)
    setv(fields, "schedules-0-closes_at", closes)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    saved = client.post(f"/entries/{ENTRY}", data=data)
    assert "Gespeichert" in saved.text


def test_new_opening_hours_are_in_the_bots_next_answer(running) -> None:
    process, env, admin = running
    chat = Chat(chat_url(env), chat_id=301, language_code="de")
    before = kita_card(chat, chat.say(ASK))
    assert "07:05–18:55" not in before["text"]
    set_hours(admin_client(admin, "fatma@example.org"), "07:05", "18:55")
    after = kita_card(chat, chat.say(ASK))
    assert "🕒 Heute: 07:05–18:55" in after["text"] or "Feiertag" in after["text"], after["text"]
    assert process.process.poll() is None and "READY." in process.output
    assert process.output.count("READY.") == 1  # nothing was restarted or retrained


def test_a_report_from_the_bot_reaches_only_the_owning_organisations_queue(running) -> None:
    _process, env, admin = running
    chat = Chat(chat_url(env), chat_id=302, language_code="de")
    card = kita_card(chat, chat.say(ASK))
    question = reply_with(chat, chat.tap(card, "⚠️ Fehler melden"), "Was stimmt bei diesem Eintrag nicht?")
    reasons = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert reasons == ["Geschlossen", "Umgezogen", "Telefonnummer falsch", "Spricht meine Sprache nicht"]
    reply_with(chat, chat.tap(question, "Umgezogen"), "Über Sie wird nichts gespeichert")
    own = admin_client(admin, "fatma@example.org").get("/reports").text
    assert "umgezogen" in own and f'href="/entries/{ENTRY}"' in own
    other = admin_client(admin, "omar@example.org").get("/reports").text
    assert "Keine offenen Meldungen" in other
    assert "302" not in own.replace(ENTRY, "")  # no chat id or other user data in the queue


@pytest.mark.browser
def test_in_chromium_edit_hours_then_ask_the_bot_then_report(running) -> None:
    """The whole story on a phone screen: counsellor edits, user asks and reports, counsellor sees it."""
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    _process, env, admin = running
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        counsellor = browser.new_context(viewport=PHONE, locale="de-DE").new_page()
        counsellor.goto(f"{admin}/login")
        counsellor.fill("#email", "fatma@example.org")
        counsellor.fill("#password", PASSWORD)
        counsellor.click("button.primary")
        counsellor.click(f"text={KITA}")
        for day in range(7):
            counsellor.check(f"#schedules-0-days-{day}")
        counsellor.fill("#schedules-0-opens_at", "10:10")
        counsellor.fill("#schedules-0-closes_at", "16:20")
        counsellor.click("button[name=save]")
        # Two notes when the edit also settles a bot report: saved, and the report closed.
        expect(counsellor.locator(".flash").first).to_contain_text("Gespeichert")

        user = browser.new_context(viewport=PHONE, locale="de-DE").new_page()
        user.goto(chat_url(env))
        user.fill("#text", ASK)
        user.click("form button")
        card = user.locator(".msg.bot", has_text=KITA).last
        expect(card).to_contain_text(re.compile("10:10–16:20|Feiertag"), timeout=60_000)
        shot(user, "bot-01-answer-with-new-hours")
        card.locator("button", has_text="Fehler melden").click()
        question = user.locator(".msg.bot", has_text="Was stimmt bei diesem Eintrag nicht?").last
        question.locator("button", has_text="Telefonnummer falsch").click()
        expect(user.locator(".msg.bot").last).to_contain_text("Danke", timeout=60_000)
        shot(user, "bot-02-report-thanks")

        counsellor.click("nav >> text=Meldungen")
        expect(counsellor.locator("li.report", has_text="falsche Telefonnummer")).to_have_count(1)
        shot(counsellor, "admin-14-report-from-the-bot")
        browser.close()
