"""Answer an information question, or ask which one was meant when the choice is unsure.

Two rankings of the orientation answers come with the parsed message: the response selector's
(words) and the sentence classifier's (`answer_ranking`, the meaning of the whole message, from a
multilingual sentence encoder). Their average decides. Wrong picks mostly have a low score or a
close runner-up, right ones rarely: below ANSWER_CONFIDENCE or ANSWER_MARGIN the user gets the
three most likely questions as buttons instead of a wrong answer (ask, don't guess: a wrong
answer is worse than a question back). On the old held-out questions (142, tests/nlu) the
average answered 117 at once with these values (1 wrong), 109 at 0.35/0.15 (1 wrong; of the 33
asked back, the top button was the right answer 26 times), 124 at 0.25/0.1 (2 wrong); the selector
alone 79 (2 wrong).

An answer must also fit what the message is about: the sentence classifier of the NLU pipeline
(nlu_components/sentence_classifier.py) ranks the message's topics. When it is sure of a topic
and the chosen answer belongs to another one (a naturalisation form drawing the on-call doctor's
answer), the user gets one honest line and places for the message's topic instead; the "which of
these" buttons offer only answers of the message's likely topics.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, button, help_button, latest_entity, payload
from referrals.actions.metrics import measured
from referrals.cards import message
from referrals.content import faq_titles, faq_topics
from referrals.topics import DEFAULT_LANGUAGE

ANSWER_CONFIDENCE = 0.3
ANSWER_MARGIN = 0.1
CHOICES = 3
# The message's topic counts when the sentence classifier gives it at least TOPIC_SURE; an answer
# fits when its topic has at least TOPIC_ALSO (maternity leave at work is women and work alike).
TOPIC_SURE = 0.5
TOPIC_ALSO = 0.2
# A referral request also gets the orientation answer it asks for from this score ...
EXPLAIN_CONFIDENCE = 0.5
# ... and this far ahead of the runner-up: "my son needs a Kita, where do I go" scored Kita
# place and Kita fees alike, and the fees answer is wrong for it. No answer beats a wrong one.
EXPLAIN_MARGIN = 0.25


def pick_payload(faq: str) -> str:
    """What a "did you mean" button sends: the FAQ intent with the chosen answer."""
    return payload("faq", faq_pick=faq)


def _picked(tracker: Tracker) -> str | None:
    picked = latest_entity(tracker, "faq_pick")
    return picked if picked in faq_titles() else None


def faq_ranking(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """(FAQ id, score) for one parsed message, best first: the average of the response selector's
    confidence and the sentence classifier's, or the selector's alone where the other is missing
    (the encoder could not load)."""
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    by_words = {
        str(r.get("intent_response_key") or "").removeprefix("faq/"): float(r.get("confidence") or 0)
        for r in selector.get("ranking") or []
    }
    by_meaning = {
        str(r.get("name")): float(r.get("confidence") or 0) for r in parse.get("answer_ranking") or []
    }
    if not by_meaning:
        scores = by_words
    else:
        scores = {
            f: (by_words.get(f, 0.0) + by_meaning.get(f, 0.0)) / 2 for f in by_words.keys() | by_meaning
        }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def sure_faq(ranking: list[tuple[str, float]], confidence: float, margin: float) -> str | None:
    """The top FAQ id when it reaches `confidence` and leads the runner-up by `margin`."""
    if not ranking:
        return None
    (best, top), runner_up = ranking[0], (ranking[1][1] if len(ranking) > 1 else 0.0)
    return best if top >= confidence and top - runner_up >= margin else None


def topic_ranking(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """(topic, confidence) of the whole message, as the NLU's sentence classifier ranked them."""
    return [(str(t.get("name")), float(t.get("confidence") or 0)) for t in parse.get("topic_ranking") or []]


def message_topic(ranking: list[tuple[str, float]]) -> str | None:
    """The message's topic when the sentence classifier is sure of it."""
    return ranking[0][0] if ranking and ranking[0][1] >= TOPIC_SURE else None


def fits(faq: str, ranking: list[tuple[str, float]]) -> bool:
    """Whether an answer's topic agrees with the message (always, when its topic is unclear)."""
    if message_topic(ranking) is None:
        return True
    return any(topic == faq_topics().get(faq) and p >= TOPIC_ALSO for topic, p in ranking)


def explanation(tracker: Tracker, topic: str) -> str | None:
    """The orientation answer the user's own request asked for, if any (a mother who asks where
    to go for a Kita first learns what a Kita place is and how to apply).

    Read from the response selector's prediction for the message that started the
    referral; only a confident FAQ of the same topic, clearly ahead of the next one,
    never for a button press, and not when it was the last answer given (`answered_faq`:
    action_ask_city gives it before asking for the town, the places after it must not repeat it).
    """
    for event in reversed(tracker.events[-30:]):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") != "request_referral":
            continue  # e.g. the city given after the form asked for it
        if str(event.get("text") or "").startswith("/"):
            return None
        faq = sure_faq(faq_ranking(parse), EXPLAIN_CONFIDENCE, EXPLAIN_MARGIN)
        fitting = faq and faq_topics().get(faq) == topic
        return faq if fitting and faq != tracker.get_slot("answered_faq") else None
    return None


@measured
class ActionAnswerFaq(ReplyAction):
    def name(self) -> str:
        return "action_answer_faq"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        titles = faq_titles()
        picked = _picked(tracker)
        if picked is not None:  # a "which of these" button
            dispatcher.utter_message(response=f"utter_faq/{picked}")
            return [SlotSet("answered_faq", picked), SlotSet("unanswered_topic", None)]
        parse = tracker.latest_message or {}
        topics = topic_ranking(parse)
        ranking = [(faq, c) for faq, c in faq_ranking(parse) if faq in titles and fits(faq, topics)]
        faq = sure_faq(ranking, ANSWER_CONFIDENCE, ANSWER_MARGIN)
        if faq is not None:
            dispatcher.utter_message(response=f"utter_faq/{faq}")
            return [SlotSet("answered_faq", faq), SlotSet("unanswered_topic", None)]
        if not ranking and (topic := message_topic(topics)):
            # Nothing we can explain on this topic: say so; action_offer_referral offers places.
            dispatcher.utter_message(text=message("cannot_explain", language))
            return [SlotSet("answered_faq", None), SlotSet("unanswered_topic", topic)]
        buttons = [
            button(titles[option].get(language) or titles[option][DEFAULT_LANGUAGE], pick_payload(option))
            for option, _confidence in ranking[:CHOICES]
        ]
        buttons.append(help_button(language))
        dispatcher.utter_message(text=message("which_question", language), buttons=buttons)
        return [SlotSet("answered_faq", None), SlotSet("unanswered_topic", None)]
