"""Validation of the referral form (topic -> city)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, latest_intent, reply_language
from referrals.actions.directory import load_places, places
from referrals.actions.faq_answer import explanation
from referrals.actions.metrics import measured
from referrals.actions.understanding import shared_place
from referrals.cards import message
from referrals.topics import TOPICS


@measured
class ValidateReferralForm(FormValidationAction):
    def name(self) -> str:
        return "validate_referral_form"

    def validate_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Accept only codes of the taxonomy; anything else makes the form ask with buttons."""
        return {"topic": value if value in TOPICS else None}

    def validate_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Normalise to a known place; say which places the directory has when it is not one."""
        resolver = places().get()
        if latest_intent(tracker) == "inform_place" and (shared := shared_place(tracker)):
            return {"city": shared.name}
        place = resolver.named(str(value or "")) or resolver.find(str(value or ""))
        if place:
            return {"city": place.name}
        if latest_intent(tracker) in ("affirm", "deny"):
            return {"city": None}  # "yes"/"no" is not a place: just ask again
        language = reply_language(tracker)
        dispatcher.utter_message(
            text=message("unknown_city", language, text=str(value)[:60], cities=", ".join(load_places()))
        )
        return {"city": None}


@measured
class ActionAskCity(ReplyAction):
    """The referral form's question for the `city` slot, naming the directory's places."""

    def name(self) -> str:
        return "action_ask_city"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        events: list[EventType] = []
        # A request that asks a question ("how do I register my flat, where do I go?") gets its
        # answer first, not only after the town; action_find_referrals then does not repeat it.
        topic = tracker.get_slot("topic")
        if topic and (faq := explanation(tracker, topic)):
            dispatcher.utter_message(response=f"utter_faq/{faq}")
            events.append(SlotSet("answered_faq", faq))
        # Telegram shows a "send my location" button for this (custom payload, see bot/rendering.py).
        dispatcher.utter_message(
            text=message("ask_city", language, cities=", ".join(load_places())),
            json_message={"request_location": message("share_location", language)},
        )
        return events
