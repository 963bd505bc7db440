"""Reports of wrong entries: from the buttons under a referral card to the owning organisation's
queue in the admin, without any user data."""

from __future__ import annotations

import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect, select

from referrals.actions import find_referrals, report_problem, understanding
from referrals.content import messages
from referrals.directory.problem_reports import REPORT_REASONS, ProblemReport
from referrals.directory.refs import short_ref
from referrals.topics import SUPPORTED_LANGUAGES
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE, csrf_of

LONGEST_DEMO_ID = "svc-berlin-caritas-beratungszentrum-mehringdamm"


def tracker(text: str, entities: dict[str, str], language: str = "de", **slots: str) -> Tracker:
    return Tracker(
        sender_id="pseudonym-123",
        slots={"language": language, **slots},
        latest_message={
            "text": text,
            "intent": {"name": "report_problem"},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action, text: str, entities: dict[str, str], language: str = "de", **slots: str) -> list[dict]:
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, tracker(text, entities, language, **slots), {})
    return dispatcher.messages


@pytest.fixture
def actions_db(directory, monkeypatch):
    for module in (report_problem, find_referrals):
        monkeypatch.setattr(module, "get_sessionmaker", lambda: directory)
    return directory


def test_every_button_payload_fits_telegrams_64_bytes() -> None:
    for language in SUPPORTED_LANGUAGES:
        buttons = [report_problem.report_button(LONGEST_DEMO_ID, language)]
        buttons += report_problem.reason_buttons(short_ref(LONGEST_DEMO_ID), language)
        for button in buttons:
            assert len(button["payload"].encode()) <= 64, button["payload"]


def test_reason_buttons_are_labelled_in_all_eight_languages() -> None:
    texts = messages()["app"]
    for key in ["report_problem", "report_thanks", *(f"reason_{r}" for r in REPORT_REASONS)]:
        assert set(texts[key]) == set(SUPPORTED_LANGUAGES), key
        assert len(set(texts[key].values())) == len(SUPPORTED_LANGUAGES), f"{key}: a language copies another"


def test_each_card_has_a_report_button_for_its_own_entry(actions_db, monkeypatch) -> None:
    from referrals.gazetteer import Place

    darmstadt = Place("Darmstadt", 49.8728, 8.6512, "HE")
    monkeypatch.setattr(
        understanding, "places", lambda: type("P", (), {"get": lambda self: _Named(darmstadt)})()
    )
    replies = run(
        find_referrals.ActionFindReferrals(), "Kita Darmstadt", {}, topic="youth_family", city="Darmstadt"
    )
    cards = [m for m in replies if m.get("buttons")]
    assert cards
    refs = set()
    for message in cards:
        report = [b for b in message["buttons"] if b["payload"].startswith("/report_problem")]
        assert len(report) == 1 and report[0]["title"] == "⚠️ Fehler melden"
        refs.add(json.loads(report[0]["payload"].removeprefix("/report_problem"))["ref"])
    assert short_ref(OWN_SERVICE) in refs
    assert cards[-1]["buttons"][0]["payload"] == "/help"  # "not what I meant" stays first on the last card


class _Named:
    def __init__(self, place) -> None:
        self.place = place

    def named(self, name: str):
        return self.place


def test_report_flow_stores_only_service_reason_and_time(actions_db) -> None:
    action = report_problem.ActionReportProblem()
    ref = short_ref(OWN_SERVICE)
    asked = run(action, f'/report_problem{{"ref":"{ref}"}}', {"ref": ref}, language="ar")
    assert asked[0]["text"] == messages()["app"]["report_ask_reason"]["ar"]
    labels = [b["title"] for b in asked[0]["buttons"]]
    assert labels == [messages()["app"][f"reason_{r}"]["ar"] for r in REPORT_REASONS]
    tapped = asked[0]["buttons"][2]["payload"]  # wrong phone number
    entities = json.loads(tapped.removeprefix("/report_problem"))
    thanks = run(action, tapped, entities, language="ar")
    assert thanks[0]["text"] == messages()["app"]["report_thanks"]["ar"]
    with actions_db() as session:
        [report] = session.scalars(select(ProblemReport)).all()
        assert (report.service_id, report.reason, report.status) == (OWN_SERVICE, "phone", "open")
        columns = {c["name"] for c in inspect(session.bind).get_columns("problem_report")}
        assert columns == {
            "id",
            "service_id",
            "reason",
            "created_at",
            "status",
            "done_at",
            "done_by",
            "resolution",
        }
        stored = json.dumps([getattr(report, c) for c in columns], default=str)
        assert "pseudonym-123" not in stored and "/report_problem" not in stored


def test_typed_complaint_and_unknown_entry_get_a_helpful_answer(actions_db) -> None:
    action = report_problem.ActionReportProblem()
    assert "⚠️ Report a problem" in run(action, "the phone number is wrong", {}, language="en")[0]["text"]
    gone = run(action, "/report_problem", {"ref": "AAAAAAAAAAA", "reason": "closed"}, language="en")
    assert gone[0]["text"] == messages()["app"]["report_unknown"]["en"]
    with actions_db() as session:
        assert session.scalars(select(ProblemReport)).all() == []


def test_report_appears_in_the_owning_organisations_queue_only(actions_db, client_for) -> None:
    action = report_problem.ActionReportProblem()
    for service in (OWN_SERVICE, OTHER_SERVICE):
        run(action, "/report_problem", {"ref": short_ref(service), "reason": "moved"})
    own = client_for("counsellor")
    queue = own.get("/reports").text
    assert "Kinderbetreuung" in queue and "umgezogen" in queue
    assert f'href="/entries/{OWN_SERVICE}"' in queue and OTHER_SERVICE not in queue
    other_queue = client_for("other_counsellor").get("/reports").text
    assert OTHER_SERVICE in other_queue and OWN_SERVICE not in other_queue
    assert "umgezogen" in own.get(f"/entries/{OWN_SERVICE}").text  # shown on the entry too
    with actions_db() as session:
        report_id = session.scalar(select(ProblemReport.id).where(ProblemReport.service_id == OWN_SERVICE))
    done = own.post(f"/reports/{report_id}/done", data={"csrf_token": csrf_of(queue)})
    assert "Keine offenen Meldungen" in done.text
    with actions_db() as session:
        report = session.get(ProblemReport, report_id)
        assert report.status == "done" and report.done_by == "fatma@example.org"
    assert OTHER_SERVICE in client_for("admin").get("/reports").text  # admins see every queue


def test_repeated_reports_do_not_flood_the_queue(actions_db) -> None:
    action = report_problem.ActionReportProblem()
    for _ in range(20):
        run(action, "/report_problem", {"ref": short_ref(OWN_SERVICE), "reason": "closed"})
    run(action, "/report_problem", {"ref": short_ref(OWN_SERVICE), "reason": "moved"})
    with actions_db() as session:
        reasons = sorted(r.reason for r in session.scalars(select(ProblemReport)))
        assert reasons == ["closed", "moved"]
