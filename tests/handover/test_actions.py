"""The action server's part: "✉️ Write to <organisation>" only under the cards of services that
take questions in writing, and the answer to "can I talk to a person?"."""

from __future__ import annotations

import pytest

from referrals.actions import find_referrals, handover, understanding
from referrals.content import messages
from referrals.directory.refs import short_ref
from referrals.gazetteer import Place
from referrals.handover.models import WrittenQuestions
from referrals.topics import SUPPORTED_LANGUAGES
from tests.admin.test_reports import _Named, run
from tests.handover.conftest import OWN_SERVICE

DARMSTADT = Place("Darmstadt", 49.8728, 8.6512, "HE")


@pytest.fixture
def actions_db(opted_in, monkeypatch):
    for module in (find_referrals, handover):
        monkeypatch.setattr(module, "get_sessionmaker", lambda: opted_in)
    monkeypatch.setattr(
        understanding, "places", lambda: type("P", (), {"get": lambda self: _Named(DARMSTADT)})()
    )
    return opted_in


def _write_buttons(replies: list[dict]) -> list[dict]:
    return [b for m in replies for b in m.get("buttons") or [] if b["payload"].startswith("write:")]


def test_only_opted_in_cards_carry_the_write_button(actions_db) -> None:
    replies = run(
        find_referrals.ActionFindReferrals(),
        "Kita Darmstadt",
        {},
        "ar",
        topic="youth_family",
        city="Darmstadt",
    )
    cards = [m for m in replies if m.get("buttons")]
    write = _write_buttons(replies)
    assert [b["payload"] for b in write] == [f"write:{short_ref(OWN_SERVICE)}"]
    assert write[0]["title"].startswith("✉️ اكتب إلى ")
    assert cards[-1]["buttons"][-1]["payload"].startswith("/report_problem")  # the report stays last
    with actions_db() as session:  # the organisation switches it off: the button goes at once
        session.get(WrittenQuestions, OWN_SERVICE).enabled = False
        session.commit()
    replies = run(
        find_referrals.ActionFindReferrals(),
        "Kita Darmstadt",
        {},
        "ar",
        topic="youth_family",
        city="Darmstadt",
    )
    assert [m for m in replies if m.get("buttons")] and not _write_buttons(replies)


def test_asking_for_a_person_offers_the_organisations_that_write(actions_db) -> None:
    replies = run(handover.ActionOfferHandover(), "kann ich mit einem menschen schreiben", {},
                  topic="youth_family", city="Darmstadt")  # fmt: skip
    assert replies[0]["text"] == messages()["app"]["handover_offer"]["de"]
    assert [b["payload"] for b in _write_buttons(replies)] == [f"write:{short_ref(OWN_SERVICE)}"]


def test_without_topic_or_place_the_user_is_told_how_to_find_one(actions_db) -> None:
    replies = run(handover.ActionOfferHandover(), "can i talk to a human", {}, "en")
    assert replies == [{**replies[0], "text": messages()["app"]["handover_ask"]["en"]}]
    assert not _write_buttons(replies)


def test_where_nobody_writes_the_user_gets_the_emergency_numbers(actions_db) -> None:
    replies = run(
        handover.ActionOfferHandover(), "human please", {}, "en", topic="seniors_care", city="Darmstadt"
    )
    assert "112" in replies[0]["text"] and not _write_buttons(replies)


def test_write_texts_exist_in_all_eight_languages() -> None:
    texts = messages()
    for section, keys in {
        "app": ["write_to", "handover_offer", "handover_none", "handover_ask"],
        "adapter": ["handover_consent", "handover_started", "handover_forwarded", "handover_reply",
                    "handover_stopped", "handover_yes", "handover_no", "command_stop"],
    }.items():  # fmt: skip
        for key in keys:
            assert set(texts[section][key]) == set(SUPPORTED_LANGUAGES), key
            assert len(set(texts[section][key].values())) == len(SUPPORTED_LANGUAGES), key


def test_the_write_payload_fits_telegrams_64_bytes() -> None:
    button = handover.write_button("svc-berlin-caritas-beratungszentrum-mehringdamm", "x" * 300, "de")
    assert len(button["payload"].encode()) <= 64
