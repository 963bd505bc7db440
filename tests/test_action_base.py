"""What every action shares (referrals/actions/base.py), as a user meets it: the reply language
before any was chosen, buttons that Telegram accepts, and a button payload naming nothing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import MAX_PAYLOAD_BYTES, button, payload
from referrals.actions.report_problem import ActionReportProblem
from referrals.actions.topic_menu import ActionTopicMenu
from referrals.cards import message
from referrals.topics import MENU_TOPICS, TOPICS


def _replies(action: Any, slots: dict[str, Any], parse: dict[str, Any]) -> list[dict[str, Any]]:
    tracker = Tracker("test", slots, parse, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, tracker, {})
    return dispatcher.messages


def test_before_a_language_is_known_the_reply_is_german() -> None:
    # "es": a language the assistant does not speak (e.g. a slot set from an old conversation).
    for slots in ({}, {"language": None}, {"language": ""}, {"language": "es"}):
        [menu] = _replies(ActionTopicMenu(), slots, {})
        assert menu["text"] == message("choose_topic", "de")
        assert [b["title"] for b in menu["buttons"]] == [TOPICS[c].label("de") for c in MENU_TOPICS]


def test_the_chosen_language_is_kept() -> None:
    [menu] = _replies(ActionTopicMenu(), {"language": "uk"}, {})
    assert menu["text"] == message("choose_topic", "uk")


def test_a_payload_within_telegrams_64_bytes_is_sent_as_it_is() -> None:
    sends = payload("request_referral", topic="health", page=2)
    assert sends == '/request_referral{"topic":"health","page":2}'
    assert button("Mehr", sends) == {"title": "Mehr", "payload": sends}


def test_a_payload_over_64_bytes_sends_the_title_instead() -> None:
    too_long = payload("request_referral", topic="x" * 80)
    assert button("Gesundheit", too_long) == {"title": "Gesundheit", "payload": "Gesundheit"}
    # A long title is cut to 64 bytes, never in the middle of a character.
    title = "Здоровье и уход за пожилыми людьми в вашем городе"
    sent = button(title, too_long)["payload"]
    assert len(sent.encode()) <= MAX_PAYLOAD_BYTES and title.startswith(sent) and sent


def test_an_empty_entity_counts_as_none() -> None:
    """`/report_problem{"ref":""}` names no entry: the user is told where the button is."""
    parse = {"intent": {"name": "report_problem"}, "entities": [{"entity": "ref", "value": ""}]}
    [reply] = _replies(ActionReportProblem(), {"language": "en"}, parse)
    assert reply["text"] == message("report_how", "en")
