"""Reports from the bot close themselves when the entry is edited or verified after them, with a
note in the history; the counsellor's list shows (and can filter) the entries with open reports."""

from __future__ import annotations

import re

from sqlalchemy import select

from referrals.admin.models import EntryVersion
from referrals.directory.problem_reports import ProblemReport
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, csrf_of
from tests.admin.test_entries import edit

SECOND_OWN = "svc-darmstadt-einwohnerwesen"  # another entry of the city of Darmstadt


def report(directory, service_id: str, reason: str) -> int:
    with directory() as session:
        item = ProblemReport(service_id=service_id, reason=reason, status="open")
        session.add(item)
        session.commit()
        return item.id


def status_of(directory, report_id: int) -> tuple[str, str | None]:
    with directory() as session:
        item = session.get(ProblemReport, report_id)
        return item.status, item.resolution


def test_an_edit_after_the_report_closes_it_and_says_so_in_the_history(client_for, directory) -> None:
    phone = report(directory, OWN_SERVICE, "phone")
    moved = report(directory, OWN_SERVICE, "moved")
    elsewhere = report(directory, OTHER_SERVICE, "closed")
    client = client_for("counsellor")
    assert "falsche Telefonnummer" in client.get(f"/entries/{OWN_SERVICE}").text
    saved = edit(client, OWN_SERVICE, **{"phones-0-number": "+49 6151 13-3000"})
    assert "2 offene Meldung(en) aus dem Bot damit erledigt" in saved.text
    assert status_of(directory, phone) == ("done", "edit")
    assert status_of(directory, moved) == ("done", "edit")
    assert status_of(directory, elsewhere) == ("open", None)  # another organisation's entry
    history = client.get(f"/entries/{OWN_SERVICE}/history").text
    note = re.search(r'class="note closed-reports">([^<]+)<', history)
    assert note and "(2)" in note.group(1)
    assert "falsche Telefonnummer" in note.group(1) and "umgezogen" in note.group(1)
    assert "report-" not in client.get("/reports").text  # the queue is empty again


def test_verifying_closes_reports_even_when_nothing_changed(client_for, directory) -> None:
    client = client_for("counsellor")
    page = client.get(f"/entries/{OWN_SERVICE}")
    client.post(f"/entries/{OWN_SERVICE}/verify", data={"csrf_token": csrf_of(page.text)})
    late = report(directory, OWN_SERVICE, "language")  # comes in after today's first check
    page = client.get(f"/entries/{OWN_SERVICE}")
    again = client.post(f"/entries/{OWN_SERVICE}/verify", data={"csrf_token": csrf_of(page.text)})
    assert "1 offene Meldung(en)" in again.text
    assert status_of(directory, late) == ("done", "verify")
    with directory() as session:
        newest = session.scalars(
            select(EntryVersion)
            .where(EntryVersion.service_id == OWN_SERVICE)
            .order_by(EntryVersion.id.desc())
        ).first()
        assert newest.action == "verify" and newest.closed_reports == '["language"]'


def test_saving_without_a_change_leaves_the_report_open(client_for, directory) -> None:
    waiting = report(directory, OWN_SERVICE, "closed")
    saved = edit(client_for("counsellor"), OWN_SERVICE)
    assert "Gespeichert" in saved.text and "damit erledigt" not in saved.text
    assert status_of(directory, waiting) == ("open", None)


def test_the_list_shows_and_filters_the_entries_with_open_reports(client_for, directory) -> None:
    report(directory, SECOND_OWN, "phone")
    report(directory, SECOND_OWN, "closed")
    report(directory, OTHER_SERVICE, "closed")
    client = client_for("counsellor")
    page = client.get("/entries").text
    cards = re.findall(r'id="entry-([^"]+)"', page)
    assert cards[0] == SECOND_OWN  # entries with open reports come first
    first = page.split(f'id="entry-{SECOND_OWN}"')[1].split("</li>")[0]
    assert "2 offene Meldungen" in first
    assert "Mit offenen Meldungen" in page
    filtered = client.get("/entries?reports=open").text
    assert re.findall(r'id="entry-([^"]+)"', filtered) == [SECOND_OWN]
    other = client_for("other_counsellor").get("/entries?reports=open").text
    assert re.findall(r'id="entry-([^"]+)"', other) == [OTHER_SERVICE]
