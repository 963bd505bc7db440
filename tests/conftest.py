"""Shared fixtures: throw-away directories on SQLite and on a real PostgreSQL server.

PostgreSQL: TEST_POSTGRES_URL if set, else the local server on 127.0.0.1:5432 (user
postgres, trust auth), started with pg_ctlcluster if it is installed but stopped.
Where no server can be had, the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from referrals.db import make_engine, upgrade_database
from referrals.hsds import import_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = PROJECT_ROOT / "data" / "demo_directory.json"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_available() -> str | None:
    """None if a server answers (starting the installed one if needed), else the reason."""

    def ping() -> str | None:
        try:
            with create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3}).connect():
                return None
        except Exception as error:  # noqa: BLE001 - any failure means "not available"
            return f"{type(error).__name__}: {str(error).splitlines()[0]}"

    reason = ping()
    if reason and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        for version in os.listdir("/etc/postgresql"):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                capture_output=True,
                check=False,
                timeout=60,
            )
        reason = ping()
    return reason


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    reason = _postgres_available()
    if reason:
        print(f"\nPostgreSQL tests skipped: no server at {make_url(POSTGRES_ADMIN_URL).host}: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")
    return POSTGRES_ADMIN_URL


def _new_database_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'directory.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"wegweiser_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def demo_services() -> list[dict]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["services"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated directory database (function scope: tests may write)."""
    generator = _new_database_url(request.param, tmp_path, request)
    url = next(generator)
    upgrade_database(url)
    yield url
    next(generator, None)


@pytest.fixture
def make_session(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_db(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """The demo directory, loaded once per module and backend (read-only tests)."""
    generator = _new_database_url(request.param, tmp_path_factory.mktemp("demo"), request)
    url = next(generator)
    upgrade_database(url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        import_file(session, DEMO_FILE)
    yield factory
    engine.dispose()
    next(generator, None)


@pytest.fixture
def demo_session(demo_db: sessionmaker[Session]) -> Iterator[Session]:
    with demo_db() as session:
        yield session
