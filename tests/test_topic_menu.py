"""The topic menu the referral form shows when a request named no topic clearly enough: the topics
the message is likely about come first, so the user finds theirs without scrolling eight buttons."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.topic_menu import ActionAskTopic, ActionTopicMenu
from referrals.cards import message
from referrals.topics import MENU_TOPICS, TOPICS


def _menu(action, parse: dict) -> list[str]:
    tracker = Tracker("test", {"language": "fa"}, parse, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, tracker, {})
    [menu] = dispatcher.messages
    assert menu["text"] == message("choose_topic", "fa")
    return [b["title"] for b in menu["buttons"]]


def test_the_forms_menu_puts_the_likely_topics_first() -> None:
    parse = {
        "topic_ranking": [
            {"name": "seniors_care", "confidence": 0.4},
            {"name": "health", "confidence": 0.3},
            {"name": "women", "confidence": 0.05},
        ]
    }
    titles = _menu(ActionAskTopic(), parse)
    assert titles[:2] == [TOPICS["seniors_care"].label("fa"), TOPICS["health"].label("fa")]
    # Every topic stays on offer, once; the unlikely ones in the usual order.
    assert sorted(titles) == sorted(TOPICS[c].label("fa") for c in MENU_TOPICS)
    rest = [c for c in MENU_TOPICS if c not in ("seniors_care", "health")]
    assert titles[2:] == [TOPICS[c].label("fa") for c in rest]


def test_without_a_ranking_the_menu_keeps_its_order() -> None:
    expected = [TOPICS[c].label("fa") for c in MENU_TOPICS]
    assert _menu(ActionAskTopic(), {}) == expected
    assert _menu(ActionTopicMenu(), {"topic_ranking": [{"name": "women", "confidence": 0.9}]}) == expected
