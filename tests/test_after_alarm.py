"""After the emergency numbers: the answer a worried question also asked for, only where the alarm
was unsure. A sure alarm keeps the numbers alone; an unsure one adds the orientation answer (or the
topic's places) in the user's language."""

from __future__ import annotations

import json

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.after_alarm import DIET_SURE_OTHER, SENTENCE_SURE_NONE, ActionAnswerAfterAlarm
from referrals.cards import message
from referrals.topics import TOPICS

SURE_ANSWER = [("jugendamt", 0.8), ("kita_place", 0.05)]


def _parse(
    intents: list[tuple[str, float]],
    no_crisis: float,
    answers=SURE_ANSWER,
    topics=(("youth_family", 0.9),),
    phrase: bool = False,
) -> dict:
    parse = {
        "intent": {"name": intents[0][0], "confidence": intents[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in intents],
        "sentence_crisis": {"none": no_crisis, "child_danger": round(1 - no_crisis, 3)},
        "topic_ranking": [{"name": t, "confidence": c} for t, c in topics],
        "answer_ranking": [{"name": f, "confidence": c} for f, c in answers],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{f}", "confidence": c} for f, c in answers]}
        },
        "entities": [],
    }
    if phrase:
        parse["crisis_phrase"] = {"overridden": intents[1][0]}
    return parse


def _after(parse: dict, language: str = "tr") -> list[dict]:
    tracker = Tracker("test", {"language": language}, parse, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionAnswerAfterAlarm().run(dispatcher, tracker, {})
    return dispatcher.messages


def test_a_sure_alarm_keeps_the_numbers_alone() -> None:
    both_agree = _parse([("crisis_child_danger", 0.97), ("faq", 0.02)], no_crisis=0.05)
    assert _after(both_agree) == []


def test_a_listed_emergency_wording_is_sure_whatever_the_classifiers_say() -> None:
    phrase = _parse([("crisis_child_danger", 1.0), ("faq", 0.9)], no_crisis=0.8, phrase=True)
    assert _after(phrase) == []


def test_an_alarm_the_whole_message_doubts_adds_the_answer_after_the_numbers() -> None:
    # DIET read an emergency in the words; the whole message is more likely none.
    doubted = _parse([("crisis_child_danger", 0.9), ("faq", 0.08)], no_crisis=max(0.6, SENTENCE_SURE_NONE))
    intro, answer = _after(doubted)
    assert intro["text"] == message("after_alarm_answer", "tr")
    assert answer["response"] == "utter_faq/jugendamt"


def test_an_alarm_over_a_sure_question_adds_the_answer() -> None:
    # The sentence classifier raised it, while DIET was sure the message is a question.
    over_question = _parse([("crisis_child_danger", 0.6), ("faq", max(0.95, DIET_SURE_OTHER))], no_crisis=0.4)
    assert [m.get("response") for m in _after(over_question)] == [None, "utter_faq/jugendamt"]


def test_an_unsure_alarm_over_a_request_offers_the_topics_places() -> None:
    request = _parse([("crisis_child_danger", 0.55), ("request_referral", 0.97)], no_crisis=0.45)
    [offer] = _after(request, language="ar")
    assert offer["text"] == message("after_alarm_places", "ar")
    [button] = offer["buttons"]
    assert button["title"] == TOPICS["youth_family"].label("ar")
    assert button["payload"] == "/request_referral" + json.dumps(
        {"topic": "youth_family"}, separators=(",", ":")
    )


def test_no_answer_is_guessed_when_neither_answer_nor_topic_is_sure() -> None:
    vague = _parse(
        [("crisis_child_danger", 0.6), ("faq", 0.95)],
        no_crisis=0.4,
        answers=[("jugendamt", 0.3), ("kita_place", 0.28)],
        topics=(("youth_family", 0.3), ("health", 0.3)),
    )
    assert _after(vague) == []


def test_an_alarm_raised_over_an_unsure_reading_stays_alone() -> None:
    unsure_diet = _parse([("crisis_child_danger", 0.7), ("faq", 0.3)], no_crisis=0.3)
    assert _after(unsure_diet) == []
