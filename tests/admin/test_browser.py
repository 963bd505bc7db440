"""The admin in a real headless Chromium at phone size (390 x 844), as counsellors use it.

Screenshots of every main page land in var/screenshots/ (admin-*.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from assistant.settings import Settings
from referrals.actions import report_problem
from referrals.admin.app import create_app
from referrals.directory.models import Service
from referrals.directory.refs import short_ref
from tests.admin.browser import PHONE, LiveServer, launch, shot
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, PASSWORD, ROLES, USERS
from tests.admin.test_reports import run as run_action

# One database backend is enough here: the same pages run on PostgreSQL in the other admin tests.
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


@pytest.fixture
def phone(browser, server):
    """A fresh phone-sized browser (no cookies) and the admin's base URL."""
    context = browser.new_context(viewport=PHONE, locale="de-DE", base_url=server.url)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, who: str) -> None:
    page.goto("/login")
    page.fill("#email", USERS[who][0])
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()


def test_counsellor_logs_in_and_edits_opening_hours(phone, directory) -> None:
    phone.goto("/entries")
    expect(phone.locator("h1")).to_have_text("Anmelden")  # sent to the login page
    shot(phone, "admin-01-login")
    log_in(phone, "counsellor")
    expect(phone.locator("h1")).to_have_text("Meine Einträge")
    expect(phone.locator("ul.entries li")).to_have_count(3)  # the city of Darmstadt's three entries
    shot(phone, "admin-02-my-entries")

    with directory() as session:
        name = session.get(Service, OWN_SERVICE).name
    phone.click(f"text={name}")
    expect(phone.locator("h1")).to_have_text(name)
    shot(phone, "admin-03-entry")
    shot(phone, "admin-03b-entry-first-screen", full=False)
    for day in range(7):
        phone.check(f"#schedules-0-days-{day}")
    phone.fill("#schedules-0-opens_at", "08:30")
    phone.fill("#schedules-0-closes_at", "13:45")
    phone.click("button[name=save]")
    expect(phone.locator(".flash")).to_contain_text("Gespeichert")
    preview = phone.locator("pre.bot").inner_text()
    assert "08:30–13:45" in preview or "Feiertag" in preview
    expect(phone.locator("#schedules-0-opens_at")).to_have_value("08:30")
    shot(phone, "admin-04-saved-with-preview")
    shot(phone, "admin-04b-saved-first-screen", full=False)
    with directory() as session:
        [slot] = session.get(Service, OWN_SERVICE).schedules
        assert (slot.byday, slot.opens_at.strftime("%H:%M"), slot.closes_at.strftime("%H:%M")) == (
            "MO,TU,WE,TH,FR,SA,SU",
            "08:30",
            "13:45",
        )

    phone.fill("#locations-0-postcode", "6429")
    phone.fill("#schedules-1-opens_at", "18:00")
    phone.check("#schedules-1-days-0")
    phone.fill("#schedules-1-closes_at", "17:00")
    phone.click("button[name=save]")
    expect(phone.locator(".banner")).to_contain_text("Nicht gespeichert")
    postcode_field = phone.locator(".field", has=phone.locator("#locations-0-postcode"))
    expect(postcode_field.locator(".error")).to_contain_text("5 Ziffern")
    closes_field = phone.locator(".field", has=phone.locator("#schedules-1-closes_at"))
    expect(closes_field.locator(".error")).to_contain_text("nach der Anfangszeit")
    phone.locator("#locations-0-postcode").scroll_into_view_if_needed()
    shot(phone, "admin-05-validation-errors")


def test_counsellor_cannot_see_or_change_another_organisations_entry(phone, directory) -> None:
    log_in(phone, "counsellor")
    assert OTHER_SERVICE not in phone.content()
    response = phone.goto(f"/entries/{OTHER_SERVICE}")
    assert response.status == 404
    expect(phone.locator(".notice")).to_have_text("Nicht gefunden.")
    shot(phone, "admin-06-other-organisation-404")
    # A crafted request with this session's cookie and a valid token of the own entry page.
    phone.goto(f"/entries/{OWN_SERVICE}")
    token = phone.locator("input[name=csrf_token]").first.get_attribute("value")
    for action in ("", "/verify", "/archive"):
        crafted = phone.request.post(
            f"/entries/{OTHER_SERVICE}{action}", form={"csrf_token": token, "name": "Gekapert"}
        )
        assert crafted.status == 404
    with directory() as session:
        other = session.get(Service, OTHER_SERVICE)
        assert other.name != "Gekapert" and not other.archived and other.assured_date is None


def test_a_form_without_a_valid_csrf_token_is_rejected(phone, directory) -> None:
    log_in(phone, "counsellor")
    phone.goto(f"/entries/{OWN_SERVICE}")
    phone.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.value = 'forged')")
    phone.fill("#name", "Ohne Token")
    phone.click("button[name=save]")
    expect(phone.locator(".notice")).to_contain_text("Formular ist abgelaufen")
    shot(phone, "admin-07-csrf-rejected")
    phone.goto(f"/entries/{OWN_SERVICE}")
    phone.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    phone.click("text=Heute geprüft")
    expect(phone.locator(".notice")).to_contain_text("Formular ist abgelaufen")
    with directory() as session:
        service = session.get(Service, OWN_SERVICE)
        assert service.name != "Ohne Token" and service.assured_date is None


def test_audit_restore_brings_the_old_value_back(phone, directory) -> None:
    log_in(phone, "counsellor")
    phone.goto(f"/entries/{OWN_SERVICE}")
    old = phone.locator("#phones-0-number").input_value()
    phone.fill("#phones-0-number", "06151 13 4444")
    phone.click("button[name=save]")
    expect(phone.locator("#phones-0-number")).to_have_value("+496151134444")
    phone.click("text=Verlauf")
    expect(phone.locator("li.version")).to_have_count(2)  # the edit, and the entry as imported
    expect(phone.locator("li.version").first).to_contain_text("fatma@example.org")
    expect(phone.locator("li.version").first.locator("del")).to_contain_text(old)
    shot(phone, "admin-08-history")
    phone.locator("li.version").last.locator("button", has_text="wiederherstellen").click()
    expect(phone.locator(".flash")).to_contain_text("wiederhergestellt")
    expect(phone.locator("#phones-0-number")).to_have_value(old)
    phone.click("text=Verlauf")
    expect(phone.locator("li.version")).to_have_count(3)  # the restore is recorded too


def test_a_report_from_the_bot_appears_in_the_right_queue_only(
    phone, browser, server, directory, monkeypatch
) -> None:
    monkeypatch.setattr(report_problem, "get_sessionmaker", lambda: directory)
    for service, reason in ((OWN_SERVICE, "phone"), (OTHER_SERVICE, "closed")):
        run_action(
            report_problem.ActionReportProblem(),
            "/report_problem",
            {"ref": short_ref(service), "reason": reason},
        )
    log_in(phone, "counsellor")
    phone.click("nav >> text=Meldungen")
    expect(phone.locator("li.report")).to_have_count(1)
    expect(phone.locator("li.report")).to_contain_text("falsche Telefonnummer")
    shot(phone, "admin-09-reports")
    phone.click("text=Eintrag öffnen")
    expect(phone.locator(".reports-here")).to_contain_text("falsche Telefonnummer")
    phone.go_back()
    phone.click("button:has-text('Erledigt')")
    expect(phone.locator(".notice")).to_have_text("Keine offenen Meldungen.")

    other = browser.new_context(viewport=PHONE, locale="de-DE", base_url=server.url).new_page()
    log_in(other, "other_counsellor")
    other.goto("/reports")
    expect(other.locator("li.report")).to_have_count(1)
    expect(other.locator("li.report")).to_contain_text("geschlossen")
    other.context.close()


HOME = {
    "anonymous": ("h1", "Anmelden"),
    "counsellor": ("h1", "Meine Einträge"),
    "coordinator": ("nav[aria-label=Statistik]", "Überblick"),  # the statistics dashboard
    "admin": ("h1", "Alle Einträge"),
}


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_sees_and_may_open(phone, role: str) -> None:
    if role != "anonymous":
        log_in(phone, role)
    phone.goto("/")
    selector, text = HOME[role]
    expect(phone.locator(selector).first).to_contain_text(text)
    shot(phone, f"admin-10-home-{role}", fits_phone=role != "coordinator")  # theirs: the dashboard
    if role != "anonymous":
        phone.goto("/password")  # an admin page with the menu
    menu = phone.locator("nav.menu").all_inner_texts()
    menu_text = " ".join(menu)
    assert ("Benutzer" in menu_text) == (role == "admin")
    assert ("Meldungen" in menu_text) == (role in ("admin", "counsellor"))
    assert ("Statistik" in menu_text) == (role in ("admin", "coordinator"))
    expected = {"anonymous": 200, "counsellor": 404, "coordinator": 403, "admin": 200}[role]
    response = phone.goto(f"/entries/{OTHER_SERVICE}")
    assert response.status == expected  # anonymous: redirected to the login page (200)
    if role == "anonymous":
        assert re.search(r"/login\?next=", phone.url)
    users = phone.goto("/users")
    assert users.status == (200 if role in ("anonymous", "admin") else 403)
    if role == "admin":
        shot(phone, "admin-11-users")
        phone.goto("/organizations/org-caritas-darmstadt")
        shot(phone, "admin-12-organisation")


def test_entries_not_verified_for_six_months(phone, directory) -> None:
    log_in(phone, "counsellor")
    phone.click("nav >> text=Zu prüfen")
    expect(phone.locator("h1")).to_have_text("Seit 6 Monaten nicht bestätigt")
    expect(phone.locator("ul.entries li")).to_have_count(3)
    shot(phone, "admin-13-stale")
    phone.locator("ul.entries a").first.click()
    phone.click("text=Heute geprüft")
    expect(phone.locator(".flash")).to_contain_text("heute geprüft")
    phone.click("nav >> text=Zu prüfen")
    expect(phone.locator("ul.entries li")).to_have_count(2)
    with directory() as session:
        verified = session.scalars(select(Service).where(Service.assured_date.is_not(None))).all()
        assert [s.organization_id for s in verified] == ["org-stadt-darmstadt"]
