"""The pages added for issue 17 in a real headless Chromium at phone size (390 x 844), with
screenshots in var/screenshots/ (admin-2*.png): a new entry with its bot preview, entries with
open reports, the history note of settled reports, log out everywhere, the request to be listed
and its queue, a new organisation, the invitation link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from assistant.settings import Settings
from referrals.admin.app import create_app
from referrals.directory.problem_reports import ProblemReport
from tests.admin.browser import PHONE, LiveServer, launch, shot
from tests.admin.conftest import OWN_SERVICE
from tests.admin.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def server(directory, database_url):
    settings = Settings(database_url=database_url, admin_secret_key="browser-test-" + "k" * 40)
    with LiveServer(create_app(database_url, settings=settings)) as live:
        yield live


def new_phone(browser, server):
    context = browser.new_context(viewport=PHONE, locale="de-DE", base_url=server.url)
    return context, context.new_page()


@pytest.fixture
def phone(browser, server):
    context, page = new_phone(browser, server)
    yield page
    context.close()


def test_counsellor_adds_a_service_with_a_preview(phone) -> None:
    log_in(phone, "counsellor")
    phone.click("text=+ Neuer Eintrag")
    expect(phone.locator("h1")).to_have_text("Neuer Eintrag")
    shot(phone, "admin-20-new-entry", full=False)
    phone.fill("#name", "Frauencafé am Dienstag")
    phone.check("input[name=topics][value=women]")
    phone.check("input[name=languages][value=ar]")
    phone.check("input[name=schedules-0-days][value=TU]")
    phone.fill("#schedules-0-opens_at", "15:00")
    phone.fill("#schedules-0-closes_at", "17:00")
    phone.fill("#locations-0-street", "Luisenplatz 5")
    phone.fill("#locations-0-postcode", "64283")
    phone.fill("#locations-0-city", "Darmstadt")
    phone.click("button[name=preview]")
    expect(phone.locator("#preview pre.bot")).to_contain_text("Frauencafé am Dienstag")
    expect(phone.locator("#preview pre.bot")).to_contain_text("Luisenplatz 5")
    shot(phone, "admin-21-new-entry-preview")
    phone.click("button[name=save]")
    expect(phone.locator(".flash")).to_contain_text("Der Bot zeigt den Eintrag ab sofort")
    expect(phone.locator("#assured")).to_have_text("nie")  # starts unverified
    shot(phone, "admin-22-new-entry-created", full=False)


def test_counsellor_sees_open_reports_and_a_check_settles_them(phone, directory) -> None:
    with directory() as session:
        session.add(ProblemReport(service_id=OWN_SERVICE, reason="phone", status="open"))
        session.commit()
    log_in(phone, "counsellor")
    first = phone.locator("ul.entries li").first
    expect(first).to_have_class(re.compile("reported"))
    expect(first).to_contain_text("1 offene Meldungen")
    shot(phone, "admin-23-entries-with-reports", full=False)
    phone.click("text=Mit offenen Meldungen")
    expect(phone.locator("ul.entries li")).to_have_count(1)
    phone.locator("ul.entries a").first.click()
    phone.click("text=Heute geprüft")
    expect(phone.locator(".flash").last).to_contain_text("1 offene Meldung(en) aus dem Bot damit erledigt")
    phone.click('a.button:has-text("Verlauf")')
    expect(phone.locator(".closed-reports").first).to_contain_text("falsche Telefonnummer")
    shot(phone, "admin-24-history-reports-settled", full=False)


def test_log_out_everywhere_ends_the_other_phone_too(browser, server, phone) -> None:
    log_in(phone, "counsellor")
    context, other = new_phone(browser, server)
    log_in(other, "counsellor")
    shot(phone, "admin-25-footer-log-out-everywhere")
    phone.click("text=Überall abmelden")
    expect(phone.locator("h1")).to_have_text("Anmelden")
    other.goto("/entries")
    expect(other.locator("h1")).to_have_text("Anmelden")
    context.close()


def test_an_organisation_asks_to_be_listed_and_an_admin_accepts_and_invites(browser, server, phone) -> None:
    phone.goto("/login")
    phone.click("text=Aufnahme anfragen")
    expect(phone.locator("h1")).to_have_text("Unsere Organisation möchte aufgenommen werden")
    phone.fill("#organization_name", "Syrischer Elternverein Darmstadt")
    phone.check("#is_mso")
    phone.fill("#city", "Darmstadt")
    phone.fill("#email", "info@elternverein.example.org")
    phone.check("input[name=topics][value=youth_family]")
    shot(phone, "admin-26-join")
    phone.click("button.primary")
    expect(phone.locator(".notice")).to_contain_text("Ihre Anfrage ist angekommen")

    context, admin = new_phone(browser, server)
    log_in(admin, "admin")
    admin.click("nav >> text=Aufnahme-Anfragen")
    expect(admin.locator("li.request")).to_contain_text("Syrischer Elternverein Darmstadt")
    shot(admin, "admin-27-requests")
    admin.click("text=Aufnehmen")
    expect(admin.locator("h1")).to_have_text("Syrischer Elternverein Darmstadt")
    expect(admin.locator("#is_mso")).to_be_checked()
    shot(admin, "admin-28-organisation-accepted")
    admin.click("text=Beratungsperson einladen")
    admin.fill("#email", "leyla@example.org")
    admin.click("button.primary")
    flash = admin.locator(".flash").first.inner_text()
    link = re.search(r"(/invite/[A-Za-z0-9_-]+)", flash).group(1)
    shot(admin, "admin-29-invitation-link")
    context.close()

    phone.goto(link)
    expect(phone.locator("h1")).to_have_text("Willkommen beim Wegweiser")
    phone.fill("#password", "my very own password")
    phone.fill("#repeat", "my very own password")
    shot(phone, "admin-30-invitation")
    phone.click("button.primary")
    expect(phone.locator(".flash")).to_contain_text("Willkommen")
    assert phone.goto(link).status == 410  # the link worked once


def test_admin_creates_an_organisation(phone) -> None:
    log_in(phone, "admin")
    phone.goto("/organizations")
    phone.click("text=Neue Organisation")
    phone.fill("#name", "Afghanischer Frauenverein e. V.")
    phone.check("#is_mso")
    shot(phone, "admin-31-new-organisation")
    phone.click("button.primary")
    expect(phone.locator(".flash")).to_contain_text("Organisation angelegt")
