"""Information questions: the answer when the rankings are sure, else "which of these do you
mean?" with the close questions as buttons (never a confidently wrong answer, never an unrelated
question), else one honest line with places or the topic menu."""

from __future__ import annotations

import random

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions import understanding
from referrals.actions.faq_answer import ActionAnswerFaq, pick_payload
from referrals.actions.offers import ActionOfferReferral
from referrals.cards import message
from referrals.content import faq_titles, faq_topics
from referrals.gazetteer import gazetteer
from referrals.topics import SUPPORTED_LANGUAGES, TOPICS


def _tracker(ranking=(), entities=(), slots=None, topics=(), meaning=None) -> Tracker:
    parse = {
        "topic_ranking": [{"name": t, "confidence": c} for t, c in topics],
        # The sentence classifier's ranking; by default it agrees with the selector's.
        "answer_ranking": [
            {"name": faq, "confidence": c} for faq, c in (ranking if meaning is None else meaning)
        ],
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [{"entity": k, "value": v} for k, v in entities],
        "response_selector": {
            "faq": {
                "ranking": [{"intent_response_key": f"faq/{faq}", "confidence": c} for faq, c in ranking],
            }
        },
    }
    return Tracker("test", {"language": "uk", **(slots or {})}, parse, [], False, None, {}, "action_listen")


def _answer(tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = ActionAnswerFaq().run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_sure_choice_is_answered() -> None:
    messages, slots = _answer(_tracker([("kita_place", 0.82), ("kita_costs", 0.1)]))
    assert [m["response"] for m in messages] == ["utter_faq/kita_place"]
    assert slots == {"answered_faq": "kita_place", "unanswered_topic": None}


@pytest.mark.parametrize(
    ("ranking", "offered"),
    [
        # unsure
        ([("kita_place", 0.36), ("kita_costs", 0.32), ("kita_voucher", 0.2)], 3),
        # torn between two: the third, far behind, is no alternative
        ([("kita_place", 0.52), ("kita_costs", 0.46), ("kita_voucher", 0.0)], 2),
    ],
    ids=["unsure", "close-runner-up"],
)
def test_an_unsure_choice_asks_which_question_was_meant(ranking, offered) -> None:
    messages, slots = _answer(_tracker(ranking))
    [asked] = messages
    assert asked["text"] == message("which_question", "uk")
    titles = [b["title"] for b in asked["buttons"]]
    # In the user's language, then "not what I meant".
    assert titles[:-1] == [faq_titles()[faq]["uk"] for faq, _ in ranking[:offered]]
    assert asked["buttons"][0]["payload"] == '/faq{"faq_pick":"kita_place"}'
    assert titles[-1] == message("not_what_i_meant", "uk")
    assert slots == {"answered_faq": None, "unanswered_topic": None}
    # ... and no offer of a place for a question nobody has answered yet.
    dispatcher = CollectingDispatcher()
    events = ActionOfferReferral().run(dispatcher, _tracker(slots={"answered_faq": None}), {})
    assert dispatcher.messages == [] and events[0]["value"] is None


def test_an_answer_the_whole_message_points_to_is_given_though_the_words_were_unsure() -> None:
    # "my daughter is 2, how do I even get her into one of these day care places" in everyday words:
    # the selector hesitates, the sentence classifier is sure.
    unsure_words = [("kita_costs", 0.3), ("kita_place", 0.28), ("kita_voucher", 0.2)]
    sure_meaning = [("kita_place", 0.86), ("kita_voucher", 0.05), ("kita_costs", 0.03)]
    messages, slots = _answer(_tracker(unsure_words, meaning=sure_meaning))
    assert [m["response"] for m in messages] == ["utter_faq/kita_place"]
    assert slots["answered_faq"] == "kita_place"


def test_when_words_and_meaning_disagree_the_user_is_asked() -> None:
    words = [("kita_costs", 0.7), ("kita_place", 0.1)]
    meaning = [("kita_place", 0.7), ("kita_costs", 0.1)]
    [asked], _slots = _answer(_tracker(words, meaning=meaning))
    assert asked["text"] == message("which_question", "uk")
    assert {b["payload"] for b in asked["buttons"][:2]} == {
        pick_payload("kita_costs"),
        pick_payload("kita_place"),
    }


def test_a_button_choice_is_answered_and_a_place_offered() -> None:
    tracker = _tracker(entities=[("faq_pick", "kita_costs")])
    messages, slots = _answer(tracker)
    assert [m["response"] for m in messages] == ["utter_faq/kita_costs"]
    dispatcher = CollectingDispatcher()
    ActionOfferReferral().run(dispatcher, _tracker(slots=slots), {})
    assert dispatcher.messages[0]["text"] == message("offer_referral", "uk")


def test_a_sure_answer_on_another_topic_than_the_message_is_not_shown() -> None:
    # "My naturalisation form asks for the hours of ..." drew the on-call doctor's answer.
    ranking = [("on_call_doctor_116117", 0.83), ("find_doctor", 0.05)]
    messages, slots = _answer(_tracker(ranking, topics=[("citizen_office", 0.71), ("health", 0.08)]))
    assert [m["text"] for m in messages] == [message("cannot_explain", "uk")]
    assert slots == {"answered_faq": None, "unanswered_topic": "citizen_office"}
    dispatcher = CollectingDispatcher()  # ... then places for the message's own topic are offered
    events = ActionOfferReferral().run(dispatcher, _tracker(slots=slots), {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == '/request_referral{"topic":"citizen_office"}'
    assert events[0]["value"] == "citizen_office"


def test_an_answer_that_fits_the_message_or_an_unclear_topic_is_shown() -> None:
    ranking = [("on_call_doctor_116117", 0.83), ("find_doctor", 0.05)]
    for topics in ([("health", 0.9)], [("youth_family", 0.55), ("health", 0.3)], [("women", 0.3)], []):
        messages, _slots = _answer(_tracker(ranking, topics=topics))
        assert [m.get("response") for m in messages] == ["utter_faq/on_call_doctor_116117"], topics


def test_which_of_these_offers_only_questions_of_the_message_topic() -> None:
    ranking = [("kita_place", 0.3), ("on_call_doctor_116117", 0.29), ("kita_costs", 0.2)]
    [asked], _slots = _answer(_tracker(ranking, topics=[("youth_family", 0.8)]))
    payloads = [b["payload"] for b in asked["buttons"]]
    assert payloads == [pick_payload("kita_place"), pick_payload("kita_costs"), "/help"]


def test_a_low_score_that_nothing_comes_near_is_answered_at_once() -> None:
    # "My residence permit runs out in 3 weeks and I got no appointment": 0.25, the next 0.06.
    ranking = [("fiktionsbescheinigung", 0.25), ("buergeramt_appointment", 0.06), ("anmeldung", 0.04)]
    messages, slots = _answer(_tracker(ranking, topics=[("citizen_office", 0.66)]))
    assert [m["response"] for m in messages] == ["utter_faq/fiktionsbescheinigung"]
    assert slots["answered_faq"] == "fiktionsbescheinigung"


def test_a_low_score_with_a_runner_up_near_it_is_not_answered() -> None:
    ranking = [("fiktionsbescheinigung", 0.25), ("residence_permit_extension", 0.15)]
    [asked], _slots = _answer(_tracker(ranking, topics=[("citizen_office", 0.66)]))
    assert asked["text"] == message("which_question", "uk")
    assert [b["payload"] for b in asked["buttons"]] == [
        pick_payload("fiktionsbescheinigung"),
        pick_payload("residence_permit_extension"),
        "/help",
    ]


def test_which_of_these_offers_only_close_questions() -> None:
    # Shelter or its costs: both asked about; general counselling far behind is no alternative.
    ranking = [("frauenhaus_shelter", 0.4), ("frauenhaus_costs", 0.4), ("frauenberatungsstelle", 0.05)]
    [asked], _slots = _answer(_tracker(ranking, topics=[("women", 0.99)]))
    payloads = [b["payload"] for b in asked["buttons"]]
    assert set(payloads) == {pick_payload("frauenhaus_shelter"), pick_payload("frauenhaus_costs"), "/help"}
    assert len(payloads) == 3 and payloads[-1] == "/help"


def test_two_unrelated_questions_are_never_offered_together() -> None:
    # A birth certificate: nothing covers it; recognition of degrees and a Kita place score alike.
    ranking = [("recognition_foreign_qualification", 0.12), ("kita_place", 0.12), ("anmeldung", 0.06)]
    [said], slots = _answer(_tracker(ranking, topics=[("youth_family", 0.38), ("health", 0.17)]))
    assert said["text"] == message("cannot_explain", "uk")
    # Neither question is offered; the topics are, the message's likely ones first.
    payloads = [b["payload"] for b in said["buttons"]]
    assert not any(p.startswith("/faq") for p in payloads)
    assert payloads[0] == '/request_referral{"topic":"youth_family"}'
    assert len(payloads) == len(TOPICS)
    assert slots == {"answered_faq": None, "unanswered_topic": None}


def test_likely_questions_of_two_topics_may_be_offered_together() -> None:
    ranking = [("kita_place", 0.28), ("on_call_doctor_116117", 0.25), ("find_doctor", 0.05)]
    [asked], _slots = _answer(_tracker(ranking, topics=[("youth_family", 0.45), ("health", 0.4)]))
    payloads = [b["payload"] for b in asked["buttons"]]
    assert payloads == [pick_payload("kita_place"), pick_payload("on_call_doctor_116117"), "/help"]


@pytest.mark.parametrize(
    "ranking",
    [
        [("integration_course_travel_costs", 0.11), ("ummeldung_abmeldung", 0.04)],  # one, unlikely
        [("find_doctor", 0.25), ("children_checkups", 0.09)],  # one, not clear enough to answer
        [("anmeldung", 0.05), ("buergeramt_appointment", 0.03)],  # nothing likely
    ],
    ids=["lone-unlikely", "lone-unclear", "nothing-likely"],
)
def test_a_question_without_a_likely_answer_gets_the_honest_line_and_places(ranking) -> None:
    topics = [("citizen_office", 0.6), ("health", 0.25)]
    messages, slots = _answer(_tracker(ranking, topics=topics))
    assert [m["text"] for m in messages] == [message("cannot_explain", "uk")]
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert slots == {"answered_faq": None, "unanswered_topic": "citizen_office"}
    dispatcher = CollectingDispatcher()  # ... then places for the message's topic are offered
    ActionOfferReferral().run(dispatcher, _tracker(slots=slots), {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == '/request_referral{"topic":"citizen_office"}'


def test_the_buttons_of_which_of_these_are_close_and_of_one_topic_unless_likely() -> None:
    rng = random.Random(13)
    faqs = sorted(faq_titles())
    asked = 0
    for _ in range(500):
        scores = sorted((rng.random() ** 3 for _ in range(6)), reverse=True)
        ranking = list(zip(rng.sample(faqs, 6), scores, strict=True))
        messages, _slots = _answer(_tracker(ranking))
        if messages[0].get("text") != message("which_question", "uk"):
            continue
        asked += 1
        offered = [b["payload"] for b in messages[0]["buttons"][:-1]]
        score = dict(ranking)
        chosen = [faq for faq, _ in ranking if pick_payload(faq) in offered]
        best = chosen[0]
        assert 2 <= len(chosen) <= 3
        for faq in chosen[1:]:
            assert score[faq] >= 0.5 * score[best]
            assert faq_topics()[faq] == faq_topics()[best] or score[faq] >= 0.15
    assert asked > 50  # the rankings did reach the question


def test_a_question_that_names_a_town_gets_places_also_when_asked_which_was_meant() -> None:
    ranking = [("kita_place", 0.36), ("kita_costs", 0.32)]
    user = {"event": "user", "text": "...", "parse_data": {}}
    town = {"event": "slot", "name": "city", "value": "Köln"}  # set by the slot extraction
    for events, topic in (([user, town], "youth_family"), ([user], None)):
        tracker = _tracker(ranking)
        tracker.events = events
        [asked], slots = _answer(tracker)
        assert asked["text"] == message("which_question", "uk")
        # action_offer_referral shows the places for that topic where a town came with the question
        # (none where the questions' topics differ); without a town it offers nothing yet.
        assert slots == {"answered_faq": None, "unanswered_topic": topic}


def _after_offer(intent: str, *, entities=(), last_action="action_offer_referral") -> Tracker:
    parse = {
        "text": "Leipzig",
        "intent": {"name": intent},
        "entities": [{"entity": k, "value": v} for k, v in entities],
    }
    events = [
        {"event": "user", "text": "...", "parse_data": {}},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "action", "name": last_action},
        {"event": "slot", "name": "offered_topic", "value": "language_courses"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "Leipzig", "parse_data": parse},
    ]
    slots = {"language": "de", "offered_topic": "language_courses", "topic": "migration_counselling"}
    return Tracker("test", slots, parse, events, False, None, {}, "action_listen")


def test_a_town_given_after_the_offer_of_places_searches_the_offers_topic(monkeypatch) -> None:
    # "Shall I look for a place nearby?" answered with "Leipzig": places for the answer's topic,
    # not for a topic word of the question before (still in the `topic` slot).
    class Places:
        def get(self):
            return self

        def find(self, text):
            return gazetteer().lookup(text)

    monkeypatch.setattr(understanding, "places", lambda: Places())
    monkeypatch.setattr(understanding, "record_turn", lambda *args: None)
    events = understanding.ActionExtractLanguageAndPlace().run(
        CollectingDispatcher(), _after_offer("inform_place"), {}
    )
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["topic"] == "language_courses" and slots["city"] == "Leipzig"


@pytest.mark.parametrize(
    ("tracker", "place_now"),
    [
        (_after_offer("inform_place", last_action="utter_ok"), True),  # the offer was declined
        (_after_offer("request_referral", entities=[("topic", "health")]), True),  # a topic of its own
        (_after_offer("crisis_medical"), True),
        (_after_offer("inform_place"), False),  # no place in it
    ],
    ids=["not-after-the-offer", "own-topic", "crisis", "no-place"],
)
def test_the_offers_topic_is_taken_only_for_a_place_right_after_the_offer(tracker, place_now) -> None:
    intent = tracker.latest_message["intent"]["name"]
    assert understanding.accepted_offer(tracker, intent, place_now) is None
    assert (
        understanding.accepted_offer(_after_offer("inform_place"), "inform_place", True) == "language_courses"
    )


def test_every_answer_has_a_short_title_in_every_language_that_fits_a_button() -> None:
    assert set(faq_titles()) == set(faq_topics())
    for faq, titles in faq_titles().items():
        assert set(titles) == set(SUPPORTED_LANGUAGES), faq
        assert all(0 < len(title) <= 48 for title in titles.values()), faq
        assert len(pick_payload(faq).encode()) <= 64  # Telegram's callback data limit
