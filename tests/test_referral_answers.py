"""What a referral answer holds, decided by action_find_referrals on the demo directory:
the orientation answer first when the request asked for one, "show more places",
"only places that speak my language", and saying so when none does."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions import directory, find_referrals, offers, referral_form, understanding
from referrals.cards import message
from referrals.directory.places import PlaceResolver
from referrals.directory.search import directory_places, place_of_postcode


@pytest.fixture
def action(demo_db, monkeypatch) -> find_referrals.ActionFindReferrals:
    with demo_db() as session:
        resolver = PlaceResolver(directory_places(session), lambda code: place_of_postcode(session, code))

    class Places:
        def get(self) -> PlaceResolver:
            return resolver

    monkeypatch.setattr(find_referrals, "get_sessionmaker", lambda: demo_db)
    monkeypatch.setattr(understanding, "places", lambda: Places())
    monkeypatch.setattr(find_referrals, "record_referral", lambda *args: None)
    return find_referrals.ActionFindReferrals()


def _run(
    action,
    *,
    topic: str,
    city: str,
    language: str,
    text: str = "",
    entities=(),
    selector=None,
    ranking=(),
    spoken_language=None,
    answered_faq=None,
    with_events=False,
):
    parse = {
        "intent": {"name": "request_referral", "confidence": 0.99},
        "entities": [{"entity": k, "value": v} for k, v in entities],
        "text": text,
        "response_selector": {"faq": {"response": selector or {}, "ranking": [selector or {}, *ranking]}},
    }
    tracker = Tracker(
        sender_id="test",
        slots={
            "topic": topic,
            "city": city,
            "language": language,
            "location": None,
            "spoken_language": spoken_language,
            "answered_faq": answered_faq,
        },
        latest_message=parse,
        events=[{"event": "user", "text": text, "parse_data": parse}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="referral_form",
    )
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return (dispatcher.messages, events) if with_events else dispatcher.messages


def _buttons(messages: list[dict[str, Any]]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons") or []}


def test_more_places_shows_the_next_three(action) -> None:
    first = _run(action, topic="women", city="Berlin", language="en", text="women's counselling Berlin")
    more = _buttons(first).get(message("more_places", "en"))
    assert more == '/request_referral{"topic":"women","page":2}'  # the demo has 4 in Berlin
    second = _run(action, topic="women", city="Berlin", language="en", entities=[("page", 2)])
    cards_first = [m["text"] for m in first if m.get("buttons")]
    cards_second = [m["text"] for m in second if m.get("buttons")]
    assert len(cards_first) == 3 and len(cards_second) == 1
    assert cards_second[0] not in cards_first
    assert message("more_places", "en") not in _buttons(second)


def test_only_my_language_keeps_places_speaking_it_or_says_there_are_none(action) -> None:
    first = _run(action, topic="health", city="Berlin", language="ar", text="طبيب في برلين")
    payload = _buttons(first)[message("only_my_language", "ar", speaks="العربية")]
    assert payload == '/request_referral{"topic":"health","language":"ar"}'
    filtered = _run(action, topic="health", city="Berlin", language="ar", entities=[("language", "ar")])
    none_nearby = message("no_speaker_nearby", "ar", speaks="العربية")
    cards = [m for m in filtered if m.get("buttons")]  # every card has its report button
    assert cards
    if filtered[0]["text"] != none_nearby:  # there are Arabic speakers: only they are shown
        assert all("العربية" in c["text"] for c in cards)
    assert message("only_my_language", "ar", speaks="العربية") not in _buttons(filtered)


def test_no_speaker_nearby_is_said_before_the_closest_places(action) -> None:
    messages = _run(
        action, topic="citizen_office", city="Bautzen", language="fa", entities=[("language", "fa")]
    )
    assert messages[0]["text"] == message("no_speaker_nearby", "fa", speaks="فارسی")
    rest = "\n".join(m.get("text") or "" for m in messages[1:])
    assert "Ausländeramt des Landratsamtes Bautzen" in rest and "Bürger-Service der Stadt Bautzen" in rest


def test_a_request_naming_a_language_gets_places_speaking_it_or_is_told_there_are_none(action) -> None:
    # "Türkçe konuşan bir doktor arıyorum" (the language slot set from the request), in Stuttgart
    messages = _run(action, topic="health", city="Stuttgart", language="tr", spoken_language="tr")
    cards = [m for m in messages if m.get("buttons")]
    assert cards
    if messages[0]["text"] == message("no_speaker_nearby", "tr", speaks="Türkçe"):
        assert "Türkçe" not in "\n".join(c["text"] for c in cards)  # only said when true
    else:
        assert all("Türkçe" in c["text"] for c in cards)
    # Asked for already: no button offering the same filter again.
    assert message("only_my_language", "tr", speaks="Türkçe") not in _buttons(messages)


@pytest.mark.parametrize(
    ("text", "confidence", "runner_up", "explained"),
    [
        ("где сделать анмельдунг бочум", 0.92, 0.03, True),
        ("где анмельдунг", 0.3, 0.2, False),
        ("где анмельдунг или прописка", 0.55, 0.4, False),
        ("/request_referral", 0.9, 0.05, False),
    ],
    ids=["confident", "unsure", "torn-between-two-answers", "button"],
)
def test_the_request_s_own_question_is_answered_before_the_places(
    action, text, confidence, runner_up, explained
) -> None:
    selector = {"intent_response_key": "faq/anmeldung", "confidence": confidence}
    second = {"intent_response_key": "faq/ummeldung_abmeldung", "confidence": runner_up}
    messages = _run(
        action,
        topic="citizen_office",
        city="Bochum",
        language="ru",
        text=text,
        selector=selector,
        ranking=[second],
    )
    assert (messages[0].get("response") == "utter_faq/anmeldung") is explained


CONFIDENT_ANMELDUNG = {"intent_response_key": "faq/anmeldung", "confidence": 0.9}


@pytest.fixture
def ask_city(demo_db, monkeypatch) -> referral_form.ActionAskCity:
    monkeypatch.setattr(directory, "get_sessionmaker", lambda: demo_db)
    return referral_form.ActionAskCity()


def test_a_question_asked_as_a_request_without_a_town_is_answered_before_the_town_question(
    ask_city,
) -> None:
    # "how do I register my flat, where do I go?": the answer at once, then "in which town?"
    messages, events = _run(
        ask_city,
        topic="citizen_office",
        city=None,
        language="ar",
        text="كيف بسجل السكن ووين لازم روح؟",
        selector=CONFIDENT_ANMELDUNG,
        with_events=True,
    )
    assert [m.get("response") for m in messages][0] == "utter_faq/anmeldung"
    assert messages[1]["text"] == message("ask_city", "ar", cities=", ".join(directory.load_places()))
    assert {"event": "slot", "name": "answered_faq", "value": "anmeldung", "timestamp": None} in events


@pytest.mark.parametrize(
    ("selector", "answered_faq"),
    [
        (CONFIDENT_ANMELDUNG, "anmeldung"),  # asked again (an unknown town): not repeated
        ({"intent_response_key": "faq/anmeldung", "confidence": 0.3}, None),  # unsure: no answer
    ],
    ids=["asked-again", "unsure"],
)
def test_otherwise_only_the_town_question(ask_city, selector, answered_faq) -> None:
    messages = _run(
        ask_city,
        topic="citizen_office",
        city=None,
        language="ar",
        text="كيف بسجل السكن ووين لازم روح؟",
        selector=selector,
        answered_faq=answered_faq,
    )
    assert [m.get("response") for m in messages] == [None]


def test_the_places_after_the_town_do_not_repeat_the_answer_given_before(action) -> None:
    messages = _run(
        action,
        topic="citizen_office",
        city="Bochum",
        language="ar",
        text="كيف بسجل السكن ووين لازم روح؟",
        selector=CONFIDENT_ANMELDUNG,
        answered_faq="anmeldung",
    )
    assert messages, "no places"
    assert all(m.get("response") != "utter_faq/anmeldung" for m in messages)


@pytest.mark.parametrize("town_named", [True, False])
def test_a_question_that_names_a_town_gets_the_places_there_at_once(action, town_named) -> None:
    """After the answer to "how do I register my flat in Berlin?" the places are shown without
    asking again; a question without a town gets the offer with a yes button."""
    parse = {"intent": {"name": "faq", "confidence": 0.99}, "entities": [], "text": "..."}
    events: list[dict[str, Any]] = [{"event": "user", "text": "...", "parse_data": parse}]
    if town_named:  # the slot events of this message's extraction follow its user event
        events.append({"event": "slot", "name": "city", "value": "Berlin"})
    tracker = Tracker(
        sender_id="test",
        slots={
            "city": "Berlin" if town_named else None,
            "language": "en",
            "location": None,
            "answered_faq": None,
            "unanswered_topic": "citizen_office",
            "spoken_language": None,
        },
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_answer_faq",
    )
    dispatcher = CollectingDispatcher()
    returned = offers.ActionOfferReferral().run(dispatcher, tracker, {})
    texts = [m.get("text") or "" for m in dispatcher.messages]
    if town_named:
        assert message("offer_referral", "en") not in texts
        assert len([m for m in dispatcher.messages if m.get("buttons")]) >= 1
        assert "Berlin" in "\n".join(texts)
        assert {"event": "slot", "timestamp": None, "name": "offered_topic", "value": None} in returned
    else:
        assert texts == [message("offer_referral", "en")]
        assert _buttons(dispatcher.messages)[message("yes_find_place", "en")] == (
            '/request_referral{"topic":"citizen_office"}'
        )
