"""A child in danger in a town with its own child emergency service (content/crisis.yml `local`):
the answer names that service's number second, after 110, in the user's language; elsewhere the
general answer. The answer stays a Rasa response (it works with the action server down), chosen
by the slot `local_emergency_town` that the application sets on every message."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker

from referrals.actions import understanding
from referrals.directory.places import PlaceResolver
from referrals.directory.search import directory_places, place_of_postcode
from referrals.gazetteer import gazetteer
from referrals.topics import SUPPORTED_LANGUAGES
from tests.test_content import CONTENT

RESPONSES = yaml.safe_load((CONTENT.parent / "domain" / "responses.yml").read_text(encoding="utf-8"))[
    "responses"
]
CRISES = yaml.safe_load((CONTENT / "crisis.yml").read_text(encoding="utf-8"))["crises"]
LOCAL = {item["id"]: item["local"] for item in CRISES if item.get("local")}
TOWN_NUMBERS = {
    "Berlin": "030 61 00 66",
    "Hamburg": "040 42815 3200",
    "Düsseldorf": "0211 899 2400",
    "Frankfurt am Main": "0800 20 10 111",
    "Nürnberg": "0911 231 3333",
}


def _shown(response: str, slots: dict[str, Any]) -> list[str]:
    """The texts Rasa 3.6 chooses among (rasa/core/nlg/generator.py): every conditional variation
    whose conditions all match, else the unconditioned ones."""
    variations = RESPONSES[response]

    def matches(variation: dict[str, Any]) -> bool:
        return all(
            str(slots.get(c["name"]) or "").casefold() == str(c["value"] or "").casefold()
            for c in variation["condition"]
        )

    conditional = [v["text"] for v in variations if v.get("condition") and matches(v)]
    return conditional or [v["text"] for v in variations if not v.get("condition")]


def test_child_danger_names_the_towns_own_service_after_110_in_every_language() -> None:
    assert set(LOCAL["child_in_danger"]) == set(TOWN_NUMBERS)
    for town, number in TOWN_NUMBERS.items():
        for language in SUPPORTED_LANGUAGES:
            shown = _shown(
                "utter_crisis_child_in_danger", {"language": language, "local_emergency_town": town}
            )
            assert len(shown) == 1, (town, language, shown)  # never a random pick between two
            lines = shown[0].splitlines()
            assert lines[0].startswith("110") and number in lines[1], (town, language, lines[:2])
            assert "116 111" in shown[0]
            assert not any(other in shown[0] for other in TOWN_NUMBERS.values() if other != number)


@pytest.mark.parametrize("language", [*SUPPORTED_LANGUAGES, None])
def test_without_a_known_town_every_crisis_answer_is_the_general_one_in_the_users_language(language) -> None:
    for response in (r for r in RESPONSES if r.startswith("utter_crisis_")):
        shown = _shown(response, {"language": language, "local_emergency_town": None})
        assert len(shown) == 1, (response, language)
        assert not any(number in shown[0] for number in TOWN_NUMBERS.values())
        crisis = next(c for c in CRISES if response == f"utter_crisis_{c['id']}")
        assert shown[0] == crisis["answer"][language or "de"].strip()


@pytest.fixture
def extract(demo_db, monkeypatch):
    with demo_db() as session:
        resolver = PlaceResolver(directory_places(session), lambda code: place_of_postcode(session, code))

    class Places:
        def get(self) -> PlaceResolver:
            return resolver

    monkeypatch.setattr(understanding, "places", lambda: Places())
    monkeypatch.setattr(understanding, "record_turn", lambda *args: None)

    def run(text: str, intent: str, city: str | None = None) -> dict[str, Any]:
        parse = {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": text}
        tracker = Tracker(
            sender_id="test",
            slots={"city": city, "language": "de", "language_choice": None},
            latest_message=parse,
            events=[{"event": "user", "text": text, "parse_data": parse}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        events = understanding.ActionExtractLanguageAndPlace().run(None, tracker, {})  # type: ignore[arg-type]
        return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}

    return run


def test_the_town_in_an_emergency_message_is_used_without_filling_the_forms_place(extract) -> None:
    slots = extract(
        "Mein Sohn ist seit gestern nicht nach Hause gekommen, wir wohnen in Hamburg", "crisis_child_danger"
    )
    assert slots["local_emergency_town"] == "Hamburg"
    assert "city" not in slots  # the referral form must not go on with a search instead


def test_the_town_named_earlier_counts_and_other_towns_get_the_general_answer(extract) -> None:
    assert (
        extract("meine Tochter ist allein und hat Angst", "crisis_child_danger", city="Berlin")[
            "local_emergency_town"
        ]
        == "Berlin"
    )
    assert extract("Kinderarzt in Bochum", "request_referral", city="Berlin")["local_emergency_town"] is None
    assert extract("hallo", "greet")["local_emergency_town"] is None


def test_every_town_with_a_local_service_is_a_place_the_gazetteer_resolves() -> None:
    for town in LOCAL["child_in_danger"]:
        assert gazetteer().lookup(town) is not None, town


@pytest.mark.parametrize(
    ("spelled", "town"),
    [
        ("Nuremberg", "Nürnberg"),
        ("Nürnberg", "Nürnberg"),
        ("Frankfurt", "Frankfurt am Main"),
        ("Bochum", None),
    ],
)
def test_a_town_spelled_otherwise_still_gets_its_local_service(spelled: str, town: str | None) -> None:
    # The slot takes the gazetteer's name for places the directory lacks ("Nuremberg"), and the
    # answer's condition needs the name content/crisis.yml uses.
    assert understanding.local_service_town(spelled) == town


def test_a_town_named_in_the_message_that_the_directory_lacks_gets_its_local_service(extract) -> None:
    slots = extract("Ein Kind wird nebenan geschlagen, ich bin in Nürnberg", "crisis_child_danger")
    assert slots["local_emergency_town"] == "Nürnberg"
