"""Adding what is new: a counsellor's new entry and location (same form, validation and preview as
editing; unverified; in the bot at once), an admin's new organisation, the one-time invitation
link, and the public request to be listed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from referrals import clock
from referrals.admin.models import AdminUser, ListingRequest
from referrals.directory import search
from referrals.directory.models import Organization, Service
from tests.admin.conftest import OWN_SERVICE, PASSWORD, USERS, csrf_of
from tests.admin.html_forms import check, main_form, setv
from tests.admin.test_access import as_data
from tests.admin.test_entries import DARMSTADT, MONDAY_NOON

CAFE = {
    "organization": "org-stadt-darmstadt",
    "name": "Frauencafé am Dienstag",
    "locations-0-street": "Luisenplatz 5",
    "locations-0-postcode": "64283",
    "locations-0-city": "Darmstadt",
    "phones-0-number": "+49 6151 13-2000",
    "schedules-0-opens_at": "15:00",
    "schedules-0-closes_at": "17:00",
}


def new_entry_form(client, **values: str | list[str]) -> list[list[str]]:
    page = client.get("/entries/new")
    assert page.status_code == 200, page.status_code
    fields = main_form(page.text)
    for name, value in {**CAFE, **values}.items():
        if isinstance(value, list):
            check(fields, name, value)
        else:
            setv(fields, name, value)
    check(fields, "topics", values.get("topics", ["women"]))  # type: ignore[arg-type]
    check(fields, "languages", values.get("languages", ["de", "ar", "fa"]))  # type: ignore[arg-type]
    check(fields, "schedules-0-days", ["TU"])
    return fields


def cafe_in_the_bot(directory) -> list[str]:
    with directory() as session:
        result = search.search(session, "women", DARMSTADT, prefer_language="ar", now=MONDAY_NOON)
        return [r.name for r in result.referrals]


def test_a_counsellor_previews_then_creates_a_service_the_bot_shows_at_once(client_for, directory) -> None:
    client = client_for("counsellor")
    fields = new_entry_form(client)
    preview = client.post("/entries/new", data={**as_data(fields), "preview": "1"})
    assert preview.status_code == 200
    shown = re.search(r'<pre class="bot">(.*?)</pre>', preview.text, re.S)
    assert shown and "Frauencafé am Dienstag" in shown.group(1) and "Luisenplatz 5" in shown.group(1)
    assert "Frauencafé am Dienstag" not in cafe_in_the_bot(directory)  # a preview saves nothing
    created = client.post("/entries/new", data={**as_data(fields), "save": "1"}, follow_redirects=False)
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert (
        "Der Bot zeigt den Eintrag ab sofort" in page.text
        and 'Zuletzt geprüft: <span id="assured">nie' in page.text
    )
    assert "Frauencafé am Dienstag" in cafe_in_the_bot(directory)
    with directory() as session:
        service = session.scalar(select(Service).where(Service.name == "Frauencafé am Dienstag"))
        assert service.organization_id == "org-stadt-darmstadt" and service.assured_date is None
    history = client.get(created.headers["location"] + "/history").text
    assert "angelegt" in history and "fatma@example.org" in history


def test_a_new_entry_is_validated_like_an_edit(client_for, directory) -> None:
    client = client_for("counsellor")
    fields = new_entry_form(client, **{"locations-0-city": "", "phones-0-number": "12"}, topics=[])
    refused = client.post("/entries/new", data=as_data(fields))
    assert refused.status_code == 422
    assert "Nicht gespeichert" in refused.text
    assert "mindestens ein Thema wählen" in refused.text and "keine gültige Telefonnummer" in refused.text
    assert "Pflichtfeld" in refused.text.split("location-0")[1].split("</fieldset>")[0]  # the city
    with directory() as session:
        assert session.scalar(select(Service).where(Service.name == CAFE["name"])) is None


def test_a_counsellor_cannot_create_for_another_organisation(client_for, directory) -> None:
    client = client_for("counsellor")
    fields = new_entry_form(client)
    setv(fields, "organization", "org-caritas-darmstadt")
    assert client.post("/entries/new", data=as_data(fields)).status_code == 404
    choices = re.findall(
        r'<option[^>]*value="([^"]+)"',
        client.get("/entries/new").text.split('name="organization"')[1].split("</select>")[0],
    )
    assert choices == ["org-stadt-darmstadt"]
    with directory() as session:
        assert session.scalar(select(Service).where(Service.name == CAFE["name"])) is None


def test_a_second_location_is_added_from_the_edit_form(client_for, directory) -> None:
    client = client_for("counsellor")
    page = client.get(f"/entries/{OWN_SERVICE}")
    assert "Weiterer Standort" in page.text
    fields = main_form(page.text)
    with directory() as session:
        before = len(session.get(Service, OWN_SERVICE).locations)
    setv(fields, f"locations-{before}-street", "Frankfurter Straße 71")
    setv(fields, f"locations-{before}-postcode", "64293")
    setv(fields, f"locations-{before}-city", "Darmstadt")
    saved = client.post(f"/entries/{OWN_SERVICE}", data=as_data(fields))
    assert "Gespeichert" in saved.text and "Frankfurter Straße 71" in saved.text
    with directory() as session:
        service = session.get(Service, OWN_SERVICE)
        streets = [link.location.address.address_1 for link in service.locations]
        assert len(streets) == before + 1 and "Frankfurter Straße 71" in streets


def test_an_admin_creates_an_mso_and_invites_its_counsellor_by_a_one_time_link(client_for, directory) -> None:
    admin = client_for("admin")
    page = admin.get("/organizations/new")
    made = admin.post(
        "/organizations/new",
        data={
            "name": "Afghanischer Frauenverein e. V.",
            "website": "https://afv.example.org",
            "is_mso": "y",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    org_id = made.headers["location"].rsplit("/", 1)[1]
    with directory() as session:
        org = session.get(Organization, org_id)
        assert org.name == "Afghanischer Frauenverein e. V." and org.is_mso
    form = admin.get(f"/users/new?organization={org_id}")
    invited = admin.post(
        "/users/new",
        data={
            "email": "leyla@example.org",
            "role": "counsellor",
            "organizations": [org_id],
            "active": "y",
            "csrf_token": csrf_of(form.text),
        },
    )
    link = re.search(r"https://admin\.test(/invite/[A-Za-z0-9_-]+)", invited.text)
    assert link, invited.text
    newcomer = client_for("anonymous")
    assert _login(newcomer, "leyla@example.org", "") == 401  # no password before the link is used
    welcome = newcomer.get(link.group(1))
    assert welcome.status_code == 200 and "leyla@example.org" in welcome.text
    chosen = "my very own password"
    done = newcomer.post(
        link.group(1), data={"password": chosen, "repeat": chosen, "csrf_token": csrf_of(welcome.text)}
    )
    assert "Willkommen" in done.text
    assert newcomer.get("/entries/new").status_code == 200  # logged in, may add to the new organisation
    assert client_for("anonymous").get(link.group(1)).status_code == 410  # single use
    assert _login(client_for("anonymous"), "leyla@example.org", chosen) == 303


def _login(client, email: str, password: str) -> int:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    ).status_code


def test_an_invitation_link_expires(client_for, directory) -> None:
    admin = client_for("admin")
    with directory() as session:
        user_id = session.scalar(select(AdminUser.id).where(AdminUser.email == USERS["other_counsellor"][0]))
    start = datetime(2026, 3, 2, 10, 0)
    with clock.frozen(start):
        page = admin.get(f"/users/{user_id}")
        made = admin.post(f"/users/{user_id}/invite", data={"csrf_token": csrf_of(page.text)})
    link = re.search(r"https://admin\.test(/invite/[A-Za-z0-9_-]+)", made.text).group(1)
    with clock.frozen(start + timedelta(hours=71)):
        assert client_for("anonymous").get(link).status_code == 200
    with clock.frozen(start + timedelta(hours=73)):
        late = client_for("anonymous").get(link)
        assert late.status_code == 410 and "abgelaufen" in late.text
    with clock.frozen(start + timedelta(hours=1)):
        page = admin.get(f"/users/{user_id}")
        admin.post(f"/users/{user_id}/invite", data={"csrf_token": csrf_of(page.text)})
        assert client_for("anonymous").get(link).status_code == 410  # a newer link replaces it
    assert _login(client_for("anonymous"), USERS["other_counsellor"][0], PASSWORD) == 303  # password kept


def listing_form(client, **values: str) -> dict:
    page = client.get("/join")
    assert page.status_code == 200
    data = {
        "organization_name": "Syrischer Elternverein Darmstadt",
        "is_mso": "y",
        "city": "Darmstadt",
        "website": "https://elternverein.example.org",
        "email": "info@elternverein.example.org",
        "topics": ["youth_family", "language"],
        "message": "Elterncafé auf Arabisch, jeden Freitag",
        "csrf_token": csrf_of(page.text),
    }
    return {**data, **values}


def test_a_request_to_be_listed_waits_for_an_admin_and_publishes_nothing(client_for, directory) -> None:
    visitor = client_for("anonymous")
    sent = visitor.post("/join", data=listing_form(visitor))
    assert sent.status_code == 200 and "Ihre Anfrage ist angekommen" in sent.text
    with directory() as session:
        assert session.scalar(select(Organization).where(Organization.name.like("Syrischer%"))) is None
        request_id = session.scalar(select(ListingRequest.id))
    admin = client_for("admin")
    queue = admin.get("/requests")
    assert "Syrischer Elternverein Darmstadt" in queue.text and "Elterncafé auf Arabisch" in queue.text
    accepted = admin.post(
        f"/requests/{request_id}/accept", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False
    )
    assert accepted.status_code == 303
    with directory() as session:
        org = session.scalar(
            select(Organization).where(Organization.name == "Syrischer Elternverein Darmstadt")
        )
        assert org.is_mso and org.email == "info@elternverein.example.org"
        assert session.scalar(select(Service).where(Service.organization_id == org.id)) is None
        assert session.get(ListingRequest, request_id) is None
    assert "Keine offenen Anfragen" in admin.get("/requests").text


def test_a_request_is_checked_rate_limited_and_can_be_rejected(client_for, directory) -> None:
    visitor = client_for("anonymous")
    wrong = visitor.post("/join", data=listing_form(visitor, email="not an address", organization_name=""))
    assert (
        wrong.status_code == 422
        and "Pflichtfeld" in wrong.text
        and "keine gültige E-Mail-Adresse" in wrong.text
    )
    for _ in range(2):
        assert visitor.post("/join", data=listing_form(visitor)).status_code == 200
    assert visitor.post("/join", data=listing_form(visitor)).status_code == 429
    with directory() as session:
        ids = list(session.scalars(select(ListingRequest.id)))
    assert len(ids) == 2
    admin = client_for("admin")
    queue = admin.get("/requests")
    admin.post(f"/requests/{ids[0]}/reject", data={"csrf_token": csrf_of(queue.text)})
    with directory() as session:
        assert list(session.scalars(select(ListingRequest.id))) == ids[1:]
