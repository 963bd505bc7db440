"""Who may open the statistics: coordinators and admins; counsellors and anonymous visitors may not.

Twice: through the real admin application (login, session cookie, the admin's RoleGuard), and
with the dashboard mounted on its own, so that its own check is shown to hold without the guard.
"""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from assistant.settings import Settings
from referrals.admin import auth
from referrals.admin.app import create_app

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "counsellor", "coordinator", "admin")
PAGES = (
    "/statistics/",
    "/statistics/needs",
    "/statistics/csv/organisations.csv",
    "/statistics/statistics.css",
)


@pytest.fixture
def admin_client(directory, database_url):
    with directory() as session:
        for role in ("counsellor", "coordinator", "admin"):
            orgs = ("org-stadt-darmstadt",) if role == "counsellor" else ()
            auth.create_user(session, f"{role}@example.org", PASSWORD, role, orgs)
        session.commit()
    app = create_app(database_url, settings=Settings(database_url=database_url, admin_secret_key="s" * 64))
    clients = []

    def make(role: str) -> TestClient:
        client = TestClient(app, base_url="https://admin.test", headers={"referer": "https://admin.test/"})
        clients.append(client)
        if role != "anonymous":
            form = client.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form) or re.search(
                r'value="([^"]+)"[^>]*name="csrf_token"', form
            )
            response = client.post(
                "/login",
                data={"email": f"{role}@example.org", "password": PASSWORD, "csrf_token": token.group(1)},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize("role", ROLES)
def test_through_the_admin_login(admin_client, role: str) -> None:
    client = admin_client(role)
    for page in PAGES:
        response = client.get(page, follow_redirects=False)
        if role in ("coordinator", "admin"):
            assert response.status_code == 200, (page, response.text[:300])
        elif role == "anonymous":
            assert response.status_code in (303, 403), page
            assert "/login" in response.headers.get("location", "/login")
        else:
            assert response.status_code == 403, page
        if response.status_code != 200:
            assert "Gespräche" not in response.text and "Conversations" not in response.text


def test_a_coordinator_lands_on_the_statistics(admin_client) -> None:
    response = admin_client("coordinator").get("/")
    assert response.url.path.startswith("/statistics") and "Überblick" in response.text
    assert "gab es keine Gespräche" in response.text  # nothing recorded yet: one line says so
    assert 'action="/logout"' in response.text and "coordinator@example.org" in response.text


@pytest.mark.parametrize("role", [None, "counsellor", "coordinator", "admin", "somebody"])
def test_the_dashboard_checks_the_role_itself(dashboard_client, role: str | None) -> None:
    client = dashboard_client(role)
    for page in PAGES:
        response = client.get(page)
        if role in ("coordinator", "admin"):
            assert response.status_code == 200, page
        else:
            assert response.status_code == 403, page
            assert "nur für Koordination" in response.text


def test_a_user_who_must_change_the_password_is_kept_out(dashboard_client, monkeypatch) -> None:
    from types import SimpleNamespace

    from referrals.admin import statistics_pages as dashboard

    user = SimpleNamespace(role="coordinator", must_change_password=True)
    monkeypatch.setattr(dashboard, "_current_user", lambda request: user)
    assert dashboard_client("coordinator").get("/statistics/").status_code == 403
