"""The Telegram adapter as a user meets it: the real PTB Application, polling the local
fake Bot API server, talking to a scripted Rasa (tests/fake_rasa.py) so that failure
modes (Rasa down, actions down, slow turns, 429) are repeatable."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from bot import texts
from referrals.directory.models import Base
from referrals.handover.models import Delivery, Message, Thread
from referrals.inbox_table import InboxRow
from referrals.topics import LANGUAGE_NAMES
from tests.adapter_harness import BOT_TOKEN, USER, Harness, adapter_harness, rasa_retries, until_rasa_retried
from tests.support import free_port

HANDOVER_TABLES = [Thread.__table__, Message.__table__, Delivery.__table__]


def _private(chat_id: int = USER, **content: Any) -> dict[str, Any]:
    return {
        "message_id": int(time.monotonic_ns() % 10**9),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Tester", "language_code": "en"},
        **content,
    }


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    database_url = f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    engine = create_engine(database_url)
    # What the migration creates (tests/test_migrations.py) of the tables the adapter uses.
    Base.metadata.create_all(engine, tables=[InboxRow.__table__, *HANDOVER_TABLES])
    engine.dispose()
    async with adapter_harness(
        {"give_up_after": 20, "slow_notice_after": 0.8},
        database_url=database_url,
        tracker_store_url=f"sqlite:///{tmp_path / 'conversations.sqlite3'}",
        conversation_retention_hours=24,
    ) as harness:
        yield harness


async def test_command_menu_is_set_in_every_language(harness: Harness) -> None:
    for language in texts.LANGUAGES:
        key = "" if language == "de" else language
        commands = harness.api.commands[key]
        assert [c["command"] for c in commands] == ["start", "help", "language", "privacy", "forget", "stop"]
        assert [c["description"] for c in commands] == [
            texts.text(f"command_{name}", language) for name in texts.COMMANDS
        ]


async def test_start_welcomes_with_language_buttons_that_reach_rasa(harness: Harness) -> None:
    await harness.say("/start", language_code="tr")
    [welcome] = await harness.replies()
    assert welcome["text"] == texts.text("welcome", "tr")
    labels = [b["text"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == list(LANGUAGE_NAMES.values())
    await harness.tap(welcome, "العربية")
    [answer] = await harness.replies()
    assert harness.rasa.messages()[-1] == '/choose_language{"language":"ar"}'
    assert answer["text"] == 'echo: /choose_language{"language":"ar"}'


async def test_help_and_language_commands(harness: Harness) -> None:
    await harness.say("/help")
    await harness.replies()
    assert harness.rasa.messages() == ["/help"]
    await harness.say("/language", language_code="uk")
    [question] = await harness.replies()
    assert question["text"] == texts.text("choose_language", "uk")
    assert len([b for row in question["reply_markup"]["inline_keyboard"] for b in row]) == 8


async def test_privacy_speaks_the_conversation_language_and_names_the_retention(harness: Harness) -> None:
    sender = harness.application.bot_data.relay.sender(USER)
    harness.rasa.languages[sender] = "ru"  # the user chose Russian earlier; Telegram says English
    await harness.say("/privacy", language_code="en")
    [reply] = await harness.replies()
    assert reply["text"] == texts.text("privacy", "ru", hours="24", handover_days="30")
    assert "24" in reply["text"] and "/forget" in reply["text"]


def _tracker_rows(db: Path) -> list[tuple[str, str]]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, type_name FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _make_tracker_store(db: Path, senders: list[str]) -> None:
    """Rows in the shape of Rasa's SQLTrackerStore `events` table."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender in senders:
            for kind in ("action", "user", "bot"):
                connection.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data) "
                        "VALUES (:s, :t, :ts, '{}')"
                    ),
                    {"s": sender, "t": kind, "ts": time.time()},
                )
    engine.dispose()


async def test_forget_asks_first_then_deletes_only_this_conversation(harness: Harness) -> None:
    me = harness.application.bot_data.relay.sender(USER)
    someone_else = harness.application.bot_data.relay.sender(USER + 1)
    _make_tracker_store(harness.tracker_db, [me, someone_else])

    await harness.say("/forget")
    [question] = await harness.replies()
    assert question["text"] == texts.text("forget_confirm", "en")
    await harness.tap(question, texts.text("forget_no", "en"))
    [kept] = await harness.replies()
    assert kept["text"] == texts.text("forget_kept", "en")
    assert len(_tracker_rows(harness.tracker_db)) == 6

    await harness.say("/forget")
    [question] = await harness.replies()
    await harness.tap(question, texts.text("forget_yes", "en"))
    [done] = await harness.replies()
    assert done["text"] == texts.text("forgotten", "en")
    assert {sender for sender, _ in _tracker_rows(harness.tracker_db)} == {someone_else}
    # The question's buttons are gone, so it cannot be answered twice.
    assert "reply_markup" not in harness.api.find_sent(USER, question["message_id"])
    assert harness.rasa.messages() == []  # nothing of this went through Rasa


async def test_shared_location_is_rounded_before_it_reaches_rasa(harness: Harness) -> None:
    await harness.send({"message": _private(location={"latitude": 49.872775, "longitude": 8.651177})})
    await harness.replies()
    assert harness.rasa.messages() == ['/inform_place{"latitude": 49.87, "longitude": 8.65}']


async def test_ask_for_a_place_offers_telegrams_location_button_and_closes_it_afterwards(
    harness: Harness,
) -> None:
    harness.rasa.replies["Kita please"] = [
        {"text": "Which city?"},
        {"custom": {"request_location": "📍 Send my location"}},
    ]
    await harness.say("Kita please")
    [question] = await harness.replies()
    keyboard = question["reply_markup"]
    assert keyboard["keyboard"][0][0] == {"text": "📍 Send my location", "request_location": True}
    assert keyboard["one_time_keyboard"] is True
    await harness.say("Darmstadt")
    [answer] = await harness.replies()
    assert answer["reply_markup"] == {"remove_keyboard": True}


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "s",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "sticker",
        ),
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]}, "media"),
        ({"document": {"file_id": "d", "file_unique_id": "d", "file_name": "pass.pdf"}}, "media"),
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, "voice"),
        ({"video_note": {"file_id": "n", "file_unique_id": "n", "length": 240, "duration": 3}}, "voice"),
        ({"contact": {"phone_number": "+4930123456", "first_name": "Ali"}}, "contact"),
        ({"dice": {"emoji": "🎲", "value": 3}}, "text_only"),
    ],
    ids=["sticker", "photo", "document", "voice", "video_note", "contact", "dice"],
)
async def test_non_text_messages_get_a_fitting_reply_and_never_reach_rasa(
    harness: Harness, content: dict[str, Any], key: str
) -> None:
    await harness.send({"message": _private(**content)})
    [reply] = await harness.replies()
    assert reply["text"] == texts.text(key, "en")
    assert harness.rasa.messages() == []


async def test_an_edited_message_is_answered_as_the_corrected_question(harness: Harness) -> None:
    await harness.send(
        {"edited_message": {**_private(text="doctor in Bochum"), "edit_date": int(time.time())}}
    )
    [reply] = await harness.replies()
    assert reply["text"] == "echo: doctor in Bochum"


async def test_groups_get_a_pointer_to_the_private_chat_and_channels_nothing(harness: Harness) -> None:
    group = {"id": -100777, "type": "supergroup", "title": "Neighbours"}
    user = {"id": USER, "is_bot": False, "first_name": "Tester", "language_code": "fr"}
    command = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": group,
        "from": user,
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    await harness.send({"message": command})
    [reply] = await harness.replies(chat_id=group["id"])
    assert reply["text"] == texts.text("private_only", "fr")
    await harness.send({"message": {**command, "message_id": 2, "text": "where is a doctor", "entities": []}})
    channel = {"id": -100888, "type": "channel", "title": "News"}
    await harness.send(
        {"channel_post": {"message_id": 3, "date": int(time.time()), "chat": channel, "text": "hi"}}
    )
    assert await harness.replies(chat_id=group["id"], wait=1.5) == []
    assert await harness.replies(chat_id=channel["id"], wait=0.5) == []
    assert harness.rasa.messages() == []


async def test_long_and_markup_laden_replies_are_split_and_escaped_without_loss(harness: Harness) -> None:
    paragraph = "Öffnungszeiten <b>Mo</b> & Di: 9–12 Uhr <script>alert(1)</script> *_[x](y)_* "
    long_text = "\n\n".join(f"{i}. {paragraph * 12}" for i in range(12))
    assert len(long_text) > 10_000
    harness.rasa.replies["hours?"] = [{"text": long_text, "buttons": [{"title": "Mehr", "payload": "/more"}]}]
    await harness.say("hours?")
    parts = await harness.replies(count=3)
    assert len(parts) >= 3 and all(len(p["text"]) <= 4096 for p in parts)
    # Nothing lost or mangled; only the whitespace at the cuts is dropped.
    assert " ".join(html.unescape(p["text"]) for p in parts).split() == long_text.split()
    assert all(p["text"].rstrip()[-1] == "*" for p in parts[:-1])  # cut between paragraphs
    assert all(p.get("parse_mode") == "HTML" for p in parts)
    assert "reply_markup" in parts[-1] and all("reply_markup" not in p for p in parts[:-1])


async def test_a_10000_character_message_reaches_rasa_cut_and_is_answered(harness: Harness) -> None:
    await harness.say("ä" * 10_000)
    [reply] = await harness.replies()
    assert harness.rasa.messages() == ["ä" * 2000]
    assert reply["text"].startswith("echo: ä")


async def test_rasa_down_and_back_loses_no_message_and_keeps_the_order(harness: Harness) -> None:
    await harness.rasa.stop()
    retried = rasa_retries()
    for text_ in ("erste", "zweite", "dritte"):
        await harness.say(text_)
    [notice] = await harness.replies()
    assert notice["text"] == texts.text("unavailable_kept", "en")
    await until_rasa_retried(retried)  # Rasa stays down until the first message was tried again
    await harness.rasa.start()
    answers = await harness.replies(count=3, wait=15)
    assert [a["text"] for a in answers] == ["echo: erste", "echo: zweite", "echo: dritte"]
    assert harness.rasa.messages() == ["erste", "zweite", "dritte"]
    # Back to normal: the next message is answered at once, without a notice.
    await harness.say("vierte")
    assert [a["text"] for a in await harness.replies()] == ["echo: vierte"]


async def test_actions_down_the_message_is_sent_again_once_they_are_back(harness: Harness) -> None:
    harness.rasa.actions_up = False
    harness.rasa.replies["Arzt in Köln"] = []  # what Rasa returns when its custom action failed
    await harness.say("Arzt in Köln")
    [notice] = await harness.replies(wait=15)
    # Sent again while the actions are still down, then they come back.
    await asyncio.wait_for(harness.rasa.until_received("Arzt in Köln", times=2), timeout=15)
    harness.rasa.actions_up = True
    harness.rasa.replies.pop("Arzt in Köln")
    [answer] = await harness.replies(wait=15)
    assert [notice["text"], answer["text"]] == [texts.text("unavailable_kept", "en"), "echo: Arzt in Köln"]


async def test_replies_stay_in_order_per_chat_and_chats_do_not_wait_for_each_other(harness: Harness) -> None:
    harness.rasa.delays["slow first"] = 1.5
    await harness.say("slow first")
    await harness.say("quick second")
    await harness.say("other chat", chat_id=USER + 7)
    started = time.monotonic()
    [other] = await harness.replies(chat_id=USER + 7)
    assert other["text"] == "echo: other chat" and time.monotonic() - started < 1.2
    mine = await harness.replies(count=3, wait=10)
    texts_ = [m["text"] for m in mine]
    assert texts_[-2:] == ["echo: slow first", "echo: quick second"]
    assert texts_[:-2] == [texts.text("slow", "en")]  # the slow turn got one "one moment"


async def test_typing_indicator_while_waiting(harness: Harness) -> None:
    harness.rasa.delays["think"] = 0.3
    await harness.say("think")
    await harness.replies()
    actions = [p for m, p in harness.api.requests if m == "sendChatAction"]
    assert actions and actions[0]["action"] == "typing"


async def test_429_is_waited_out_and_the_reply_still_arrives(harness: Harness) -> None:
    harness.api.faults["sendMessage"] = [(429, 1)]
    started = time.monotonic()
    await harness.say("hello")
    [reply] = await harness.replies(wait=10)
    assert reply["text"] == "echo: hello"
    assert time.monotonic() - started >= 1.0  # retry_after honoured
    assert [m for m in harness.api.calls if m == "sendMessage"] == ["sendMessage", "sendMessage"]


async def test_a_crashing_handler_does_not_stop_the_bot(harness: Harness, caplog) -> None:
    harness.rasa.replies["break"] = [{"text": "x", "buttons": "not-a-list"}]
    await harness.say("break")
    [apology] = await harness.replies()
    assert apology["text"] == texts.text("unavailable", "en")
    await harness.say("still there?")
    assert [r["text"] for r in await harness.replies()] == ["echo: still there?"]


async def test_rasa_sees_a_pseudonym_and_logs_hold_no_ids_or_texts(harness: Harness, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.rasa.stop()  # also exercise the failure logging
    await harness.say("mein Name ist Leyla, Telefon 0151 2345678")
    await harness.replies()
    await harness.rasa.start()
    await harness.replies(wait=10)
    [(sender, _)] = harness.rasa.received
    assert str(USER) not in sender and len(sender) == 32
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (str(USER), "Leyla", "0151", BOT_TOKEN.split(":")[1]):
        assert secret not in logged


async def test_webhook_mode_checks_the_secret_on_every_request(harness: Harness) -> None:
    adapter = harness.adapter
    await adapter.stop_intake()
    port = free_port()
    adapter.settings = adapter.settings.model_copy(
        update={
            "telegram_webhook_url": "https://bot.example.org",
            "telegram_webhook_secret": SecretStr("s3cret-Token_1"),
            "telegram_webhook_port": port,
            "telegram_drop_pending_updates": True,
        }
    )
    await adapter.start_webhook()
    method, params = harness.api.requests[-1]
    assert method == "setWebhook"
    assert params["secret_token"] == "s3cret-Token_1"
    assert json.loads(params["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    assert params["drop_pending_updates"] in ("true", "True", True)
    update = {"update_id": 99, "message": _private(text="über Webhook")}
    async with httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{port}/telegram"
        missing = await client.post(url, json=update)
        wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert missing.status_code == 403 and wrong.status_code == 403
        assert harness.rasa.messages() == []
        right = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        )
        assert right.status_code == 200
    [reply] = await harness.replies()
    assert reply["text"] == "echo: über Webhook"
