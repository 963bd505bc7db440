"""Handover to a person, as far as Rasa takes part: the "✉️ Write to <organisation>" button under
the cards of services that take questions in writing, and the answer to "can I talk to a
person?" (intent request_human): those services for the conversation's topic and place.

The button's payload, `write:<short ref>`, is not a Rasa intent: the Telegram adapter takes it
(bot/handover.py), asks for consent and runs the thread without Rasa.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from referrals.actions.base import ReplyAction, button
from referrals.actions.understanding import conversation_place
from referrals.cards import message
from referrals.db import get_sessionmaker
from referrals.directory.refs import short_ref
from referrals.directory.search import Referral, search
from referrals.handover import threads

WRITE_PREFIX = "write:"
OFFERED = 3
SEARCHED = 30  # opted-in services are few: look further down the ranking for them


def write_button(service_id: str, organization: str, language: str) -> dict[str, str]:
    return button(
        message("write_to", language, organisation=organization), WRITE_PREFIX + short_ref(service_id)
    )


def write_buttons(session: Session, shown: list[Referral], language: str) -> dict[str, dict[str, str]]:
    """The button per shown service that takes questions in writing, by service id."""
    writable = threads.opted_in(session, [r.service_id for r in shown])
    return {
        r.service_id: write_button(r.service_id, r.organization, language)
        for r in shown
        if r.service_id in writable
    }


class ActionOfferHandover(ReplyAction):
    def name(self) -> str:
        return "action_offer_handover"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        topic = tracker.get_slot("topic")
        place = conversation_place(tracker)
        if not topic or place is None:
            dispatcher.utter_message(text=message("handover_ask", language))
            return []
        with get_sessionmaker()() as session:
            found = search(session, topic, place, prefer_language=language, limit=SEARCHED).referrals
            buttons = list(write_buttons(session, found, language).values())[:OFFERED]
        if not buttons:
            dispatcher.utter_message(text=message("handover_none", language))
            return []
        dispatcher.utter_message(text=message("handover_offer", language), buttons=buttons)
        return []
