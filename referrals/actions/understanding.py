"""Per-message slot extraction that needs the application: reply language and place."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import latest_entity, latest_intent
from referrals.actions.directory import places
from referrals.actions.metrics import measured
from referrals.content import towns_with_local_emergency_service
from referrals.gazetteer import Place, gazetteer
from referrals.language import choose_reply_language, named_language, requested_spoken_language
from referrals.parse_data import entity
from referrals.statistics.recording import record_turn
from referrals.topics import SUPPORTED_LANGUAGES


@measured
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
        intent = latest_intent(tracker)
        if intent == "choose_language":
            asked = asked_language(message)
            if asked is not None:
                choice = asked
                events.append(SlotSet("language_choice", choice))
        language = choice or choose_reply_language(
            text, tracker.get_slot("language"), metadata.get("language_code")
        )
        events.append(SlotSet("language", language))
        if intent == "request_referral" and not text.startswith("/"):
            # Each new request says afresh whether it wants a language ("more" buttons keep it).
            events.append(SlotSet("spoken_language", requested_spoken_language(text)))
        named = None if text.startswith("/") else places().get().find(text)
        latitude, longitude = entity(message, "latitude"), entity(message, "longitude")
        if latitude is not None and longitude is not None:  # a shared location
            place = places().get().at(float(latitude), float(longitude))
            if place is not None:
                events += [SlotSet("city", place.name), SlotSet("location", f"{latitude},{longitude}")]
        elif not text.startswith("/") and not intent.startswith("crisis_"):
            # Button payloads carry no place; a crisis message must not fill the form's place
            # (the form would go on with a search instead of the crisis rules answering).
            if named:
                events += [SlotSet("city", named.name), SlotSet("location", None)]
            elif mentioned := entity(message, "place"):
                # A place nobody knows: pass it on so that the form's validation says so,
                # instead of silently keeping an earlier city.
                events += [SlotSet("city", mentioned), SlotSet("location", None)]
        shared = latitude is not None and longitude is not None
        if (offered := accepted_offer(tracker, intent, bool(named) or shared)) is not None:
            events.append(SlotSet("topic", offered))
        events.append(SlotSet("local_emergency_town", local_emergency_town(named, tracker, events)))
        record_turn(tracker, events)  # once per user message (also run again when a form starts)
        return events


def accepted_offer(tracker: Tracker, intent: str, place_now: bool) -> str | None:
    """The topic of the places just offered after an answer ("Shall I look for a place nearby?"),
    when the user replies with a town or a shared location instead of "yes": places for the
    offer's topic, not for a topic word the NLU saw in the question before (the `topic` slot
    keeps the last one: a question about German courses that named "migration" too)."""
    offered = tracker.get_slot("offered_topic")
    if not offered or not place_now or intent not in ("inform_place", "request_referral"):
        return None
    if latest_entity(tracker, "topic"):
        return None  # the message names a topic of its own
    return offered if last_action_before_message(tracker) == "action_offer_referral" else None


def last_action_before_message(tracker: Tracker) -> str | None:
    """The assistant's last action before the latest user message (action_listen not counted)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None


def local_emergency_town(named: Place | None, tracker: Tracker, events: list[EventType]) -> str | None:
    """The town named now (even in a crisis message), else the conversation's town, when a crisis
    answer has a local service for it."""
    town = named.name if named else _last_set(events, "city") or tracker.get_slot("city")
    return local_service_town(town)


def local_service_town(town: str | None) -> str | None:
    """The name under which content/crisis.yml `local` has the town (the slot's value must be
    that name exactly), also when the town comes spelled otherwise: the gazetteer's name of a
    place the directory lacks is often not the German one ("Nuremberg" for "Nürnberg")."""
    if not town or town in towns_with_local_emergency_service():
        return town or None
    place = gazetteer().lookup(town)
    return _local_service_places().get(place) if place is not None else None


@lru_cache
def _local_service_places() -> dict[Place, str]:
    """The gazetteer's place of each town with a local service, looked up once (this runs on every
    message that names a town)."""
    return {
        place: name
        for name in sorted(towns_with_local_emergency_service())
        if (place := gazetteer().lookup(name)) is not None
    }


def _last_set(events: list[EventType], slot: str) -> str | None:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == slot]
    return values[-1] if values else None


def asked_language(message: dict[str, Any]) -> str | None:
    """The language a request to switch asks for: the NLU's entity, else the one language its
    text names ("بالعربي لو سمحت" where the entity was missed)."""
    asked = entity(message, "language")
    if asked in SUPPORTED_LANGUAGES:
        return asked
    text = str(message.get("text") or "")
    return None if text.startswith("/") else named_language(text)


def shared_place(tracker: Tracker) -> Place | None:
    """The Place of the location the user shared, if the current city came from it."""
    location = tracker.get_slot("location")
    if not location:
        return None
    try:
        latitude, longitude = (float(part) for part in str(location).split(","))
    except ValueError:
        return None
    return places().get().at(latitude, longitude)


def place_given_now(tracker: Tracker) -> bool:
    """Whether the latest user message named a town or shared a location (this action's slot
    events follow the user's event in the tracker)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") in ("city", "location") and event.get("value"):
            return True
    return False


def conversation_place(tracker: Tracker) -> Place | None:
    """Where the conversation is: the town of the shared location, else the named city."""
    city = tracker.get_slot("city")
    return shared_place(tracker) or (places().get().named(city) if city else None)
