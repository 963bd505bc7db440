"""After an information answer: offer a place nearby for the same topic. And language switches."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, button, payload
from referrals.actions.find_referrals import show_places
from referrals.actions.metrics import measured
from referrals.actions.topic_menu import topic_buttons
from referrals.actions.understanding import asked_language, place_given_now
from referrals.cards import message
from referrals.content import faq_topics
from referrals.topics import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, choose_language_payload


@measured
class ActionOfferReferral(ReplyAction):
    """Offer a counselling point for the topic of the question just answered; where the question
    named a town ("how do I register my flat in Köln?") or came with a location, show the places
    at once: the user has already said where."""

    def name(self) -> str:
        return "action_offer_referral"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        # The topic of the answer action_answer_faq just gave, or of the question it could not
        # answer (none when it asked which question was meant).
        topic = faq_topics().get(tracker.get_slot("answered_faq") or "") or tracker.get_slot(
            "unanswered_topic"
        )
        if topic is None:
            return [SlotSet("offered_topic", None)]  # a later "yes" must not accept an old offer
        if place_given_now(tracker):
            show_places(dispatcher, tracker, topic, language, explain=False)
            return [SlotSet("offered_topic", None)]
        dispatcher.utter_message(
            text=message("offer_referral", language),
            buttons=[
                button(message("yes_find_place", language), payload("request_referral", topic=topic)),
                button(message("no_thanks", language), "/deny"),
            ],
        )
        return [SlotSet("offered_topic", topic)]


@measured
class ActionAcceptOffer(Action):
    """A typed "yes" to the offer: the referral form starts with the offered topic."""

    def name(self) -> str:
        return "action_accept_offer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet("topic", tracker.get_slot("offered_topic"))]


@measured
class ActionConfirmLanguage(ReplyAction):
    """Confirm a language switch in the new language, or ask which language with buttons."""

    def name(self) -> str:
        return "action_confirm_language"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        if tracker.get_slot("language_choice") and asked_language(tracker.latest_message or {}):
            dispatcher.utter_message(text=message("language_set", language), buttons=topic_buttons(language))
            return []
        dispatcher.utter_message(
            text=message("choose_language", language),
            buttons=[
                button(LANGUAGE_NAMES[code], choose_language_payload(code)) for code in SUPPORTED_LANGUAGES
            ],
        )
        return []
