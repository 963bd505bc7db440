"""The local chat page in a real Chromium at phone size: Arabic replies read right to left, with the
German terms in brackets in their place in the sentence (screenshot: var/screenshots/chat-page-*.png)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.admin.browser import PHONE, launch, shot
from tests.e2e import local_bot_api

pytestmark = pytest.mark.browser

SHORT = "التسجيل (Anmeldung) مهم"  # "registration (Anmeldung) matters": fits one line
ANSWER = (
    "التسجيل (Anmeldung): سجّل عنوانك في مكتب المواطنين (Bürgeramt) خلال أسبوعين من الانتقال. "
    "خذ معك جواز السفر وتأكيد السكن (Wohnungsgeberbestätigung)."
)
GERMAN = "Kita, Schule, Jugend und Familie · Darmstadt:"


@pytest.fixture(scope="module")
def chat_page() -> Iterator[str]:
    with local_bot_api(uuid.uuid4().hex) as url:
        yield url


@pytest.fixture
def phone(chat_page: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        context = chromium.new_context(viewport=PHONE, locale="ar")
        page = context.new_page()
        page.goto(chat_page)
        yield page
        context.close()
        chromium.close()


def bot_says(api_url: str, text: str) -> None:
    """What the adapter does: sendMessage to the page's chat (chat id 1)."""
    reply = httpx.post(f"{api_url}/bot1000001:local/sendMessage", json={"chat_id": 1, "text": text})
    assert reply.json()["ok"]


def centre_of(page: Page, message: str, word: str) -> float:
    """Horizontal centre of `word` as drawn inside the bot message containing `message`."""
    return page.evaluate(
        """([message, word]) => {
            const el = [...document.querySelectorAll('.msg.bot')].find(e => e.textContent === message);
            const node = el.firstChild, at = node.textContent.indexOf(word), range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const box = range.getBoundingClientRect();
            return box.left + box.width / 2;
        }""",
        [message, word],
    )


def test_an_arabic_reply_reads_right_to_left_with_the_german_term_in_place(
    phone: Page, chat_page: str
) -> None:
    for text in (SHORT, ANSWER, GERMAN):
        bot_says(chat_page, text)
    bubbles = phone.locator(".msg.bot")
    expect(bubbles.filter(has_text=GERMAN)).to_have_count(1)

    direction = "el => getComputedStyle(el).direction"
    assert bubbles.filter(has_text="مكتب المواطنين").evaluate(direction) == "rtl"
    assert bubbles.filter(has_text=GERMAN).evaluate(direction) == "ltr"
    for bubble in bubbles.all():
        assert bubble.get_attribute("dir") == "auto"
    # Read from the right: the first Arabic word, then the German term, then the last word.
    first, term, last = (centre_of(phone, SHORT, word) for word in ("التسجيل", "Anmeldung", "مهم"))
    assert first > term > last, (first, term, last)

    phone.fill("#text", "أحتاج طبيب في برلين")  # the user's own Arabic message, right to left too
    phone.click("form button")
    mine = phone.locator(".msg.user").filter(has_text="برلين")
    expect(mine).to_have_count(1)
    assert mine.evaluate(direction) == "rtl"
    assert phone.locator("#text").get_attribute("dir") == "auto"
    shot(phone, "chat-page-arabic")  # also checks that nothing is wider than the phone
