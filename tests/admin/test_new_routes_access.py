"""The access matrix of the routes added for issue 17, role by role: anonymous, counsellor of
organisation A, counsellor of organisation B, coordinator, admin. 303 = sent to the login page
(or, after a successful POST, to the result)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referrals import clock
from referrals.admin import invitations
from referrals.admin.models import AdminUser, ListingRequest
from referrals.directory.models import Organization, Service
from tests.admin.conftest import USERS, csrf_of
from tests.admin.test_access import as_data
from tests.admin.test_create import new_entry_form

WHO = ("anonymous", "counsellor", "other_counsellor", "coordinator", "admin")
GET = [
    (
        "/entries/new",
        {"anonymous": 303, "counsellor": 200, "other_counsellor": 200, "coordinator": 403, "admin": 200},
    ),
    (
        "/organizations/new",
        {"anonymous": 303, "counsellor": 403, "other_counsellor": 403, "coordinator": 403, "admin": 200},
    ),
    (
        "/requests",
        {"anonymous": 303, "counsellor": 403, "other_counsellor": 403, "coordinator": 403, "admin": 200},
    ),
    ("/join", dict.fromkeys(WHO, 200)),
    ("/invite/{token}", dict.fromkeys(WHO, 200)),
    ("/invite/not-a-token", dict.fromkeys(WHO, 410)),
]


def _waiting_request(directory) -> int:
    with directory() as session:
        item = ListingRequest(
            created_at=clock.utcnow(),
            organization_name="Verein X",
            is_mso=True,
            city="Darmstadt",
            email="info@x.example.org",
            topics="[]",
        )
        session.add(item)
        session.commit()
        return item.id


def _invitation(directory) -> str:
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["other_counsellor"][0]))
        token = invitations.issue(session, user_id)
        session.commit()
        return token


@pytest.mark.parametrize("who", WHO)
def test_pages(client_for, directory, who: str) -> None:
    token = _invitation(directory)
    client = client_for(who)
    for path, expected in GET:
        response = client.get(path.replace("{token}", token), follow_redirects=False)
        assert response.status_code == expected[who], f"{who} GET {path}: {response.status_code}"
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("who", WHO)
def test_new_entry_for_organisation_a(client_for, directory, who: str) -> None:
    """A valid new-entry form for organisation A, sent by everyone (with their own CSRF token)."""
    client = client_for(who)
    form_page = client_for("counsellor")
    fields = new_entry_form(form_page)
    own_token = client.get("/join").text  # every role can open /join: it carries their token
    data = {**as_data(fields), "csrf_token": csrf_of(own_token)}
    response = client.post("/entries/new", data=data, follow_redirects=False)
    expected = {
        "anonymous": 303,
        "counsellor": 303,
        "other_counsellor": 404,
        "coordinator": 403,
        "admin": 303,
    }
    assert response.status_code == expected[who]
    with directory() as session:
        made = session.scalar(select(Service).where(Service.name == "Frauencafé am Dienstag"))
        assert (made is not None) == (who in ("counsellor", "admin"))


@pytest.mark.parametrize("who", WHO)
def test_admin_only_actions(client_for, directory, who: str) -> None:
    request_id = _waiting_request(directory)
    second = _waiting_request(directory)
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["other_counsellor"][0]))
    client = client_for(who)
    token = csrf_of(client.get("/join").text)
    posts = [
        ("/organizations/new", {"name": "Neuer Verein", "is_mso": "y"}),
        (f"/users/{user_id}/invite", {}),
        (f"/requests/{request_id}/accept", {}),
        (f"/requests/{second}/reject", {}),
    ]
    for path, data in posts:
        response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        expected = 303 if who in ("anonymous", "admin") else 403
        assert response.status_code == expected, f"{who} POST {path}: {response.status_code}"
        if who == "anonymous":
            assert response.headers["location"].startswith("/login")
    with directory() as session:
        created = session.scalar(select(Organization).where(Organization.name == "Neuer Verein"))
        waiting = set(session.scalars(select(ListingRequest.id)))
        assert (created is not None) == (who == "admin")
        assert (waiting == set()) == (who == "admin")


@pytest.mark.parametrize("who", WHO)
def test_public_and_own_account_posts(client_for, directory, who: str) -> None:
    client = client_for(who)
    page = client.get("/join")
    sent = client.post(
        "/join",
        data={
            "organization_name": "V",
            "city": "Darmstadt",
            "email": "info@v.example.org",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert sent.status_code == 200  # anyone may ask to be listed
    out = client.post("/logout/everywhere", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert client.get("/entries", follow_redirects=False).status_code == 303
