"""Who may open and change what, for every role; CSRF on every form; sessions and log-in limits."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route

from referrals.admin import auth
from referrals.admin.models import AdminUser
from referrals.directory.models import Service
from referrals.directory.problem_reports import ProblemReport
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, PASSWORD, ROLES, USERS, csrf_of
from tests.admin.html_forms import main_form, setv


def as_data(fields: list[list[str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


# (path, {role: expected status}); 303 = sent to the login page.
PAGES = [
    ("/entries", {"anonymous": 303, "counsellor": 200, "coordinator": 403, "admin": 200}),
    ("/entries/stale", {"anonymous": 303, "counsellor": 200, "coordinator": 403, "admin": 200}),
    (f"/entries/{OWN_SERVICE}", {"anonymous": 303, "counsellor": 200, "coordinator": 403, "admin": 200}),
    (f"/entries/{OTHER_SERVICE}", {"anonymous": 303, "counsellor": 404, "coordinator": 403, "admin": 200}),
    (
        f"/entries/{OTHER_SERVICE}/history",
        {"anonymous": 303, "counsellor": 404, "coordinator": 403, "admin": 200},
    ),
    ("/reports", {"anonymous": 303, "counsellor": 200, "coordinator": 403, "admin": 200}),
    ("/statistics/", {"anonymous": 303, "counsellor": 403, "coordinator": 200, "admin": 200}),
    ("/users", {"anonymous": 303, "counsellor": 403, "coordinator": 403, "admin": 200}),
    ("/users/new", {"anonymous": 303, "counsellor": 403, "coordinator": 403, "admin": 200}),
    ("/organizations", {"anonymous": 303, "counsellor": 403, "coordinator": 403, "admin": 200}),
    (
        "/organizations/org-caritas-darmstadt",
        {"anonymous": 303, "counsellor": 403, "coordinator": 403, "admin": 200},
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(client_for, role: str) -> None:
    client = client_for(role)
    for path, expected in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == expected[role], f"{role} GET {path}: {response.status_code}"
        if expected[role] == 303:
            assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
def test_entry_list_shows_only_what_the_role_may_edit(client_for, role: str) -> None:
    page = client_for(role).get("/entries")
    if role in ("anonymous", "coordinator"):
        assert OWN_SERVICE not in page.text
        return
    assert OWN_SERVICE in page.text
    assert (OTHER_SERVICE in page.text) == (role == "admin")
    assert ("svc-berlin-tbb-beratung" in page.text) == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_crafted_post_to_another_organisations_entry_changes_nothing(client_for, directory, role) -> None:
    """A valid form and token of one's own entry, sent to another organisation's URL."""
    client = client_for(role)
    own = client.get(f"/entries/{OWN_SERVICE}")
    fields = main_form(own.text) if own.status_code == 200 else [["name", "x"]]
    setv(fields, "name", "Gekapert")
    token = csrf_of(own.text) if own.status_code == 200 else "no-token"
    setv(fields, "csrf_token", token)
    targets = [
        f"/entries/{OTHER_SERVICE}",
        f"/entries/{OTHER_SERVICE}/verify",
        f"/entries/{OTHER_SERVICE}/archive",
    ]
    for target in targets:
        response = client.post(target, data=as_data(fields), follow_redirects=False)
        expected = {"anonymous": 303, "counsellor": 404, "coordinator": 403, "admin": 303}[role]
        assert response.status_code == expected, f"{role} POST {target}"
    with directory() as session:
        other = session.get(Service, OTHER_SERVICE)
        changed = other.name == "Gekapert" and other.archived
        assert changed == (role == "admin")  # only an admin may change every entry
        if role != "admin":
            assert other.assured_date is None or other.assurer_email != USERS.get(role, ("",))[0]


def test_counsellor_cannot_close_another_organisations_report(client_for, directory) -> None:
    with directory() as session:
        report = ProblemReport(service_id=OTHER_SERVICE, reason="closed", status="open")
        session.add(report)
        session.commit()
        report_id = report.id
    client = client_for("counsellor")
    queue = client.get("/reports")
    assert f"report-{report_id}" not in queue.text
    response = client.post(
        f"/reports/{report_id}/done", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False
    )
    assert response.status_code == 404
    with directory() as session:
        assert session.get(ProblemReport, report_id).status == "open"


def _post_routes(app) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and "POST" in (route.methods or set()):
            path = route.path.replace("{service_id}", OWN_SERVICE).replace("{version_id:int}", "1")
            path = path.replace("{report_id:int}", "1").replace("{user_id:int}", "2")
            path = path.replace("{request_id:int}", "1").replace("{token}", "no-such-token")
            paths.append(path.replace("{organization_id}", "org-stadt-darmstadt"))
        if isinstance(route, Mount) and route.path == "/hsds":  # the public HSDS API: read-only
            assert all("POST" not in (r.methods or set()) for r in route.routes if isinstance(r, Route))
            continue
        assert not isinstance(route, Mount) or route.path in ("/static", "/statistics")
    return paths


@pytest.mark.parametrize("token", ["missing", "forged", "from another session"])
def test_every_form_without_a_valid_csrf_token_is_rejected(app, client_for, directory, token) -> None:
    admin = client_for("admin")
    other = client_for("counsellor").get("/entries").text
    values = {"missing": None, "forged": "IjAwMDAi.Zz.forged", "from another session": csrf_of(other)}
    paths = _post_routes(app)
    assert len(paths) >= 10
    for path in paths:
        data = {"name": "Gekapert", "email": "x@example.org", "password": PASSWORD}
        if values[token]:
            data["csrf_token"] = values[token]
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, f"POST {path} with {token} token: {response.status_code}"
        assert "Formular ist abgelaufen" in response.text
    with directory() as session:
        assert session.get(Service, OWN_SERVICE).name != "Gekapert"
    assert admin.get("/entries").status_code == 200  # still logged in: the logout form was refused too


def test_session_cookie_is_secure_httponly_and_strict(client_for) -> None:
    client = client_for("anonymous")
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert PASSWORD not in cookie
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_login_is_rate_limited_per_account(client_for) -> None:
    client = client_for("anonymous")
    email = USERS["counsellor"][0]
    for _ in range(5):
        page = client.get("/login")
        wrong = client.post(
            "/login", data={"email": email, "password": "wrong", "csrf_token": csrf_of(page.text)}
        )
        assert wrong.status_code == 401
        assert "E-Mail oder Passwort stimmt nicht" in wrong.text
    page = client.get("/login")
    right = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert right.status_code == 429  # even the right password waits now
    assert "Zu viele Anmeldeversuche" in right.text
    assert client.get("/entries", follow_redirects=False).status_code == 303


def test_login_does_not_redirect_to_other_sites(client_for) -> None:
    client = client_for("anonymous")
    page = client.get("/login?next=//evil.example/")
    response = client.post(
        "/login?next=//evil.example/",
        data={"email": USERS["admin"][0], "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_password_reset_by_admin_ends_sessions_and_forces_a_new_password(client_for, directory) -> None:
    counsellor = client_for("counsellor")
    admin = client_for("admin")
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["counsellor"][0]))
    page = admin.get(f"/users/{user_id}")
    done = admin.post(f"/users/{user_id}/reset-password", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200
    temporary = done.text.split("(nur jetzt sichtbar): ")[1].split("<")[0].strip()
    assert len(temporary) >= 12
    assert counsellor.get("/entries", follow_redirects=False).status_code == 303  # old session ended
    fresh = client_for("anonymous")
    page = fresh.get("/login")
    fresh.post(
        "/login",
        data={"email": USERS["counsellor"][0], "password": temporary, "csrf_token": csrf_of(page.text)},
    )
    forced = fresh.get("/entries", follow_redirects=False)
    assert forced.status_code == 303 and forced.headers["location"] == "/password"
    page = fresh.get("/password")
    new = "a new long password"
    fresh.post("/password", data={"password": new, "repeat": new, "csrf_token": csrf_of(page.text)})
    assert fresh.get("/entries").status_code == 200
    with directory() as session:
        stored = session.scalar(select(AdminUser).where(AdminUser.email == USERS["counsellor"][0]))
        assert stored.password_hash.startswith("$argon2id$")
        assert auth.check_password(stored, new) and not stored.must_change_password


def test_admin_creates_a_counsellor_for_one_organisation(client_for, directory) -> None:
    admin = client_for("admin")
    page = admin.get("/users/new")
    response = admin.post(
        "/users/new",
        data={
            "email": "new@example.org",
            "role": "counsellor",
            "organizations": ["org-caritas-darmstadt"],
            "active": "y",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert "Einladungslink" in response.text and "/invite/" in response.text  # no password to hand over
    with directory() as session:
        user = auth.find_user(session, "new@example.org")
        assert user.role == "counsellor" and user.organization_ids == ["org-caritas-darmstadt"]
        assert not auth.check_password(user, "")  # nobody can log in before the link is used


def test_logs_hold_no_passwords_or_emails(client_for, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for("anonymous")
    page = client.get("/login")
    client.post(
        "/login",
        data={"email": "fatma@example.org", "password": "wrong-secret", "csrf_token": csrf_of(page.text)},
    )
    client_for("counsellor").get("/entries")
    assert "wrong-secret" not in caplog.text and PASSWORD not in caplog.text
    assert "fatma@example.org" not in caplog.text


def test_language_switch_does_not_redirect_to_other_sites(client_for) -> None:
    client = client_for("counsellor")
    for referer in ("https://evil.example/entries", "https://admin.test//evil.example/x"):
        response = client.get("/lang/en", headers={"referer": referer}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_interface_switches_to_english(client_for) -> None:
    client = client_for("counsellor")
    assert "Meine Einträge" in client.get("/entries").text
    client.get("/lang/en", headers={"referer": "https://admin.test/entries"})
    page = client.get("/entries").text
    assert "My entries" in page and "To verify" in page and "Log out" in page


def test_a_deactivated_counsellor_is_logged_out_and_cannot_log_in_again(client_for, directory) -> None:
    counsellor = client_for("counsellor")
    assert counsellor.get("/entries").status_code == 200
    admin = client_for("admin")
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["counsellor"][0]))
    page = admin.get(f"/users/{user_id}")
    fields = main_form(page.text)
    fields[:] = [pair for pair in fields if pair[0] != "active"]  # untick "active"
    admin.post(f"/users/{user_id}", data=as_data(fields))
    assert counsellor.get("/entries", follow_redirects=False).status_code == 303
    again = client_for("anonymous")
    login = again.get("/login")
    refused = again.post(
        "/login",
        data={"email": USERS["counsellor"][0], "password": PASSWORD, "csrf_token": csrf_of(login.text)},
    )
    assert refused.status_code == 401


def test_login_is_rate_limited_per_client_address_across_accounts(client_for) -> None:
    client = client_for("anonymous")
    for n in range(20):  # a password-spraying run over many accounts from one address
        page = client.get("/login")
        client.post(
            "/login",
            data={"email": f"user{n}@example.org", "password": "x", "csrf_token": csrf_of(page.text)},
        )
    page = client.get("/login")
    blocked = client.post(
        "/login", data={"email": USERS["admin"][0], "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert blocked.status_code == 429


def test_a_changed_role_ends_the_users_sessions(client_for, directory) -> None:
    coordinator = client_for("coordinator")
    assert coordinator.get("/statistics/").status_code == 200
    admin = client_for("admin")
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["coordinator"][0]))
    fields = main_form(admin.get(f"/users/{user_id}").text)
    setv(fields, "role", "counsellor")
    admin.post(f"/users/{user_id}", data=as_data(fields))
    assert coordinator.get("/statistics/", follow_redirects=False).status_code == 303  # logged out
