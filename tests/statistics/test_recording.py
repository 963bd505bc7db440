"""Recording: what one turn becomes in the counters, and that nothing else is kept."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from referrals.statistics import recording
from referrals.statistics.models import (
    ALL_CITIES,
    NO_CITY,
    OTHER_CITY,
    StatisticsCount,
    StatisticsOrganization,
    StatisticsReferral,
)
from referrals.statistics.recording import DailyConversations, TurnFacts, turn_facts
from tests.statistics.conftest import FakeTracker, slot


def counts(directory, dimension: str, city: str = ALL_CITIES) -> dict[str, tuple[int, int]]:
    with directory() as session:
        rows = session.scalars(
            select(StatisticsCount).where(
                StatisticsCount.dimension == dimension, StatisticsCount.city == city
            )
        ).all()
        result: dict[str, tuple[int, int]] = {}
        for r in rows:  # summed over days
            turns, conversations = result.get(r.value, (0, 0))
            result[r.value] = (turns + r.turns, conversations + r.conversations)
        return result


def test_a_turn_counts_in_every_dimension_for_its_city_and_for_all_cities() -> None:
    facts = TurnFacts(date(2026, 11, 18), 10, "ar", "request_referral", "youth_family", "Darmstadt")
    cells = facts.cells()
    assert ("topic", "Darmstadt", "youth_family") in cells
    assert ("language", ALL_CITIES, "ar") in cells
    assert ("hour", "Darmstadt", "10") in cells
    assert not [c for c in cells if c[0] in ("fallback", "crisis")]
    assert len(cells) == len(set(cells)) == 2 * 5


def test_distinct_conversations_per_day_with_a_salt_that_changes_daily() -> None:
    seen = DailyConversations()
    day, cells = date(2026, 11, 18), [("total", "*", "")]
    assert seen.first_seen(day, "sender-a", cells) == set(cells)
    assert seen.first_seen(day, "sender-a", cells) == set()
    assert seen.first_seen(day, "sender-b", cells) == set(cells)
    salt = seen._salt
    assert seen.first_seen(date(2026, 11, 19), "sender-a", cells) == set(cells)  # counted again
    assert seen._salt != salt and len(seen._seen) == 1  # yesterday's salt and digests are gone
    assert all(len(d) == 8 and b"sender" not in d for d in seen._seen)


def test_facts_of_a_turn_from_the_tracker(recorder) -> None:
    referral = FakeTracker("s1", "request_referral", entities={"topic": "health"})
    facts = turn_facts(referral, [slot("language", "en"), slot("city", "Berlin")], recorder)
    assert (facts.language, facts.intent, facts.topic, facts.city) == (
        "en",
        "request_referral",
        "health",
        "Berlin",
    )
    assert (facts.day, facts.hour) == (date(2026, 11, 18), 10)

    faq = FakeTracker("s1", "faq", faq="anmeldung", slots={"city": "Bochum", "language": "ru"})
    facts = turn_facts(faq, [slot("language", "ru")], recorder)
    assert (facts.topic, facts.city, facts.language) == ("citizen_office", "Bochum", "ru")

    # The form asks for the city: the answer is about the conversation's topic, in another town.
    answer = FakeTracker("s1", "inform_place", slots={"topic": "women"}, active_loop="referral_form")
    facts = turn_facts(answer, [slot("city", "Kleinkleckersdorf")], recorder)
    assert (facts.topic, facts.city) == ("women", OTHER_CITY)  # never the town's name

    not_understood = FakeTracker("s1", "nlu_fallback", confidence_ranking=["nlu_fallback", "faq", "greet"])
    facts = turn_facts(not_understood, [slot("language", "fa")], recorder)
    assert (facts.fallback, facts.intent, facts.topic, facts.city) == (True, "faq", "", NO_CITY)

    crisis = FakeTracker("s1", "crisis_violence", slots={"topic": "health"})
    facts = turn_facts(crisis, [slot("language", "tr"), slot("city", "köln")], recorder)
    assert (facts.crisis, facts.topic, facts.city) == ("violence", "", "Köln")

    odd = FakeTracker("s1", "greet", entities={"topic": "no-such-topic"})
    assert turn_facts(odd, [slot("language", "xx")], recorder).topic == ""
    assert turn_facts(odd, [slot("language", "xx")], recorder).language == "de"


def test_recorded_turns_and_conversations(recorder, directory, clock) -> None:
    for sender in ("a", "a", "b"):
        tracker = FakeTracker(sender, "request_referral", entities={"topic": "health"})
        recording_facts = turn_facts(tracker, [slot("language", "ar"), slot("city", "Bochum")], recorder)
        recorder.record_turn(tracker.sender_id, recording_facts)
    clock.set(datetime(2026, 11, 19, 9, 5))
    tracker = FakeTracker("a", "nlu_fallback", confidence_ranking=["nlu_fallback", "faq"])
    recorder.record_turn("a", turn_facts(tracker, [slot("language", "ar")], recorder))

    assert counts(directory, "topic") == {"health": (3, 2)}
    assert counts(directory, "topic", "Bochum") == {"health": (3, 2)}
    assert counts(directory, "language") == {"ar": (4, 3)}  # "a" again on the next day
    assert counts(directory, "fallback") == {"": (1, 1)}
    assert counts(directory, "fallback_intent") == {"faq": (1, 1)}
    assert counts(directory, "hour") == {"10": (3, 2), "09": (1, 1)}
    with directory() as session:
        days = sorted({r.day for r in session.scalars(select(StatisticsCount))})
    assert days == [date(2026, 11, 18), date(2026, 11, 19)]


def test_referral_searches_and_organisations(recorder, directory) -> None:
    recorder.record_referral("health", "Berlin", "local", ["Org A", "Org B", "Org A"])
    recorder.record_referral("health", "Berlin", "local", ["Org A"])
    recorder.record_referral("women", "Kamenz", "nationwide", ["Hotline"])
    recorder.record_referral("women", "Somewhere", "none", [])
    recorder.record_referral("health", "Berlin", "local", ["Org C"], new_search=False)  # "more" page
    with directory() as session:
        searches = {
            (r.city, r.topic, r.outcome): r.searches for r in session.scalars(select(StatisticsReferral))
        }
        shown = {r.organization: r.shown for r in session.scalars(select(StatisticsOrganization))}
    assert searches == {
        ("Berlin", "health", "local"): 2,
        ("Kamenz", "women", "nationwide"): 1,
        (OTHER_CITY, "women", "none"): 1,
    }
    assert shown == {"Org A": 2, "Org B": 1, "Hotline": 1, "Org C": 1}  # once per search, however many cards
    with pytest.raises(ValueError):
        recorder.record_referral("health", "Berlin", "somewhere", [])


def test_recording_never_breaks_the_conversation(monkeypatch, caplog) -> None:
    class Broken:
        def now(self) -> datetime:
            raise RuntimeError("database is gone")

    monkeypatch.setattr(recording, "recorder", lambda: Broken())
    tracker = FakeTracker("secret-sender", "greet", text="my secret message")
    recording.record_turn(tracker, [])  # no exception
    recording.record_referral("health", "Berlin", "local", ["Org"])
    assert "not recorded" in caplog.text
    assert "secret" not in caplog.text


def test_a_message_counts_once_even_when_rasa_asks_twice(recorder, directory) -> None:
    """Rasa runs the extraction action again when a message starts a form: one count only."""
    tracker = FakeTracker("s1", "request_referral", entities={"topic": "health"})
    facts = turn_facts(tracker, [slot("language", "en")], recorder)
    key = recording.latest_message_key(tracker)
    assert key and recorder.record_turn("s1", facts, key)
    assert not recorder.record_turn("s1", facts, key)  # the form's second extraction
    assert recorder.record_turn("s2", facts, key)  # another conversation, same second
    later = FakeTracker("s1", "affirm")
    later.events[0]["timestamp"] += 1
    assert recorder.record_turn("s1", facts, recording.latest_message_key(later))
    assert counts(directory, "total") == {"": (3, 2)}
