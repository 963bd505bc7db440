"""Two admin workers on one database behave as one: a login made on one is valid on the other,
a logout on one ends it on both, a form from one is accepted by the other (CSRF), and failed
logins count together. Two app instances share the database (SQLite and PostgreSQL), as two
uvicorn workers behind one proxy would; the login limit is checked against a second worker
that is a process of its own."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.testclient import TestClient

from assistant.settings import Settings
from referrals import clock
from referrals.admin.app import create_app
from tests.admin.conftest import PASSWORD, USERS, csrf_of
from tests.e2e import ROOT
from tests.support import LoggedProcess, free_port


@pytest.fixture
def two_workers(directory, database_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    settings = Settings(database_url=database_url, admin_secret_key="test-secret-" + "x" * 40)
    clients = [
        TestClient(
            create_app(database_url, settings=settings),
            base_url="https://admin.test",
            headers={"referer": "https://admin.test/"},
        )
        for _ in range(2)
    ]
    yield clients[0], clients[1]
    for client in clients:
        client.close()


def _log_in(client: TestClient, email: str, password: str) -> int:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_a_login_on_one_worker_holds_on_the_other_and_a_logout_ends_it_on_both(two_workers) -> None:
    first, second = two_workers
    assert _log_in(first, USERS["counsellor"][0], PASSWORD) == 303
    copied = dict(first.cookies)  # what an attacker or a stale tab would replay later
    second.cookies = first.cookies  # one browser: the proxy sends the next request to the other worker
    assert second.get("/entries", follow_redirects=False).status_code == 200
    # A form served by one worker is accepted by the other (the CSRF token is not per process).
    form = first.get("/entries")
    second.cookies = first.cookies
    out = second.post("/logout", data={"csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert out.status_code == 303
    first.cookies = copied  # the session ended on the worker that did not see the logout too
    assert first.get("/entries", follow_redirects=False).status_code == 303  # back to the login


@pytest.fixture
def worker_process(directory, database_url: str) -> Iterator[str]:
    """A second admin worker as a process of its own (`python -m referrals.admin`): nothing in
    memory is shared with the test's in-process worker, only the database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ADMIN_SECRET_KEY": "test-secret-" + "x" * 40,
        "ADMIN_INSECURE_HTTP": "1",  # plain http on loopback: the session cookie must come back
    }
    process = LoggedProcess(
        [sys.executable, "-m", "referrals.admin", "--host", "127.0.0.1", "--port", str(port)], env, ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, process.output
            time.sleep(0.2)
        yield url
    finally:
        process.stop(signal.SIGTERM)


def _log_in_over_http(url: str, email: str, password: str) -> int:
    with httpx.Client(base_url=url) as client:
        page = client.get("/login")
        data = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
        return client.post("/login", data=data).status_code


def test_failed_logins_count_together_across_worker_processes(two_workers, worker_process: str) -> None:
    first, _ = two_workers
    email = USERS["counsellor"][0]
    for _ in range(3):
        assert _log_in(first, email, "wrong password") == 401
    for _ in range(2):
        assert _log_in_over_http(worker_process, email, "wrong password") == 401
    # Five failures in all: the next try waits on either worker, even with the right password.
    assert _log_in_over_http(worker_process, email, PASSWORD) == 429
    assert _log_in(first, email, PASSWORD) == 429
    with clock.frozen(datetime.now(UTC) + timedelta(minutes=16)):  # the window has passed
        assert _log_in(first, email, PASSWORD) == 303
