"""Switching the conversation's language by asking for it in words."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.offers import ActionConfirmLanguage
from referrals.actions.understanding import asked_language
from referrals.cards import message


def _message(text: str, entities=()) -> dict:
    return {
        "text": text,
        "intent": {"name": "choose_language", "confidence": 0.9},
        "entities": [{"entity": "language", "value": v} for v in entities],
    }


def test_a_language_named_in_words_is_taken_when_the_nlu_found_no_entity() -> None:
    assert asked_language(_message("بالعربي لو سمحت")) == "ar"
    assert asked_language(_message("auf Deutsch bitte")) == "de"
    assert asked_language(_message("can you speak", entities=["tr"])) == "tr"  # the entity first
    assert asked_language(_message("can you write in another language")) is None
    assert asked_language(_message('/choose_language{"language":"xx"}')) is None


def test_the_switch_is_confirmed_in_the_new_language() -> None:
    tracker = Tracker(
        "test",
        {"language": "ar", "language_choice": "ar"},
        _message("بالعربي لو سمحت"),
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    ActionConfirmLanguage().run(dispatcher, tracker, {})
    [confirmation] = dispatcher.messages
    assert confirmation["text"] == message("language_set", "ar")


def test_without_a_named_language_the_user_chooses_from_buttons() -> None:
    tracker = Tracker(
        "test", {"language": "de"}, _message("andere Sprache bitte"), [], False, None, {}, "action_listen"
    )
    dispatcher = CollectingDispatcher()
    ActionConfirmLanguage().run(dispatcher, tracker, {})
    [question] = dispatcher.messages
    assert question["text"] == message("choose_language", "de")
    assert len(question["buttons"]) == 8
