"""Per-message slot extraction that needs the application: reply language and place."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.directory import places
from referrals.language import choose_reply_language


class ActionExtractLanguageAndPlace(Action):
    """Custom slot mapping for `language` and `city`, run by Rasa on every user message."""

    def name(self) -> str:
        return "action_extract_language_and_place"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        metadata = message.get("metadata") or {}
        language = choose_reply_language(text, tracker.get_slot("language"), metadata.get("language_code"))
        events: list[EventType] = [SlotSet("language", language)]
        if not text.startswith("/"):  # button payloads carry no place
            place = places().get().find(text)
            if place:
                events.append(SlotSet("city", place.name))
            elif mentioned := _place_entity(message):
                # A place the directory does not know: pass it on so that the form's
                # validation says so, instead of silently keeping an earlier city.
                events.append(SlotSet("city", mentioned))
        return events


def _place_entity(message: dict[str, Any]) -> str | None:
    for entity in message.get("entities") or []:
        if entity.get("entity") == "place" and entity.get("value"):
            return str(entity["value"])
    return None
