"""`python -m referrals admin ...`: the first admin, more users, password reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from referrals.__main__ import main
from referrals.admin import auth, cli
from referrals.directory.models import Organization
from tests.conftest import DatabaseTemplates, empty_directory


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, database_templates: DatabaseTemplates) -> Iterator[str]:
    """An empty directory (not the admin tests' one with users): the CLI creates the first admin."""
    yield from database_templates.copy(request, "empty", empty_directory)


@pytest.fixture
def cli_db(make_session, monkeypatch):
    monkeypatch.setattr(cli, "get_sessionmaker", lambda: make_session)
    monkeypatch.setattr("referrals.__main__.upgrade_database", lambda: None)  # already migrated
    monkeypatch.setenv("ADMIN_PASSWORD", "first admin password")
    with make_session() as session:
        session.add(Organization(id="org-x", name="Verein X", is_mso=True))
        session.commit()
    return make_session


def test_create_the_first_admin_then_a_counsellor_then_reset(cli_db, monkeypatch, capsys) -> None:
    assert main(["admin", "create-admin", "Boss@Example.org"]) == 0
    assert main(["admin", "create-user", "c@example.org", "--role", "counsellor", "--org", "org-x"]) == 0
    with cli_db() as session:
        boss = auth.find_user(session, "boss@example.org")
        assert boss.role == "admin" and auth.check_password(boss, "first admin password")
        assert auth.find_user(session, "c@example.org").organization_ids == ["org-x"]
    monkeypatch.setenv("ADMIN_PASSWORD", "another password")
    assert main(["admin", "reset-password", "c@example.org"]) == 0
    with cli_db() as session:
        assert auth.check_password(auth.find_user(session, "c@example.org"), "another password")
    assert "password" not in capsys.readouterr().out.replace("password changed", "")


def test_refuses_short_passwords_taken_emails_and_bad_addresses(cli_db, monkeypatch, capsys) -> None:
    assert main(["admin", "create-admin", "boss@example.org"]) == 0
    assert main(["admin", "create-admin", "BOSS@example.org"]) == 1
    assert "already in use" in capsys.readouterr().err
    assert main(["admin", "create-admin", "not-an-address"]) == 1
    assert main(["admin", "create-user", "c@example.org", "--org", "org-unknown"]) == 1
    assert "unknown organisation" in capsys.readouterr().err
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    assert main(["admin", "create-admin", "two@example.org"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
