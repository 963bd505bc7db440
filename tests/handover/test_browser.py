"""The counsellor's side in a real headless Chromium at phone size (390 x 844): the "Anfragen"
queue, the thread, the reply, the opt-in. Screenshots in var/screenshots/ (handover-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from referrals.handover import threads
from referrals.handover.models import Thread
from tests.admin.browser import shot
from tests.admin.test_browser import browser, log_in, phone, server  # noqa: F401 - fixtures
from tests.handover.conftest import OWN_SERVICE

ANSWER = "Guten Tag! Kommen Sie am Dienstag um 10 Uhr, wir sprechen Arabisch."
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def test_counsellor_reads_and_answers_on_a_phone(phone, directory, thread_id: str) -> None:  # noqa: F811
    log_in(phone, "counsellor")
    phone.click("nav.menu >> text=Anfragen")
    expect(phone.locator("h1")).to_have_text("Anfragen")
    expect(phone.locator(f"#inquiry-{thread_id}")).to_be_visible()
    shot(phone, "handover-01-queue")
    phone.click(f"#inquiry-{thread_id} a")
    expect(phone.locator("li.msg.in p")).to_have_text("مرحبا، أحتاج مكان في الروضة لابني")
    phone.fill("#text", ANSWER)
    shot(phone, "handover-02-thread-with-reply")
    phone.click("form.card button.primary")
    expect(phone.locator(".flash")).to_contain_text("Antwort gespeichert")
    expect(phone.locator("li.msg.out p")).to_have_text(
        "Guten Tag! Kommen Sie am Dienstag um 10 Uhr, wir sprechen Arabisch."
    )
    shot(phone, "handover-03-answered")
    with directory() as session:
        assert session.scalar(select(Thread.state).where(Thread.id == thread_id)) == "waiting_user"
        assert [r.text for r in threads.undelivered_replies(session)] == [ANSWER]
    phone.goto("/inquiries?state=waiting_user")
    expect(phone.locator(f"#inquiry-{thread_id}")).to_be_visible()


def test_another_organisations_counsellor_sees_nothing(phone, thread_id: str) -> None:  # noqa: F811
    log_in(phone, "other_counsellor")
    phone.goto("/inquiries")
    expect(phone.locator(f"#inquiry-{thread_id}")).to_have_count(0)
    phone.goto(f"/inquiries/{thread_id}")
    expect(phone.locator("li.msg")).to_have_count(0)


def test_the_opt_in_on_a_phone(phone, directory) -> None:  # noqa: F811
    log_in(phone, "counsellor")
    phone.goto(f"/entries/{OWN_SERVICE}")
    phone.click("text=Fragen schriftlich")
    phone.check("#enabled")
    phone.check("input[name=languages][value=tr]")
    phone.fill("#answer_days", "3")
    shot(phone, "handover-04-opt-in")
    phone.click("button.primary")
    expect(phone.locator(".flash")).to_contain_text("Gespeichert")
    with directory() as session:
        offer = threads.offer(session, OWN_SERVICE)
    assert offer is not None and "tr" in offer.languages and offer.answer_days == 3
