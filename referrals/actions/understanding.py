"""Per-message slot extraction that needs the application: reply language and place."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.directory import places
from referrals.language import choose_reply_language
from referrals.topics import SUPPORTED_LANGUAGES


class ActionExtractLanguageAndPlace(Action):
    """Custom slot mapping for `language`, `language_choice` and `city`, on every user message."""

    def name(self) -> str:
        return "action_extract_language_and_place"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        metadata = message.get("metadata") or {}
        events: list[EventType] = []
        choice = tracker.get_slot("language_choice")
        if (message.get("intent") or {}).get("name") == "choose_language":
            asked = _entity(message, "language")
            if asked in SUPPORTED_LANGUAGES:
                choice = asked
                events.append(SlotSet("language_choice", choice))
        language = choice or choose_reply_language(
            text, tracker.get_slot("language"), metadata.get("language_code")
        )
        events.append(SlotSet("language", language))
        if not text.startswith("/"):  # button payloads carry no place
            place = places().get().find(text)
            if place:
                events.append(SlotSet("city", place.name))
            elif mentioned := _entity(message, "place"):
                # A place nobody knows: pass it on so that the form's validation says so,
                # instead of silently keeping an earlier city.
                events.append(SlotSet("city", mentioned))
        return events


def _entity(message: dict[str, Any], name: str) -> str | None:
    for entity in message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None
