"""Answer an information question, or ask which one was meant when the choice is unsure.

Two rankings of the orientation answers come with the parsed message: the response selector's
(words) and the sentence classifier's (`answer_ranking`, the meaning of the whole message, from a
multilingual sentence encoder). Their average decides. Wrong picks mostly have a low score or a
close runner-up, right ones rarely: below ANSWER_CONFIDENCE or ANSWER_MARGIN the user gets the
most likely questions as buttons instead of a wrong answer (ask, don't guess: a wrong
answer is worse than a question back). On the old held-out questions (142, tests/nlu) the
average answered 117 at once with these values (1 wrong), 109 at 0.35/0.15 (1 wrong; of the 33
asked back, the top button was the right answer 26 times), 124 at 0.25/0.1 (2 wrong); the selector
alone 79 (2 wrong). A lower score that nothing else comes near (CLEAR_CONFIDENCE, CLEAR_LEAD) is
answered at once too.

"Which of these do you mean?" offers only real alternatives: questions that score at least
CLOSE_SHARE of the best one, of its topic (or themselves likely). One likely question alone, or
none at all, is no choice to offer: the content most likely does not cover what was asked, and the
user gets one honest line ("I can't explain this myself; a counselling point can") and places for
the message's topic, or the topic menu where the topic is unclear too.

An answer must also fit what the message is about: the sentence classifier of the NLU pipeline
(nlu_components/sentence_classifier.py) ranks the message's topics. When it is sure of a topic
and the chosen answer belongs to another one (a naturalisation form drawing the on-call doctor's
answer), the answer is not shown; the "which of these" buttons offer only answers of the
message's likely topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import (
    ReplyAction,
    button,
    help_button,
    latest_entity,
    payload,
    topic_ranking,
)
from referrals.actions.metrics import measured
from referrals.actions.topic_menu import topic_buttons
from referrals.actions.understanding import place_given_now
from referrals.cards import message
from referrals.content import faq_titles, faq_topics
from referrals.topics import DEFAULT_LANGUAGE

ANSWER_CONFIDENCE = 0.3
ANSWER_MARGIN = 0.1
# Also answered at once: a score from CLEAR_CONFIDENCE that is CLEAR_LEAD times the runner-up's.
# Chosen on the understanding dev set (tests/dev/understanding.yml, model 0e15c29a; the decision
# replayed on the NLU's parse of its 127 information questions): 6 of the 35 asked back before are
# answered at once, each with an answer that names one of the question's expected terms (3 of them
# the very answer asked for, 3 a neighbouring one: Kindergeld for Kinderzuschlag, the integration
# course's exams for naturalisation), none without; information right 78 -> 84 of 127. At 0.2 one
# fewer; at a lead of 2 or 2.5, two more answered without an expected term; lowering
# ANSWER_CONFIDENCE / ANSWER_MARGIN instead (0.25 / 0.05): 5 more right, 1 more wrong.
CLEAR_CONFIDENCE = 0.15
CLEAR_LEAD = 3.0
CHOICES = 3
# "Which of these" offers a question only from CLOSE_SHARE of the best one's score, and of the
# best one's topic unless itself at CLEAR_CONFIDENCE; and only from LIKELY: below, nothing is
# likely. One question alone is no choice: the honest line instead. Dev set: of the 35 "which of
# these" before, 18 offered a question of another topic than the one asked about, 12 none of it;
# now 11 are asked, none offering another topic's question, and 18 get the honest line (with
# places for the message's topic, or the topic menu): 11 of them had no button naming an expected
# term, 5 one that named a term but answers another question, 2 the right question among others
# (one a Russian question typed in Latin letters whose best score was 0.09). Neither setting
# changes how many are answered right.
CLOSE_SHARE = 0.5
LIKELY = 0.1
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


def clear_faq(ranking: list[tuple[str, float]]) -> str | None:
    """The top FAQ id when nothing else comes near it (CLEAR_CONFIDENCE, CLEAR_LEAD)."""
    if not ranking:
        return None
    (best, top), runner_up = ranking[0], (ranking[1][1] if len(ranking) > 1 else 0.0)
    return best if top >= CLEAR_CONFIDENCE and top >= CLEAR_LEAD * runner_up else None


def close_options(ranking: list[tuple[str, float]]) -> list[str]:
    """The questions worth offering as "which of these": the best one when it is likely at all,
    and those close to it (CLOSE_SHARE of its score) of its topic or likely themselves."""
    if not ranking or ranking[0][1] < LIKELY:
        return []
    (best, top), topics = ranking[0], faq_topics()
    return [best] + [
        faq
        for faq, score in ranking[1:]
        if score >= CLOSE_SHARE * top and (topics.get(faq) == topics.get(best) or score >= CLEAR_CONFIDENCE)
    ][: CHOICES - 1]


@dataclass(frozen=True)
class Decision:
    """What to say to an information question: an answer, a choice of questions (`options`; `topic`
    when they share one), or neither (the honest line; places for `topic`, the message's topic,
    when it is known)."""

    answer: str | None = None
    options: tuple[str, ...] = ()
    topic: str | None = None


def decide(parse: dict[str, Any]) -> Decision:
    """The decision for one parsed information question (see the module's docstring)."""
    topics = topic_ranking(parse)
    titles = faq_titles()
    ranking = [(faq, c) for faq, c in faq_ranking(parse) if faq in titles and fits(faq, topics)]
    answer = sure_faq(ranking, ANSWER_CONFIDENCE, ANSWER_MARGIN) or clear_faq(ranking)
    if answer is not None:
        return Decision(answer=answer)
    options = close_options(ranking)
    if len(options) > 1:
        shared = {faq_topics().get(option) for option in options}
        return Decision(options=tuple(options), topic=shared.pop() if len(shared) == 1 else None)
    return Decision(topic=message_topic(topics))


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
        decision = decide(tracker.latest_message or {})
        if decision.answer is not None:
            dispatcher.utter_message(response=f"utter_faq/{decision.answer}")
            return [SlotSet("answered_faq", decision.answer), SlotSet("unanswered_topic", None)]
        if decision.options:
            buttons = [
                button(titles[option].get(language) or titles[option][DEFAULT_LANGUAGE], pick_payload(option))
                for option in decision.options
            ]
            buttons.append(help_button(language))
            dispatcher.utter_message(text=message("which_question", language), buttons=buttons)
            # A question that names a town ("how do I register in Köln?") gets the places there
            # too, as after an answer (action_offer_referral): for the topic its questions share.
            topic = decision.topic if place_given_now(tracker) else None
            return [SlotSet("answered_faq", None), SlotSet("unanswered_topic", topic)]
        if decision.topic is not None:
            # Nothing we can explain on this topic: say so; action_offer_referral offers places.
            dispatcher.utter_message(text=message("cannot_explain", language))
            return [SlotSet("answered_faq", None), SlotSet("unanswered_topic", decision.topic)]
        # Neither the question nor its topic is clear: say so, and let the user choose the topic
        # (the likely ones first).
        ranking = topic_ranking(tracker.latest_message or {})
        dispatcher.utter_message(
            text=message("cannot_explain", language), buttons=topic_buttons(language, ranking)
        )
        return [SlotSet("answered_faq", None), SlotSet("unanswered_topic", None)]
