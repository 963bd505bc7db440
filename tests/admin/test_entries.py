"""Editing entries as a counsellor: same validation as the import, the bot's search sees changes
at once, verification, the list of stale entries, the audit trail with restore, archiving."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from referrals import clock
from referrals.admin import audit
from referrals.admin.models import EntryVersion
from referrals.cards import card
from referrals.directory import search
from referrals.directory.models import Metadata, SearchPoint, Service
from referrals.gazetteer import Place
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, csrf_of
from tests.admin.html_forms import check, main_form, setv
from tests.admin.test_access import as_data

DARMSTADT = Place("Darmstadt", 49.8728, 8.6512, "HE")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0)  # not a public holiday in Hesse


def edit(client, service_id: str, **changes: str | list[str]):
    page = client.get(f"/entries/{service_id}")
    assert page.status_code == 200
    fields = main_form(page.text)
    for name, value in changes.items():
        if isinstance(value, list):
            check(fields, name, value)
        else:
            setv(fields, name, value)
    return client.post(f"/entries/{service_id}", data=as_data(fields))


def bot_card(session, service_id: str, language: str = "de") -> str:
    """The card the bot shows for a Kita request in Darmstadt, if this service is among the results."""
    result = search.search(session, "youth_family", DARMSTADT, prefer_language=language, now=MONDAY_NOON)
    return next((card(r, language) for r in result.referrals if r.service_id == service_id), "")


def test_new_opening_hours_reach_the_bots_search_at_once(client_for, directory) -> None:
    # The admin's preview and the bot's card both say what is open "today": make that a Monday.
    with clock.frozen(MONDAY_NOON):
        _change_hours_and_see_them_at_once(client_for, directory)


def _change_hours_and_see_them_at_once(client_for, directory) -> None:
    with directory() as session:
        assert "09:15" not in bot_card(session, OWN_SERVICE)
    client = client_for("counsellor")
    response = edit(
        client,
        OWN_SERVICE,
        **{
            "schedules-0-days": ["MO", "TU", "TH"],
            "schedules-0-opens_at": "09:15",
            "schedules-0-closes_at": "12:30",
        },
    )
    assert response.status_code == 200 and "Gespeichert" in response.text
    assert "Heute: 09:15–12:30" in response.text  # the preview on the page after saving
    with directory() as session:
        shown = bot_card(session, OWN_SERVICE)
        assert "🕒 Heute: 09:15–12:30" in shown
        changes = session.scalars(select(Metadata).where(Metadata.resource_id == OWN_SERVICE)).all()
        schedule_change = [m for m in changes if m.field_name == "schedules"]
        assert schedule_change and schedule_change[-1].updated_by == "fatma@example.org"
        assert "09:15" in schedule_change[-1].replacement_value and schedule_change[-1].previous_value == "[]"


def test_invalid_values_are_refused_with_the_message_next_to_the_field(client_for, directory) -> None:
    client = client_for("counsellor")
    with directory() as session:
        before = audit.snapshot(audit.load_service(session, OWN_SERVICE))
    response = edit(
        client,
        OWN_SERVICE,
        **{
            "phones-0-number": "12345",
            "locations-0-postcode": "6429",
            "url": "www.example",
            "schedules-0-days": ["MO"],
            "schedules-0-opens_at": "14:00",
            "schedules-0-closes_at": "09:00",
            "other_languages": "xx",
            "topics": [],
            "contacts-0-title": "Beratung auf Arabisch",
            "contacts-0-email": "beratung(at)example.org",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "Nicht gespeichert" in page
    for field_id, message in [
        ("phones-0-number", "keine gültige Telefonnummer"),
        ("locations-0-postcode", "eine deutsche Postleitzahl hat 5 Ziffern"),
        ("url", "keine gültige Webadresse"),
        ("schedules-0-closes_at", "muss nach der Anfangszeit liegen"),
        ("other_languages", "kein ISO-639-Sprachcode"),
        ("topics", "mindestens ein Thema wählen"),
        ("contacts-0-email", "keine gültige E-Mail-Adresse"),
    ]:
        block = page.split(f'id="{field_id}"', 1)[1].split("</div>", 1)[0].split("</fieldset>", 1)[0]
        assert message in block, f"{field_id}: {block}"
    assert 'value="6429"' in page  # what was typed stays in the form
    with directory() as session:
        assert audit.snapshot(audit.load_service(session, OWN_SERVICE)) == before  # nothing written


def test_english_interface_gives_english_messages(client_for) -> None:
    client = client_for("counsellor")
    client.get("/lang/en")
    response = edit(client, OWN_SERVICE, **{"phones-0-number": "12345"})
    assert "not a valid phone number" in response.text and "Not saved" in response.text


def test_verified_today_and_the_list_of_stale_entries(client_for, directory) -> None:
    # One second before midnight: "today" must not change between the click and the check.
    with clock.frozen(datetime(2026, 12, 31, 23, 59, 59)):
        _verify_and_list_stale(client_for, directory)


def _verify_and_list_stale(client_for, directory) -> None:
    client = client_for("counsellor")
    stale = client.get("/entries/stale").text
    assert OWN_SERVICE in stale and OTHER_SERVICE not in stale  # own organisation only
    page = client.get(f"/entries/{OWN_SERVICE}")
    response = client.post(f"/entries/{OWN_SERVICE}/verify", data={"csrf_token": csrf_of(page.text)})
    assert "Als heute geprüft markiert" in response.text
    assert OWN_SERVICE not in client.get("/entries/stale").text
    with directory() as session:
        service = session.get(Service, OWN_SERVICE)
        assert service.assured_date == clock.today() and service.assurer_email == "fatma@example.org"
        points = session.scalars(select(SearchPoint).where(SearchPoint.service_id == OWN_SERVICE)).all()
        assert points and all(p.assured_date == clock.today() for p in points)  # ranking sees it
        service.assured_date = clock.today() - timedelta(days=200)
        session.commit()
    assert OWN_SERVICE in client.get("/entries/stale").text


def test_history_shows_each_change_and_restore_brings_the_old_value_back(client_for, directory) -> None:
    client = client_for("counsellor")
    with directory() as session:
        old_phone = session.get(Service, OWN_SERVICE).phones[0].number
    edit(client, OWN_SERVICE, **{"phones-0-number": "06151 13 3333"})
    edit(client, OWN_SERVICE, name="Kinderbetreuung (neu)")
    history = client.get(f"/entries/{OWN_SERVICE}/history").text
    assert "+496151133333" in history and old_phone in history  # before and after
    assert "fatma@example.org" in history and "Kinderbetreuung (neu)" in history
    with directory() as session:
        versions = audit.versions(session, OWN_SERVICE)
        assert [v.action for v in versions] == ["edit", "edit", "baseline"]
        baseline = versions[-1]
        assert json.loads(versions[1].changed_fields) == ["phones"]
    response = client.post(
        f"/entries/{OWN_SERVICE}/restore/{baseline.id}", data={"csrf_token": csrf_of(history)}
    )
    assert "Frühere Fassung wiederhergestellt" in response.text
    with directory() as session:
        service = session.get(Service, OWN_SERVICE)
        assert service.phones[0].number == old_phone
        assert service.name != "Kinderbetreuung (neu)"
        latest = audit.versions(session, OWN_SERVICE)[0]
        assert latest.action == f"restore:{baseline.id}" and latest.created_by == "fatma@example.org"
        assert len(audit.versions(session, OWN_SERVICE)) == 4  # the restore is a version too


def test_restore_of_another_entrys_version_is_refused(client_for, directory) -> None:
    admin = client_for("admin")
    edit(admin, OTHER_SERVICE, name="Caritas geändert")
    with directory() as session:
        foreign = session.scalar(select(EntryVersion.id).where(EntryVersion.service_id == OTHER_SERVICE))
    client = client_for("counsellor")
    page = client.get(f"/entries/{OWN_SERVICE}/history")
    response = client.post(
        f"/entries/{OWN_SERVICE}/restore/{foreign}", data={"csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 404


def test_archive_hides_the_entry_from_the_bot_and_keeps_everything(client_for, directory) -> None:
    client = client_for("counsellor")
    page = client.get(f"/entries/{OWN_SERVICE}")
    assert "/delete" not in page.text  # counsellors archive; there is no delete
    client.post(f"/entries/{OWN_SERVICE}/archive", data={"csrf_token": csrf_of(page.text)})
    with directory() as session:
        assert bot_card(session, OWN_SERVICE) == ""
        service = session.get(Service, OWN_SERVICE)
        assert service.archived and service.phones  # nothing lost
    page = client.get(f"/entries/{OWN_SERVICE}")
    client.post(f"/entries/{OWN_SERVICE}/unarchive", data={"csrf_token": csrf_of(page.text)})
    with directory() as session:
        assert bot_card(session, OWN_SERVICE) != ""


def test_preview_shows_the_card_as_the_bot_does(client_for, directory) -> None:
    page = client_for("counsellor").get(f"/entries/{OWN_SERVICE}").text
    with directory() as session:
        service = session.get(Service, OWN_SERVICE)
    assert "So sieht es im Bot aus" in page
    assert service.name in page and "☎️ +49 6151 132469" in page


def test_mso_flag_change_reaches_the_search_index(client_for, directory) -> None:
    admin = client_for("admin")
    org = "org-stadt-darmstadt"
    page = admin.get(f"/organizations/{org}")
    fields = main_form(page.text)
    setv(fields, "is_mso", "y")
    admin.post(f"/organizations/{org}", data=as_data(fields))
    with directory() as session:
        points = session.scalars(select(SearchPoint).where(SearchPoint.service_id == OWN_SERVICE)).all()
        assert points and all(p.is_mso for p in points)
        assert "🤝" in bot_card(session, OWN_SERVICE)


def test_markup_in_an_entry_is_shown_as_text_not_run(client_for, directory) -> None:
    admin = client_for("admin")
    response = edit(
        admin, OWN_SERVICE, name='<script>alert("x")</script>', description="<img src=x onerror=alert(1)>"
    )
    assert response.status_code == 200
    for page in (
        response.text,
        admin.get(f"/entries/{OWN_SERVICE}/history").text,
        admin.get("/entries").text,
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
