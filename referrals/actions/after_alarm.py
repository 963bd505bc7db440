"""After the emergency numbers, the answer to the question the message may also have asked.

The emergency decision errs on the side of alarm: a worried parent asking "from what age may a
child stay home alone?" can get 110 and 116 111. Where the alarm is unsure (no crisis phrase matched
and the two readings of the message disagree: DIET's words against the sentence classifier's whole
message), the numbers still come first, from Rasa's own responses (they work with this server
down), and this action then adds what the other reading asked for: the orientation answer when it
is sure and fits, or a button to the counselling places of the message's topic. A sure alarm gets
nothing more: the numbers stand alone.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.faq_answer import (
    ANSWER_CONFIDENCE,
    ANSWER_MARGIN,
    faq_ranking,
    fits,
    message_topic,
    sure_faq,
    topic_ranking,
)
from referrals.actions.metrics import measured
from referrals.cards import message
from referrals.content import faq_titles
from referrals.topics import DEFAULT_LANGUAGE, TOPICS

# An alarm is unsure when the reading that did not raise it is this sure there is no emergency:
# the sentence classifier's probability of "none" when DIET raised it, DIET's confidence in a
# non-crisis intent when the sentence classifier did. Chosen on the crisis dev set (tests/dev).
SENTENCE_SURE_NONE = 0.3
DIET_SURE_OTHER = 0.6


def other_reading(parse: dict[str, Any]) -> tuple[str, float] | None:
    """The best non-crisis intent and its confidence, when the alarm is unsure; else None."""
    intent = str((parse.get("intent") or {}).get("name") or "")
    if not intent.startswith("crisis_") or parse.get("crisis_phrase"):
        return None  # no alarm, or a listed emergency wording: sure
    others = [
        (str(i.get("name")), float(i.get("confidence") or 0))
        for i in parse.get("intent_ranking") or []
        if not str(i.get("name")).startswith("crisis_") and i.get("name") != "nlu_fallback"
    ]
    if not others:
        return None
    no_crisis = float((parse.get("sentence_crisis") or {}).get("none", 0.0))
    diet_raised = not (parse.get("sentence_crisis") or {}) or no_crisis >= 0.5
    if diet_raised:
        # DIET read an emergency in the words; the whole message says otherwise often enough.
        return others[0] if no_crisis >= SENTENCE_SURE_NONE else None
    # The sentence classifier raised it over DIET's reading: unsure when DIET was sure of another.
    return others[0] if others[0][1] >= DIET_SURE_OTHER else None


@measured
class ActionAnswerAfterAlarm(Action):
    def name(self) -> str:
        return "action_answer_after_alarm"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        parse = tracker.latest_message or {}
        reading = other_reading(parse)
        if reading is None:
            return []
        language = tracker.get_slot("language") or DEFAULT_LANGUAGE
        topics = topic_ranking(parse)
        if reading[0] == "faq":
            titles = faq_titles()
            ranking = [(f, c) for f, c in faq_ranking(parse) if f in titles and fits(f, topics)]
            faq = sure_faq(ranking, ANSWER_CONFIDENCE, ANSWER_MARGIN)
            if faq is not None:
                dispatcher.utter_message(text=message("after_alarm_answer", language))
                dispatcher.utter_message(response=f"utter_faq/{faq}")
                return [SlotSet("answered_faq", faq)]
        topic = message_topic(topics)
        if reading[0] in ("faq", "request_referral") and topic in TOPICS:
            payload = "/request_referral" + json.dumps({"topic": topic}, separators=(",", ":"))
            dispatcher.utter_message(
                text=message("after_alarm_places", language),
                buttons=[{"title": TOPICS[topic].label(language), "payload": payload}],
            )
        return []
