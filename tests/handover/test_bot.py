"""The handover as a user meets it in Telegram: the real adapter polling the fake Bot API, a
scripted Rasa (tests/fake_rasa.py), the demo directory with one service that takes questions
in writing. Consent first, messages to the thread instead of Rasa, a crisis message still gets
the numbers, a counsellor's reply arrives with the organisation's name (also after a restart
of the adapter), /stop brings the assistant back, /forget deletes the thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from bot import texts
from referrals import clock
from referrals.db import make_engine
from referrals.directory.refs import short_ref
from referrals.handover import retention, threads
from referrals.handover.models import Delivery, HandoverCount, Message, Thread
from referrals.inbox_table import delete_expired_entries
from tests.adapter_harness import Harness, adapter_harness
from tests.admin.conftest import OWN_SERVICE

USER = 4242077  # a made-up Telegram chat id
ORGANISATION = "Wissenschaftsstadt Darmstadt"
CRISIS = "er schlägt mich gerade, ich habe angst"
CRISIS_REPLY = [{"text": "110 – Polizei (Notruf) ..."}]


@pytest.fixture
async def harness(opted_in, database_url: str, tmp_path) -> AsyncIterator[Harness]:
    async with adapter_harness(
        {"give_up_after": 20},
        database_url=database_url,
        tracker_store_url=f"sqlite:///{tmp_path / 'conversations.sqlite3'}",
    ) as harness:
        sender = harness.application.bot_data.relay.sender(USER)
        harness.rasa.languages[sender] = "de"
        harness.rasa.slots[sender] = {"topic": "youth_family", "city": "Darmstadt"}
        harness.rasa.intents[CRISIS] = "crisis_violence"
        harness.rasa.replies[CRISIS] = CRISIS_REPLY
        yield harness


async def _card_with_write_button(harness: Harness) -> dict[str, Any]:
    """What the action server sends: a card with the write button (scripted here)."""
    harness.rasa.replies["Kita Darmstadt"] = [
        {"text": "Kinderbetreuung – Jugendamt", "buttons": [
            {"title": f"✉️ Schreiben an {ORGANISATION}", "payload": f"write:{short_ref(OWN_SERVICE)}"}]}
    ]  # fmt: skip
    await harness.say("Kita Darmstadt", chat_id=USER, language_code="de")
    [card] = await harness.replies(chat_id=USER)
    return card


async def _consent_and_yes(harness: Harness) -> None:
    card = await _card_with_write_button(harness)
    await harness.tap(card, f"✉️ Schreiben an {ORGANISATION}", chat_id=USER)
    [consent] = await harness.replies(chat_id=USER)
    await harness.tap(consent, texts.text("handover_yes", "de"), chat_id=USER)
    [started] = await harness.replies(chat_id=USER)
    assert started["text"] == texts.text("handover_started", "de", organisation=ORGANISATION)


def _threads(directory) -> list[Thread]:
    with directory() as session:
        return list(session.scalars(select(Thread)))


async def test_consent_names_who_reads_emergencies_retention_and_stop(harness: Harness, directory) -> None:
    card = await _card_with_write_button(harness)
    await harness.tap(card, f"✉️ Schreiben an {ORGANISATION}", chat_id=USER)
    [consent] = await harness.replies(chat_id=USER)
    for part in (
        ORGANISATION,
        "Mensch",
        "112",
        "110",
        "30 Tage",
        "/stop",
        "/forget",
        "Arabisch",
        "Darmstadt",
    ):
        assert part in consent["text"], part
    assert _threads(directory) == []  # nothing shared before "yes"
    await harness.tap(consent, texts.text("handover_no", "de"), chat_id=USER)
    [declined] = await harness.replies(chat_id=USER)
    assert declined["text"] == texts.text("handover_declined", "de")
    assert _threads(directory) == []


async def test_messages_go_to_the_thread_not_to_rasa(harness: Harness, directory) -> None:
    await _consent_and_yes(harness)
    before = list(harness.rasa.messages())
    await harness.say("Mein Sohn ist 3, wir haben keinen Kita-Platz", chat_id=USER, language_code="de")
    [line] = await harness.replies(chat_id=USER)
    assert line["text"] == texts.text("handover_forwarded", "de", organisation=ORGANISATION)
    assert harness.rasa.messages() == before  # no Rasa turn
    [thread] = _threads(directory)
    assert (thread.topic, thread.town, thread.language, thread.state) == (
        "youth_family",
        "Darmstadt",
        "de",
        "open",
    )
    with directory() as session:
        texts_stored = session.scalars(select(Message.text).where(Message.thread_id == thread.id)).all()
    assert texts_stored == ["Mein Sohn ist 3, wir haben keinen Kita-Platz"]
    assert str(USER) not in thread.id


async def test_a_crisis_inside_the_thread_gets_the_numbers_at_once(harness: Harness, directory) -> None:
    await _consent_and_yes(harness)
    await harness.say(CRISIS, chat_id=USER, language_code="de")
    replies = await harness.replies(chat_id=USER, count=2)
    assert [r["text"] for r in replies] == [
        CRISIS_REPLY[0]["text"], texts.text("handover_forwarded", "de", organisation=ORGANISATION)
    ]  # fmt: skip
    assert harness.rasa.turns()[-1] == CRISIS  # Rasa's crisis rules answered it
    with directory() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.text == CRISIS)) == 1


async def test_a_counsellor_reply_arrives_with_the_name_also_after_a_restart(
    harness: Harness, directory
) -> None:
    await _consent_and_yes(harness)
    await harness.adapter.stop()  # the adapter is down when the counsellor answers
    with directory() as session:
        [thread] = session.scalars(select(Thread)).all()
        threads.add_reply(session, thread, "Kommen Sie am Dienstag um 10 Uhr zu uns. <b>Bis dann</b>")
        session.commit()
    await harness.start_again()
    [reply] = await harness.replies(chat_id=USER)
    # Sent as HTML: the header bold, the counsellor's text escaped (shown exactly as typed).
    header = texts.text("handover_reply", "de", organisation=ORGANISATION)
    assert (
        reply["text"]
        == f"<b>{header}</b>\nKommen Sie am Dienstag um 10 Uhr zu uns. &lt;b&gt;Bis dann&lt;/b&gt;"
    )
    assert reply["parse_mode"] == "HTML"
    with directory() as session:
        assert threads.undelivered_replies(session) == []
        assert session.scalars(select(Thread.state)).all() == ["waiting_user"]


async def test_stop_brings_the_assistant_back(harness: Harness, directory) -> None:
    await _consent_and_yes(harness)
    await harness.say("/stop", chat_id=USER, language_code="de")
    [stopped] = await harness.replies(chat_id=USER)
    assert stopped["text"] == texts.text("handover_stopped", "de", organisation=ORGANISATION)
    [thread] = _threads(directory)
    assert thread.state == "closed"
    await harness.say("hallo", chat_id=USER, language_code="de")
    [answer] = await harness.replies(chat_id=USER)
    assert answer["text"] == "echo: hallo"  # Rasa again


async def test_forget_deletes_the_thread_at_once(harness: Harness, directory) -> None:
    await _consent_and_yes(harness)
    await harness.say("Bitte rufen Sie mich nicht an", chat_id=USER, language_code="de")
    await harness.replies(chat_id=USER)
    await harness.say("/forget", chat_id=USER, language_code="de")
    [confirm] = await harness.replies(chat_id=USER)
    await harness.tap(confirm, texts.text("forget_yes", "de"), chat_id=USER)
    await harness.replies(chat_id=USER)
    assert _threads(directory) == []
    with directory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


async def test_after_closing_and_retention_no_store_holds_the_text_or_the_chat(
    harness: Harness, directory, database_url: str
) -> None:
    """The privacy scan: every table of the application's database, row by row."""
    secret = "Meine Nachbarin heißt Leyla Demir"
    await _consent_and_yes(harness)
    await harness.say(secret, chat_id=USER, language_code="de")
    await harness.replies(chat_id=USER)
    await harness.say("/stop", chat_id=USER, language_code="de")
    await harness.replies(chat_id=USER)
    await harness.adapter.dispatcher.wait_idle()
    sender = harness.application.bot_data.relay.sender(USER)
    assert _scan(database_url, [secret]) != []  # kept while the retention period runs
    later = clock.now() + timedelta(days=31)
    with clock.frozen(later):
        closed, deleted = retention.run(database_url, idle_days=14, kept_days=30)
        delete_expired_entries(database_url, timedelta(hours=24))
    assert deleted == 1
    assert _scan(database_url, [secret, str(USER), sender]) == []
    with directory() as session:  # only the counter is left: a number per day, town, topic, language
        assert session.scalar(select(func.sum(HandoverCount.handovers))) == 1


def _scan(database_url: str, needles: list[str]) -> list[tuple[str, str]]:
    """(table, needle) for every needle found in any column of any row of any table."""
    engine = make_engine(database_url)
    found = []
    try:
        with engine.connect() as connection:
            for table in inspect(engine).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    cells = " ".join(str(value) for value in row)
                    found += [(table, needle) for needle in needles if needle in cells]
    finally:
        engine.dispose()
    return found


async def test_when_the_counsellors_close_the_user_is_told_and_rasa_answers_again(
    harness: Harness, directory
) -> None:
    await _consent_and_yes(harness)
    with directory() as session:
        [thread] = session.scalars(select(Thread)).all()
        threads.add_reply(session, thread, "Alles Gute!")
        threads.close(session, thread, tell_user=True)  # what "Anfrage schließen" does
        session.commit()
    replies = await harness.replies(chat_id=USER, count=2)
    assert replies[-1]["text"] == texts.text("handover_closed", "de", organisation=ORGANISATION)
    assert "Alles Gute!" in replies[0]["text"]  # the last answer first
    with directory() as session:
        assert session.scalars(select(Delivery)).all() == []  # the chat id is gone
    await harness.say("hallo", chat_id=USER, language_code="de")
    [answer] = await harness.replies(chat_id=USER)
    assert answer["text"] == "echo: hallo"
