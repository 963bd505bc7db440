"""Answer a completed referral form with up to three directory entries."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, button, help_button, latest_entity, payload
from referrals.actions.faq_answer import explanation
from referrals.actions.handover import write_buttons
from referrals.actions.metrics import measured
from referrals.actions.report_problem import report_button
from referrals.actions.understanding import conversation_place
from referrals.cards import card, header, language_names, message
from referrals.db import get_sessionmaker
from referrals.directory.search import search
from referrals.statistics.recording import record_referral
from referrals.topics import SUPPORTED_LANGUAGES

MAX_CARDS = 3
MAX_PAGES = 3  # "more" twice at most: after nine entries a list no longer helps


def _page(tracker: Tracker) -> int:
    """Which three entries: the "more" button sends request_referral with a `page` entity."""
    try:
        return min(max(int(latest_entity(tracker, "page") or 1), 1), MAX_PAGES)
    except ValueError:
        return 1


def _spoken_language(tracker: Tracker) -> str | None:
    """A language the places must speak: the "only in my language" button's `language` entity,
    else the one the request named ("a Turkish-speaking doctor")."""
    code = latest_entity(tracker, "language") or tracker.get_slot("spoken_language")
    return code if code in SUPPORTED_LANGUAGES else None


def language_button(topic: str, language: str) -> dict[str, str]:
    title = message("only_my_language", language, speaks=language_names((language,), language))
    return button(title, payload("request_referral", topic=topic, language=language))


def more_button(topic: str, page: int, language: str) -> dict[str, str]:
    return button(message("more_places", language), payload("request_referral", topic=topic, page=page))


def show_places(
    dispatcher: CollectingDispatcher, tracker: Tracker, topic: str, language: str, explain: bool = True
) -> None:
    """Up to three places for `topic` where the conversation is, with the buttons that go with them.

    `explain`: give the orientation answer the request asked for first (not after an answer the
    user has just been given).
    """
    city = tracker.get_slot("city")
    place = conversation_place(tracker)
    page, spoken = _page(tracker), _spoken_language(tracker)
    with get_sessionmaker()() as session:
        # One more than shown: whether a "more" button is worth showing.
        result = search(
            session, topic, place, language=spoken, prefer_language=language, limit=MAX_CARDS * page + 1
        )
        shown = result.referrals[MAX_CARDS * (page - 1) : MAX_CARDS * page]
        writable = write_buttons(session, shown, language)
    # A list filtered by language stays short: no "more" for it.
    has_more = len(result.referrals) > MAX_CARDS * page and page < MAX_PAGES and not spoken
    # "more" pages show further organisations for the same request: not another search
    record_referral(topic, city, result.scope, [r.organization for r in shown], page == 1)

    other_topic = [help_button(language)]
    last_buttons = [more_button(topic, page + 1, language)] if has_more else []
    if not spoken and language != "de" and not all(language in r.languages for r in shown):
        last_buttons.append(language_button(topic, language))
    last_buttons += other_topic
    if not shown:
        dispatcher.utter_message(text=message("nothing_found", language), buttons=other_topic)
        return
    if explain and page == 1 and (faq := explanation(tracker, topic)):
        dispatcher.utter_message(response=f"utter_faq/{faq}")
    if spoken and not any(spoken in r.languages for r in shown):
        # The search dropped the filter rather than answer with nothing: say so.
        names = language_names((spoken,), language)
        dispatcher.utter_message(text=message("no_speaker_nearby", language, speaks=names))
    if result.scope == "nationwide":
        dispatcher.utter_message(text=message("nationwide_instead", language, city=city or "?"))
    elif result.scope == "nearby":
        dispatcher.utter_message(text=message("nearby_instead", language, city=city or "?"))
    else:
        dispatcher.utter_message(text=header(topic, city, language))
    for index, referral in enumerate(shown):
        last = index == len(shown) - 1
        write = [writable[referral.service_id]] if referral.service_id in writable else []
        buttons = [*(last_buttons if last else []), *write, report_button(referral.service_id, language)]
        dispatcher.utter_message(text=card(referral, language), buttons=buttons)


@measured
class ActionFindReferrals(ReplyAction):
    def name(self) -> str:
        return "action_find_referrals"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        show_places(dispatcher, tracker, tracker.get_slot("topic"), language)
        return []
