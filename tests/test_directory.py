"""Loading the directory and finding referrals in it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from referrals.hsds import DirectoryImportError, import_file, import_services
from referrals.models import Service, ServiceLanguage, ServiceTopic
from referrals.search import find_referrals, known_cities
from referrals.topics import TOPICS


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_directory_is_sourced_and_covers_the_required_cities(demo_services) -> None:
    for service in demo_services:
        assert service.get("x_source", "").startswith(("https://", "http://")), service["id"]
        for attribute in service["attributes"]:
            assert attribute["taxonomy_term"]["code"] in TOPICS
    cities = {
        address["city"]
        for service in demo_services
        for sal in service["service_at_locations"]
        for address in sal["location"]["addresses"]
    }
    assert {"Berlin", "Darmstadt", "Bochum", "Stuttgart", "Bautzen"} <= cities
    assert len(cities) >= 8


def test_reimport_updates_in_place(demo_session, make_session, demo_services) -> None:
    services, topics = _count(demo_session, Service), _count(demo_session, ServiceTopic)
    assert services == len(demo_services)
    changed = copy.deepcopy(demo_services[0])
    changed["name"] = "Renamed service"
    with make_session() as session, session.begin():
        import_services(session, [changed])
    with make_session() as session:
        assert _count(session, Service) == services
        assert _count(session, ServiceTopic) == topics
        assert session.get(Service, changed["id"]).name == "Renamed service"


def test_a_broken_record_changes_nothing(make_session, demo_services, tmp_path: Path) -> None:
    broken = copy.deepcopy(demo_services[:3])
    broken[2]["attributes"][0]["taxonomy_term"]["code"] = "astrology"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"services": broken}))
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, path)
    assert "service #3" in str(error.value) and "taxonomy_term.code" in str(error.value)
    with make_session() as session:
        assert _count(session, Service) == 0


def test_finds_local_entries_of_the_topic(demo_session, demo_services) -> None:
    results = find_referrals(demo_session, "youth_family", "Darmstadt")
    assert 1 <= len(results) <= 3
    expected = {
        s["name"]
        for s in demo_services
        if any(a["taxonomy_term"]["code"] == "youth_family" for a in s["attributes"])
        and (
            any(
                addr["city"] == "Darmstadt"
                for sal in s["service_at_locations"]
                for addr in sal["location"]["addresses"]
            )
            or any(area["name"] == "Darmstadt" for area in s["service_areas"])
        )
    }
    assert {r.name for r in results} <= expected
    assert all(not r.nationwide for r in results)


def test_city_is_matched_case_insensitively(demo_session) -> None:
    assert find_referrals(demo_session, "health", "berlin") == find_referrals(
        demo_session, "health", "Berlin"
    )


def test_unknown_city_falls_back_to_nationwide_services(demo_session) -> None:
    results = find_referrals(demo_session, "health", "Leipzig")
    assert results and all(r.nationwide for r in results)
    assert any("116 117" in phone for r in results for phone in r.phones)


def test_languages_spoken_are_listed(demo_session) -> None:
    spoken = demo_session.scalars(select(ServiceLanguage.code).distinct()).all()
    assert "de" in spoken and len(spoken) > 3


def test_known_cities_come_from_the_directory(demo_session) -> None:
    assert {"Berlin", "Darmstadt", "Bautzen"} <= set(known_cities(demo_session))
