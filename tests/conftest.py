"""Shared fixtures: a throw-away SQLite directory loaded with the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from referrals.db import make_engine, upgrade_database
from referrals.hsds import import_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = PROJECT_ROOT / "data" / "demo_directory.json"


@pytest.fixture(scope="session")
def demo_services() -> list[dict]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["services"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    upgrade_database(url)
    return url


@pytest.fixture
def make_session(database_url: str) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def demo_session(make_session: sessionmaker[Session]) -> Session:
    with make_session() as session:
        import_file(session, DEMO_FILE)
    with make_session() as session:
        yield session
