""" "Report a problem" under a referral card: ask for the reason, then store the report.

The buttons carry `/report_problem{"ref": <short ref>}` and then the same with a `reason`;
both fit Telegram's 64-byte callback data. The report is stored without anything about the
user (no sender id, no text): only the service, the reason and the time.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from referrals.actions.base import ReplyAction, button, latest_entity, payload
from referrals.actions.metrics import measured
from referrals.cards import message
from referrals.db import get_sessionmaker
from referrals.directory.problem_reports import REPORT_REASONS, store_report
from referrals.directory.refs import short_ref

log = logging.getLogger("referrals.actions")


def report_button(service_id: str, language: str) -> dict[str, str]:
    """The button under a referral card."""
    return button(message("report_problem", language), payload("report_problem", ref=short_ref(service_id)))


def reason_buttons(ref: str, language: str) -> list[dict[str, str]]:
    return [
        button(message(f"reason_{reason}", language), payload("report_problem", ref=ref, reason=reason))
        for reason in REPORT_REASONS
    ]


@measured
class ActionReportProblem(ReplyAction):
    def name(self) -> str:
        return "action_report_problem"

    def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
        ref, reason = latest_entity(tracker, "ref"), latest_entity(tracker, "reason")
        if ref is None:  # typed ("this address is wrong"): say where the button is
            dispatcher.utter_message(text=message("report_how", language))
            return []
        if reason not in REPORT_REASONS:
            dispatcher.utter_message(
                text=message("report_ask_reason", language), buttons=reason_buttons(ref, language)
            )
            return []
        with get_sessionmaker()() as session:
            report = store_report(session, ref, reason)
            session.commit()
        if report is None:
            dispatcher.utter_message(text=message("report_unknown", language))
            return []
        log.info("problem report stored (reason %s)", reason)
        dispatcher.utter_message(text=message("report_thanks", language))
        return []
