"""The topic menu: one button per topic, labelled in the reply language.

Built here rather than in domain responses so that topic labels have one home
(referrals.topics) and button payloads escape Rasa's response templating.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, button, payload, topic_ranking
from referrals.actions.metrics import measured
from referrals.cards import message
from referrals.topics import MENU_TOPICS, TOPICS

# A topic the sentence classifier gives at least this probability is likely: its button comes first.
LIKELY_TOPIC = 0.15


def topic_buttons(language: str, ranking: list[tuple[str, float]] | None = None) -> list[dict[str, str]]:
    """One button per topic; the message's likely topics (`ranking`, best first) lead the menu."""
    likely = [code for code, p in ranking or [] if code in TOPICS and p >= LIKELY_TOPIC]
    return [
        button(TOPICS[code].label(language), payload("request_referral", topic=code))
        for code in [*likely, *(c for c in MENU_TOPICS if c not in likely)]
    ]


@measured
class ActionTopicMenu(ReplyAction):
    """Shows the topic menu (after a greeting, on /help, after a misunderstanding)."""

    def name(self) -> str:
        return "action_topic_menu"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        buttons = topic_buttons(language, self.ranking(tracker))
        dispatcher.utter_message(text=message("choose_topic", language), buttons=buttons)
        return []

    def ranking(self, tracker: Tracker) -> list[tuple[str, float]] | None:
        """The topics to put first: none after a greeting or a misunderstanding."""
        return None


@measured
class ActionAskTopic(ActionTopicMenu):
    """The referral form's question for the `topic` slot."""

    def name(self) -> str:
        return "action_ask_topic"

    def ranking(self, tracker: Tracker) -> list[tuple[str, float]] | None:
        # The request named no topic clearly enough to search; its likely topics come first.
        return topic_ranking(tracker.latest_message or {})
