"""What every action reads from a turn and writes back: the reply language, the latest message's
intent and entities, and buttons.

Functions, so that the form validation (a FormValidationAction) and the slot extraction can use
them too; and ReplyAction, for the actions that answer: they all start from the reply language.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from referrals.cards import message
from referrals.parse_data import entity, supported_language

log = logging.getLogger("referrals.actions")

MAX_PAYLOAD_BYTES = 64  # Telegram's limit for a button's callback data


def reply_language(tracker: Tracker) -> str:
    """The language to answer in: the slot action_extract_language_and_place sets on every user
    message; German while it is unset or holds a language the assistant does not speak."""
    return supported_language(tracker.get_slot("language"))


def latest_intent(tracker: Tracker) -> str:
    """The intent of the latest user message ("" when there is none)."""
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first `name` entity of the latest user message (see `entity`)."""
    return entity(tracker.latest_message or {}, name)


def topic_ranking(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """(topic, confidence) of the whole message, as the NLU's sentence classifier ranked them."""
    return [(str(t.get("name")), float(t.get("confidence") or 0)) for t in parse.get("topic_ranking") or []]


def payload(intent: str, **entities: str | int) -> str:
    """What a button sends Rasa: `/intent{"entity":"value"}`, without spaces (each byte counts)."""
    return f"/{intent}" + json.dumps(entities, separators=(",", ":"))


def button(title: str, sends: str) -> dict[str, str]:
    """A button sending `sends`. Over Telegram's 64 bytes it sends its title instead, as the
    adapter would (bot/rendering.py): the NLU understands the title as if it had been typed."""
    if len(sends.encode()) > MAX_PAYLOAD_BYTES:
        # Payloads are short by design: a long one is a bug worth seeing (its text may be the user's).
        log.warning("a button payload of %d bytes sends its title instead", len(sends.encode()))
        sends = title.encode()[:MAX_PAYLOAD_BYTES].decode(errors="ignore")
    return {"title": title, "payload": sends}


def help_button(language: str) -> dict[str, str]:
    """The "not what I meant" button: back to the topic menu (intent help)."""
    return button(message("not_what_i_meant", language), "/help")


class ReplyAction(Action, ABC):
    """An action that answers the user: rasa-sdk's `run`, given the reply language.

    Abstract, so that rasa-sdk's executor does not register it as an action of its own."""

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return self.reply(dispatcher, tracker, reply_language(tracker))

    @abstractmethod
    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        """Say what this action says, in `language`; the events it returns (slots) as `run`'s."""
