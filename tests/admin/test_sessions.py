"""Sessions end on the server: a cookie copied before logout, a password change or "log out
everywhere" opens nothing afterwards; sessions also end after inactivity and after 8 hours.

Time comes from the injected clock (referrals.clock.frozen), never from the real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from assistant.settings import Settings
from referrals import clock
from referrals.admin.app import SESSION_COOKIE, create_app
from tests.admin.conftest import PASSWORD, USERS, csrf_of

T0 = datetime(2026, 3, 10, 9, 0)


def replay(app, cookie: str) -> TestClient:
    """A second browser that only has a copy of the first one's session cookie."""
    return TestClient(app, base_url="https://admin.test", cookies={SESSION_COOKIE: cookie})


def opens_entries(client: TestClient) -> bool:
    response = client.get("/entries", follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def log_in(app, who: str = "counsellor") -> TestClient:
    client = TestClient(app, base_url="https://admin.test", headers={"referer": "https://admin.test/"})
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"email": USERS[who][0], "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    return client


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client_for) -> None:
    browser = client_for("counsellor")
    copied = browser.cookies[SESSION_COOKIE]
    assert opens_entries(replay(app, copied))  # the copy works while the session lives
    page = browser.get("/entries")
    out = browser.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    attacker = replay(app, copied)
    response = attacker.get("/entries", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert (
        attacker.get(
            f"/entries/{'svc-darmstadt-kinderbetreuung-jugendamt'}", follow_redirects=False
        ).status_code
        == 303
    )


def test_a_password_change_refuses_older_cookies_but_keeps_this_browser(app, client_for) -> None:
    browser = client_for("counsellor")
    copied = browser.cookies[SESSION_COOKIE]
    other_device = client_for("counsellor")
    page = browser.get("/password")
    new = "another long password"
    browser.post("/password", data={"password": new, "repeat": new, "csrf_token": csrf_of(page.text)})
    assert opens_entries(browser)  # the one who changed it stays logged in
    assert not opens_entries(replay(app, copied))
    assert not opens_entries(other_device)


def test_log_out_everywhere_ends_every_session_of_the_user_only(app, client_for) -> None:
    phone = client_for("counsellor")
    laptop = client_for("counsellor")
    colleague = client_for("other_counsellor")
    copied = laptop.cookies[SESSION_COOKIE]
    page = phone.get("/entries")
    assert "Überall abmelden" in page.text
    phone.post("/logout/everywhere", data={"csrf_token": csrf_of(page.text)})
    assert not opens_entries(phone)
    assert not opens_entries(laptop)
    assert not opens_entries(replay(app, copied))
    assert opens_entries(colleague)


def test_the_session_ends_after_an_hour_without_a_request(app) -> None:
    with clock.frozen(T0):
        browser = log_in(app)
    with clock.frozen(T0 + timedelta(minutes=59)):
        assert opens_entries(browser)  # each request keeps the session alive
    with clock.frozen(T0 + timedelta(minutes=59 + 59)):
        assert opens_entries(browser)
    with clock.frozen(T0 + timedelta(minutes=59 + 59 + 61)):
        assert not opens_entries(browser)
    with clock.frozen(T0 + timedelta(minutes=59 + 59 + 62)):
        assert not opens_entries(browser)  # ended, not only refused once


def test_an_active_session_still_ends_eight_hours_after_login(app) -> None:
    with clock.frozen(T0):
        browser = log_in(app)
    minutes = 0
    while minutes + 30 < 8 * 60:
        minutes += 30
        with clock.frozen(T0 + timedelta(minutes=minutes)):
            assert opens_entries(browser), minutes
    with clock.frozen(T0 + timedelta(hours=8, minutes=1)):
        assert not opens_entries(browser)


@pytest.fixture
def short_idle_app(directory, database_url):
    settings = Settings(
        database_url=database_url, admin_secret_key="test-secret-" + "x" * 40, admin_session_idle_minutes=10
    )
    return create_app(database_url, settings=settings)


def test_the_idle_limit_is_configurable(short_idle_app) -> None:
    with clock.frozen(T0):
        browser = log_in(short_idle_app)
    with clock.frozen(T0 + timedelta(minutes=9)):
        assert opens_entries(browser)
    with clock.frozen(T0 + timedelta(minutes=9 + 11)):
        assert not opens_entries(browser)
