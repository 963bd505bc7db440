"""Importing and exporting the directory: validation, all-or-nothing, updates in place, round trip."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from referrals.directory.csv_format import export_csv, import_csv
from referrals.directory.hsds import (
    DirectoryImportError,
    all_services,
    service_to_hsds,
)
from referrals.directory.hsds_publish import export_json
from referrals.directory.hsds_read import import_file
from referrals.directory.models import Metadata, Schedule, Service, ServiceTopic
from referrals.topics import TOPICS

GOOD = {
    "id": "svc-test-kita",
    "name": "Kita-Beratung",
    "status": "active",
    "organization": {"id": "org-test", "name": "Testverein e.V.", "x_is_mso": True},
    "phones": [{"number": "06151 13-0"}],
    "languages": [{"code": "ar", "note": "Mo only"}],
    "schedules": [{"byday": "MO,TU", "opens_at": "09:00", "closes_at": "12:00"}],
    "attributes": [{"taxonomy_term": {"code": "youth_family"}}],
    "service_at_locations": [
        {
            "id": "sal-1",
            "location": {
                "id": "loc-1",
                "addresses": [{"address_1": "Luisenplatz 5", "postal_code": "64283", "city": "Darmstadt"}],
            },
        }
    ],
}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _write(tmp_path: Path, services: list[dict]) -> Path:
    path = tmp_path / "services.json"
    path.write_text(json.dumps({"services": services}), encoding="utf-8")
    return path


def test_demo_directory_is_sourced_and_covers_the_required_cities(demo_services) -> None:
    for service in demo_services:
        assert service.get("x_source", "").startswith(("https://", "http://")), service["id"]
        for attribute in service["attributes"]:
            assert attribute["taxonomy_term"]["code"] in TOPICS
    cities = {
        address["city"]
        for s in demo_services
        for sal in s["service_at_locations"]
        for address in sal["location"]["addresses"]
    }
    assert {"Berlin", "Darmstadt", "Bochum", "Stuttgart", "Bautzen"} <= cities
    assert len(cities) >= 8
    assert any(a["x_scope"] == "nationwide" for s in demo_services for a in s["service_areas"])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda s: s["phones"][0].update(number="12"), "phones[0].number", "phone number"),
        (lambda s: s.update(email="kita@"), "email", "e-mail"),
        (lambda s: s.update(url="www.example.org"), "url", "web address"),
        (
            lambda s: s["service_at_locations"][0]["location"]["addresses"][0].update(postal_code="6428"),
            "postal_code",
            "5 digits",
        ),
        (lambda s: s["schedules"][0].update(byday="MONDAY"), "schedules[0].byday", "days must be"),
        (lambda s: s["schedules"][0].update(closes_at="08:00"), "schedules[0].closes_at", "later than"),
        (lambda s: s["schedules"][0].update(opens_at="9 Uhr"), "schedules[0].opens_at", "HH:MM"),
        (
            lambda s: s["attributes"][0]["taxonomy_term"].update(code="astrology"),
            "taxonomy_term.code",
            "unknown topic",
        ),
        (lambda s: s["languages"][0].update(code="xx-klingon"), "languages[0].code", "ISO 639"),
        (lambda s: s.update(status="open"), "status", "not one of"),
        (lambda s: s["organization"].pop("name"), "organization.name", "missing"),
        (
            lambda s: s["service_at_locations"][0]["location"].update(latitude=10.0),
            "latitude",
            "outside Germany",
        ),
    ],
)
def test_each_kind_of_bad_record_is_rejected_precisely_and_changes_nothing(
    make_session, tmp_path, change, field, message
) -> None:
    good, bad = copy.deepcopy(GOOD), copy.deepcopy(GOOD)
    bad["id"] = "svc-test-broken"
    bad["service_at_locations"][0]["id"] = "sal-2"
    change(bad)
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, _write(tmp_path, [good, bad]))
    [problem] = error.value.problems
    assert problem.record == "service #2 (svc-test-broken)"
    assert field in problem.field and message in problem.message
    with make_session() as session:
        assert _count(session, Service) == 0  # the good record was not written either


def test_every_problem_is_reported_not_only_the_first(make_session, tmp_path) -> None:
    bad = copy.deepcopy(GOOD)
    bad.update(email="nope", url="nope")
    bad["phones"][0]["number"] = "abc"
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, _write(tmp_path, [bad]))
    assert {p.field for p in error.value.problems} == {"email", "url", "phones[0].number"}


def test_phone_numbers_are_stored_in_international_form(make_session, tmp_path) -> None:
    with make_session() as session:
        import_file(session, _write(tmp_path, [GOOD]))
    with make_session() as session:
        assert session.get(Service, "svc-test-kita").phones[0].number == "+496151130"


def test_reimport_updates_in_place_and_logs_the_change(make_session, tmp_path) -> None:
    with make_session() as session:
        import_file(session, _write(tmp_path, [GOOD]))
    changed = copy.deepcopy(GOOD)
    changed["name"] = "Kita- und Familienberatung"
    with make_session() as session:
        import_file(session, _write(tmp_path, [changed]))
    with make_session() as session:
        assert _count(session, Service) == 1 and _count(session, ServiceTopic) == 1
        assert _count(session, Schedule) == 1
        assert session.get(Service, "svc-test-kita").name == "Kita- und Familienberatung"
        log = session.scalars(
            select(Metadata).where(Metadata.field_name == "name", Metadata.last_action_type == "update")
        ).one()
        assert (log.previous_value, log.replacement_value) == ("Kita-Beratung", "Kita- und Familienberatung")


def test_verification_is_kept_apart_from_edits(make_session, tmp_path) -> None:
    verified = copy.deepcopy(GOOD)
    verified.update(assured_date="2026-10-01", assurer_email="beratung@example.org")
    with make_session() as session:
        import_file(session, _write(tmp_path, [verified]))
    with make_session() as session:
        service = session.get(Service, "svc-test-kita")
        assert str(service.assured_date) == "2026-10-01" and service.last_modified is not None


def test_json_export_then_import_gives_the_same_directory(demo_session, tmp_path, database_url) -> None:
    path = tmp_path / "export.json"
    export_json(demo_session, path)
    from sqlalchemy.orm import sessionmaker

    from referrals.db import make_engine

    target = sessionmaker(make_engine(database_url), expire_on_commit=False)
    with target() as session:
        import_file(session, path)
    with target() as session:
        again = [service_to_hsds(s) for s in all_services(session)]
    original = [service_to_hsds(s) for s in all_services(demo_session)]
    strip = lambda items: [{k: v for k, v in s.items() if k != "last_modified"} for s in items]  # noqa: E731
    assert strip(again) == strip(original)


def test_csv_export_then_import_gives_the_same_services(demo_session, tmp_path, database_url) -> None:
    path = tmp_path / "export.csv"
    export_csv(demo_session, path)
    from sqlalchemy.orm import sessionmaker

    from referrals.db import make_engine

    target = sessionmaker(make_engine(database_url), expire_on_commit=False)
    with target() as session:
        import_csv(session, path)
    with target() as session:
        again = {s.id: s for s in all_services(session)}
    for service in all_services(demo_session):
        copy_ = again[service.id]
        assert copy_.name == service.name
        assert sorted(t.topic_code for t in copy_.topics) == sorted(t.topic_code for t in service.topics)
        assert sorted(p.number for p in copy_.phones) == sorted(p.number for p in service.phones)
        assert sorted(lang.code for lang in copy_.languages) == sorted(
            lang.code for lang in service.languages
        )
        assert {link.location_id for link in copy_.locations} == {
            link.location_id for link in service.locations
        }


def test_csv_problems_name_the_line_and_column(make_session, tmp_path) -> None:
    path = tmp_path / "broken.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "service_id",
                "service_name",
                "topics",
                "phones",
                "opening_hours",
                "organization_id",
                "organization_name",
                "city",
                "postal_code",
            ]
        )
        writer.writerow(
            ["s1", "Beratung", "health", "030 1234567", "MO 09:00-12:00", "o1", "Verein", "Berlin", "10115"]
        )
        writer.writerow(
            [
                "s2",
                "Beratung 2",
                "health",
                "030 1234567",
                "montags vormittags",
                "o1",
                "Verein",
                "Berlin",
                "10115",
            ]
        )
        writer.writerow(
            ["s3", "Beratung 3", "health;x", "030 1234567", "", "o1", "Verein", "Berlin", "10115"]
        )
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_csv(session, path)
    problems = {(p.record, p.field.split(".")[0].split("[")[0]) for p in error.value.problems}
    assert ("line 3", "opening_hours") in problems
    assert any(record == "line 4" and field == "attributes" for record, field in problems)
    with make_session() as session:
        assert _count(session, Service) == 0


def test_ids_used_twice_in_a_file_are_reported(make_session, tmp_path) -> None:
    other = copy.deepcopy(GOOD)
    other["id"] = "svc-test-other"
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, _write(tmp_path, [GOOD, other]))
    assert [(p.record, p.field) for p in error.value.problems] == [
        ("service #2 (svc-test-other)", "service_at_locations[0].id")
    ]


def test_ids_clashing_with_the_directory_are_reported(make_session, tmp_path) -> None:
    with make_session() as session:
        import_file(session, _write(tmp_path, [GOOD]))
    other = copy.deepcopy(GOOD)
    other["id"] = "svc-test-other"
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, _write(tmp_path, [other]))
    assert "already belongs to service 'svc-test-kita'" in str(error.value)
    with make_session() as session:
        assert _count(session, Service) == 1


def test_every_topic_has_a_label_in_every_supported_language() -> None:
    from referrals.topics import SUPPORTED_LANGUAGES

    for topic in TOPICS.values():
        assert set(topic.labels) == set(SUPPORTED_LANGUAGES), topic.code
        assert all(label.strip() for label in topic.labels.values())
