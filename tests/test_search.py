"""Search by topic, place (as users type it), language and opening hours."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from referrals.directory.hsds_read import import_file
from referrals.directory.opening_hours import BERLIN
from referrals.directory.places import PlaceResolver
from referrals.directory.search import directory_places, place_of_postcode, search
from referrals.gazetteer import Place

WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
CHRISTMAS_10 = datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN)  # a Friday, public holiday


@pytest.fixture
def resolver(demo_session) -> PlaceResolver:
    return PlaceResolver(directory_places(demo_session), lambda pc: place_of_postcode(demo_session, pc))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Köln", "Köln"),
        ("koeln", "Köln"),
        ("Cologne", "Köln"),
        ("Кёльн", "Köln"),
        ("كولونيا", "Köln"),
        ("Kölln", "Köln"),
        ("arzt in koln", "Köln"),
        ("Munich", "München"),
        ("Мюнхен", "München"),
        ("где сделать анмельдунг бочум", "Bochum"),  # Russian transliteration of Bochum
        ("ابني يحتاج روضة كيتا في دارمشتات", "Darmstadt"),
        ("Stutgart", "Stuttgart"),
        ("in Bautzen bitte", "Bautzen"),
        ("64293", "Darmstadt"),  # postcode in the directory
        ("PLZ 64295", "Darmstadt"),  # a neighbouring postcode
        ("Leipzig", "Leipzig"),  # a town the directory does not have yet
    ],
)
def test_places_as_users_type_them(resolver, text, expected) -> None:
    place = resolver.find(text)
    assert place is not None and place.name == expected


def test_no_place_in_a_message_without_one(resolver) -> None:
    assert resolver.find("I need a doctor who speaks Arabic") is None


def test_local_results_for_topic_and_city(demo_session, resolver, demo_services) -> None:
    result = search(demo_session, "youth_family", resolver.find("Darmstadt"), now=WEDNESDAY_10)
    assert result.scope == "local" and 1 <= len(result.referrals) <= 3
    assert all(r.city == "Darmstadt" and not r.nationwide for r in result.referrals)


def test_coordinates_from_a_shared_location_find_the_nearest_city(demo_session) -> None:
    near_bochum_station = Place("", 51.4787, 7.2233, "NW")
    result = search(demo_session, "health", near_bochum_station, now=WEDNESDAY_10)
    assert result.scope == "local" and {r.city for r in result.referrals} == {"Bochum"}


def test_a_town_without_entries_gets_the_nearest_other_place(demo_session, resolver) -> None:
    result = search(demo_session, "citizen_office", resolver.find("Offenbach am Main"), now=WEDNESDAY_10)
    assert result.scope == "nearby"
    assert result.referrals[0].city == "Darmstadt"  # about 30 km away, the nearest in the directory
    assert 20 < result.referrals[0].distance_km < 45


def test_without_any_place_nationwide_services_answer(demo_session) -> None:
    result = search(demo_session, "women", None, now=WEDNESDAY_10)
    assert result.scope == "nationwide"
    assert any("116 016" in phone for r in result.referrals for phone in r.phones)


def test_language_filter_keeps_only_services_speaking_it(demo_session, resolver) -> None:
    result = search(demo_session, "health", resolver.find("Bochum"), language="ru", now=WEDNESDAY_10)
    assert result.referrals and all("ru" in r.languages for r in result.referrals)


def test_language_preference_ranks_speakers_first(demo_session, resolver) -> None:
    result = search(demo_session, "health", resolver.find("Bochum"), prefer_language="fa", now=WEDNESDAY_10)
    assert "fa" in result.referrals[0].languages


def test_a_language_nobody_speaks_still_gets_an_answer(demo_session, resolver) -> None:
    result = search(demo_session, "health", resolver.find("Bautzen"), language="zu", now=WEDNESDAY_10)
    assert result.referrals  # the filter is dropped rather than answering with nothing


@pytest.fixture
def scheduled(make_session, tmp_path: Path):
    """Two Darmstadt services: one with split hours on Wednesdays, one by appointment only."""
    base = {
        "organization": {"id": "org-x", "name": "Verein"},
        "attributes": [{"taxonomy_term": {"code": "health"}}],
        "service_at_locations": [
            {
                "id": "sal-x",
                "location": {
                    "id": "loc-x",
                    "addresses": [
                        {
                            "address_1": "Luisenplatz 1",
                            "postal_code": "64283",
                            "city": "Darmstadt",
                            "state_province": "Hessen",
                        }
                    ],
                },
            }
        ],
    }

    def at(service_id: str) -> dict:
        entry = copy.deepcopy(base)
        entry["service_at_locations"][0]["id"] = f"sal-{service_id}"
        return entry | {"id": service_id}

    split = at("svc-split") | {
        "name": "Sprechstunde",
        "schedules": [
            {"byday": "WE", "opens_at": "09:00", "closes_at": "12:00"},
            {"byday": "WE,FR", "opens_at": "14:00", "closes_at": "16:00"},
            {"byday": "FR", "opens_at": "09:00", "closes_at": "12:00", "valid_to": "2026-06-30"},
        ],
    }
    appointment = at("svc-appointment") | {
        "name": "Beratung nach Termin",
        "schedules": [{"x_appointment_only": True}],
    }
    closed = at("svc-closed") | {
        "name": "Geschlossen",
        "status": "temporarily closed",
        "schedules": [{"byday": "WE", "opens_at": "08:00", "closes_at": "18:00"}],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps([split, appointment, closed]))
    with make_session() as session:
        import_file(session, path)
    with make_session() as session:
        yield session


DARMSTADT = Place("Darmstadt", 49.87167, 8.65027, "HE")


def test_open_now_respects_slots_appointments_and_closures(scheduled) -> None:
    result = search(scheduled, "health", DARMSTADT, open_now=True, now=WEDNESDAY_10)
    assert [r.service_id for r in result.referrals] == ["svc-split"]
    split = result.referrals[0]
    assert split.today.slots == ("09:00–12:00", "14:00–16:00")
    lunch = search(scheduled, "health", DARMSTADT, open_now=True, now=WEDNESDAY_10.replace(hour=13)).referrals
    assert "svc-split" not in [r.service_id for r in lunch if r.open_now]


def test_public_holidays_close_the_office(scheduled) -> None:
    results = {r.service_id: r for r in search(scheduled, "health", DARMSTADT, now=CHRISTMAS_10).referrals}
    assert not results["svc-split"].open_now
    assert results["svc-split"].today.holiday and results["svc-split"].today.slots == ()
    assert results["svc-appointment"].today.appointment_only
    assert results["svc-closed"].today.temporarily_closed


def test_validity_periods_end_slots(scheduled) -> None:
    friday_morning = datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)  # the Friday slot ended in June
    results = {r.service_id: r for r in search(scheduled, "health", DARMSTADT, now=friday_morning).referrals}
    assert results["svc-split"].today.slots == ("14:00–16:00",)
    assert not results["svc-split"].open_now


def test_places_named_in_other_scripts_get_the_directory_spelling(resolver) -> None:
    assert resolver.named("دارمشتات").name == "Darmstadt"
    assert resolver.named("Кёльн").name == "Köln"
    assert resolver.named("Darmstadt").name == "Darmstadt"
