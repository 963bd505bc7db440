"""Answer a completed referral form with up to three directory entries."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.directory import places
from referrals.actions.report_problem import report_button
from referrals.actions.understanding import shared_place
from referrals.cards import card, header, message
from referrals.db import get_sessionmaker
from referrals.search import search
from referrals.statistics.recording import record_referral

MAX_CARDS = 3


class ActionFindReferrals(Action):
    def name(self) -> str:
        return "action_find_referrals"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = tracker.get_slot("language") or "de"
        topic = tracker.get_slot("topic")
        city = tracker.get_slot("city")
        place = shared_place(tracker) or (places().get().named(city) if city else None)
        with get_sessionmaker()() as session:
            result = search(session, topic, place, prefer_language=language, limit=MAX_CARDS)
        record_referral(topic, city, result.scope, [r.organization for r in result.referrals])

        other_topic = [{"title": message("not_what_i_meant", language), "payload": "/help"}]
        if not result.referrals:
            dispatcher.utter_message(text=message("nothing_found", language), buttons=other_topic)
            return []
        if result.scope == "nationwide":
            dispatcher.utter_message(text=message("nationwide_instead", language, city=city or "?"))
        elif result.scope == "nearby":
            dispatcher.utter_message(text=message("nearby_instead", language, city=city or "?"))
        else:
            dispatcher.utter_message(text=header(topic, city, language))
        for index, referral in enumerate(result.referrals):
            last = index == len(result.referrals) - 1
            buttons = [*(other_topic if last else []), report_button(referral.service_id, language)]
            dispatcher.utter_message(text=card(referral, language), buttons=buttons)
        return []
