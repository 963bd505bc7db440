"""Fixtures of the statistics tests: a migrated database (SQLite and PostgreSQL) with the demo
directory, a recorder writing to it at a chosen time, and the dashboard on its own."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from referrals.admin import statistics_pages as dashboard
from referrals.directory.search import directory_places
from referrals.statistics.recording import TIMEZONE, Recorder
from tests.conftest import DatabaseTemplates, load_demo


class Clock:
    """A settable clock for the recorder (Europe/Berlin)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment.replace(tzinfo=TIMEZONE)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.replace(tzinfo=TIMEZONE)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, database_templates: DatabaseTemplates) -> Iterator[str]:
    """A database of its own with the demo directory (tests may write)."""
    yield from database_templates.copy(request, "demo", load_demo)


@pytest.fixture
def directory(make_session: sessionmaker[Session]) -> sessionmaker[Session]:
    return make_session


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 18, 10, 30))  # a Wednesday


@pytest.fixture
def recorder(directory: sessionmaker[Session], clock: Clock) -> Recorder:
    def cities() -> list[str]:
        with directory() as session:
            return directory_places(session)

    return Recorder(lambda: directory, cities, clock)


class AsUser:
    """Stands in for the admin's login: puts a user (or nobody) where its current_user() looks."""

    def __init__(self, app: ASGIApp, role: str | None) -> None:
        self.app, self.role = app, role

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user = None if self.role is None else SimpleNamespace(role=self.role, must_change_password=False)
            scope["current_user"] = user
        await self.app(scope, receive, send)


@pytest.fixture
def dashboard_client(
    directory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> Iterator[Callable[[str | None], TestClient]]:
    """The dashboard mounted at /statistics WITHOUT the admin's role guard, as a given role.

    Only the dashboard's own check stands between a visitor and the statistics here.
    """
    monkeypatch.setattr(dashboard, "_today", lambda: clock().date())
    clients: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        app = Starlette(routes=[Mount("/statistics", routes=dashboard.routes)])
        app.state.sessionmaker = directory
        client = TestClient(AsUser(app, role))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class FakeTracker:
    """What the extraction action's tracker offers: the latest message, slots, active loop, sender."""

    def __init__(
        self,
        sender_id: str,
        intent: str,
        *,
        confidence_ranking: list[str] | None = None,
        entities: dict[str, str] | None = None,
        faq: str | None = None,
        slots: dict[str, str] | None = None,
        active_loop: str | None = None,
        text: str = "",
    ) -> None:
        self.sender_id = sender_id
        self.latest_message = {
            "text": text,
            "intent": {"name": intent},
            "intent_ranking": [{"name": name} for name in (confidence_ranking or [intent])],
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        }
        if faq:
            self.latest_message["response_selector"] = {
                "faq": {"response": {"intent_response_key": f"faq/{faq}"}}
            }
        self.events = [{"event": "user", "timestamp": time.time(), "text": text}]
        self.slots = slots or {}
        self.active_loop = {"name": active_loop} if active_loop else {}

    def get_slot(self, name: str) -> str | None:
        return self.slots.get(name)


def slot(name: str, value: str | None) -> dict:
    return {"event": "slot", "name": name, "value": value, "timestamp": None}
