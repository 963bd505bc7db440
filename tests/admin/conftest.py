"""Fixtures of the admin tests: the demo directory with four users, and a logged-in client per role.

Users: an admin; counsellor A of the city of Darmstadt (three services); counsellor B of
Caritas Darmstadt (one service); a coordinator. Every test gets a database of its own (SQLite and
PostgreSQL), a copy of one built once per session (tests/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from assistant.settings import Settings
from referrals.admin import auth
from referrals.admin.app import create_app
from referrals.db import make_engine
from tests.conftest import DatabaseTemplates, load_demo

PASSWORD = "correct horse battery"
USERS = {
    "admin": ("admin@example.org", "admin", ()),
    "counsellor": ("fatma@example.org", "counsellor", ("org-stadt-darmstadt",)),
    "other_counsellor": ("omar@example.org", "counsellor", ("org-caritas-darmstadt",)),
    "coordinator": ("jonas@example.org", "coordinator", ()),
}
OWN_SERVICE = "svc-darmstadt-kinderbetreuung-jugendamt"  # org-stadt-darmstadt
OTHER_SERVICE = "svc-darmstadt-caritas-migrationsdienst"  # org-caritas-darmstadt
ROLES = ("anonymous", "counsellor", "coordinator", "admin")


def load_demo_and_users(url: str) -> None:
    """Template "admin": the demo directory and the four users."""
    load_demo(url)
    engine = make_engine(url)
    with sessionmaker(engine)() as session:
        for email, role, orgs in USERS.values():
            auth.create_user(session, email, PASSWORD, role, orgs)
        session.commit()
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, database_templates: DatabaseTemplates) -> Iterator[str]:
    """A database of its own with the demo directory and the four users (tests may write)."""
    yield from database_templates.copy(request, "admin", load_demo_and_users)


@pytest.fixture
def directory(make_session: sessionmaker[Session]) -> sessionmaker[Session]:
    return make_session


@pytest.fixture
def app(directory: sessionmaker[Session], database_url: str, tmp_path):
    settings = Settings(database_url=database_url, admin_secret_key="test-secret-" + "x" * 40)
    return create_app(database_url, settings=settings)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def client_for(app) -> Iterator[Callable[[str], TestClient]]:
    """A client logged in as `who` (a key of USERS, or "anonymous"); https so Secure cookies work."""
    clients = []

    def make(who: str) -> TestClient:
        # Browsers send a same-origin Referer with form posts; CSRF checks it on https.
        client = TestClient(app, base_url="https://admin.test", headers={"referer": "https://admin.test/"})
        clients.append(client)
        if who != "anonymous":
            page = client.get("/login")
            response = client.post(
                "/login",
                data={"email": USERS[who][0], "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.close()
