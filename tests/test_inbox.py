"""The durable inbox as a user and an operator meet it: the real adapter (intake, dispatcher,
PTB handlers) against the local fake Bot API and the scripted Rasa, on SQLite and PostgreSQL.

A "crash" here cancels the adapter's tasks wherever they are, without letting a turn
finish; tests/test_inbox_crash.py kills real processes with SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from assistant.settings import Settings
from bot import texts
from bot.app import Adapter
from bot.inbox import InboxStore
from bot.local_bot_api import LocalBotApi
from bot.rasa_client import replies_of_turn
from referrals import clock
from referrals.inbox_table import delete_expired_entries
from tests.adapter_harness import adapter_settings, bot_api_server, button_tap, crash, start_adapter
from tests.fake_rasa import FakeRasa
from tests.support import free_port

USER, OTHER = 5150001, 5150002


class RecordingBotApi(LocalBotApi):
    """Remembers, for every getUpdates call that confirms updates, which of them were stored."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.engine = create_engine(database_url)
        self.confirmations: list[tuple[list[int], set[int]]] = []

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        confirmed = [u["update_id"] for u in self.updates if u["update_id"] < offset]
        if confirmed:
            with self.engine.connect() as connection:
                stored = {row[0] for row in connection.execute(text("SELECT update_id FROM telegram_inbox"))}
            self.confirmations.append((confirmed, stored))
        return await super()._m_getupdates(params)


@dataclass
class Rig:
    database_url: str
    api: RecordingBotApi
    rasa: FakeRasa
    api_url: str
    adapter: Adapter | None = None
    last_seen: dict[int, int] = field(default_factory=dict)

    def settings(self, **changes: Any) -> Settings:
        return adapter_settings(self.api_url, self.rasa, database_url=self.database_url, **changes)

    @property
    def store(self) -> InboxStore:
        assert self.adapter is not None
        return self.adapter.store

    async def start(self, **changes: Any) -> Adapter:
        self.adapter = await start_adapter(self.settings(**changes), give_up_after=30, slow_notice_after=30)
        return self.adapter

    async def crash(self) -> None:
        """Stop the adapter at once: turns are cancelled wherever they are, nothing is finished."""
        assert self.adapter is not None
        await crash(self.adapter)
        self.adapter = None

    async def say(self, text_: str, chat_id: int = USER, update_id: int | None = None) -> int:
        update: dict[str, Any] = {"message": self.api.user_message(chat_id, text_, "en")}
        if update_id is not None:
            update["update_id"] = update_id
        return (await self.api.add_update(update))["update_id"]

    async def replies(self, chat_id: int = USER, count: int = 1, wait: float = 15) -> list[str]:
        """At least `count` new bot messages of the chat, then whatever follows within a short pause."""
        collected: list[str] = []
        deadline = time.monotonic() + wait
        quiet_until = None
        while time.monotonic() < deadline:
            if len(collected) >= count:
                quiet_until = quiet_until or time.monotonic() + 0.5
                if time.monotonic() >= quiet_until:
                    break
            timeout = (quiet_until or deadline) - time.monotonic()
            batch = await self.api.messages_after(chat_id, self.last_seen.get(chat_id, 0), max(timeout, 0))
            if batch:
                collected += [m["text"] for m in batch]
                self.last_seen[chat_id] = max(m["message_id"] for m in batch)
        return collected

    def rows(self) -> list[dict[str, Any]]:
        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(text("SELECT * FROM telegram_inbox"))]
        engine.dispose()
        return rows


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Rig]:
    api = RecordingBotApi(database_url)
    try:
        async with bot_api_server(api) as (_, api_url):
            rasa = FakeRasa()
            await rasa.start()
            rig = Rig(database_url, api, rasa, api_url)
            try:
                yield rig
            finally:
                if rig.adapter is not None:
                    await rig.adapter.stop()
                await rasa.stop()
    finally:
        api.engine.dispose()


async def _until(condition: Any, wait: float = 10) -> None:
    deadline = time.monotonic() + wait
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_every_update_is_stored_before_telegram_is_told_it_arrived(rig: Rig) -> None:
    await rig.rasa.stop()  # nothing can be answered: stored is all that can have happened
    await rig.start()
    for number in range(5):
        await rig.say(f"message {number}", chat_id=USER + number % 2)
    await _until(lambda: sum(len(c) for c, _ in rig.api.confirmations) >= 5)
    for confirmed, stored in rig.api.confirmations:
        assert set(confirmed) <= stored
    assert all(row["done_at"] is None for row in rig.rows())
    # Rasa stays down, so no turn can finish: a graceful stop would wait out its grace (5 s).
    await rig.crash()


async def test_after_a_crash_every_message_is_answered_once_and_in_order(rig: Rig) -> None:
    await rig.rasa.stop()
    await rig.start()
    for text_ in ("eins", "zwei", "drei"):
        await rig.say(text_)
    await rig.say("other one", chat_id=OTHER)
    assert await rig.replies() == [texts.text("unavailable_kept", "en")]
    await rig.crash()
    await rig.rasa.start()
    await rig.start()
    assert await rig.replies(count=3) == ["echo: eins", "echo: zwei", "echo: drei"]  # told once only
    notice = texts.text("unavailable_kept", "en")
    assert await rig.replies(chat_id=OTHER, count=2) == [notice, "echo: other one"]
    assert sorted(rig.rasa.messages()) == sorted(["eins", "zwei", "drei", "other one"])
    await rig.adapter.dispatcher.wait_idle()
    assert all(row["done_at"] is not None for row in rig.rows())


async def test_a_repeated_update_is_answered_once(rig: Rig) -> None:
    await rig.start()
    await rig.say("hello", update_id=700)
    assert await rig.replies() == ["echo: hello"]
    await rig.say("hello", update_id=700)  # Telegram sends it again
    await rig.say("next", update_id=701)
    assert await rig.replies() == ["echo: next"]
    assert rig.rasa.messages() == ["hello", "next"]


async def test_stored_replies_are_sent_after_a_crash_without_asking_rasa_again(rig: Rig) -> None:
    """The adapter died after Telegram accepted the first of two messages of a reply."""
    adapter = await rig.start()
    await rig.crash()
    update = {"update_id": 900, "message": rig.api.user_message(USER, "Kita?", "en")}
    chat = adapter.application.bot_data.relay.sender(USER)
    adapter.store.add([(900, chat, json.dumps(update))])
    first = {"text": "first", "buttons": [{"title": "More", "payload": "/more"}]}
    adapter.store.save_replies(900, [first, {"text": "second"}])
    adapter.store.mark_sent(900, 1)
    await rig.start()
    assert await rig.replies() == ["second"]
    assert rig.rasa.messages() == []


async def test_a_turn_rasa_ran_before_the_crash_is_not_run_again(rig: Rig) -> None:
    """The adapter died while Rasa answered: the replies come from Rasa's tracker, not a new turn."""
    adapter = await rig.start()
    sender = adapter.application.bot_data.relay.sender(USER)
    await rig.crash()
    update = {"update_id": 901, "message": rig.api.user_message(USER, "Arzt in Bochum", "en")}
    adapter.store.add([(901, sender, json.dumps(update))])
    rig.rasa.events[sender] = [
        {"event": "user", "text": "Arzt in Bochum", "metadata": {"update_id": 901}},
        {"event": "bot", "text": "Health · Bochum:\n\nPraxis A", "data": {}},
        {"event": "action", "name": "action_listen"},
    ]
    await rig.start()
    assert await rig.replies() == ["Health · Bochum:\n\nPraxis A"]
    assert rig.rasa.messages() == []


async def test_telegram_unreachable_the_reply_waits_in_the_inbox(rig: Rig) -> None:
    rig.api.faults["sendMessage"] = [(502, 0), (502, 0)]
    await rig.start()
    await rig.say("hello")
    assert await rig.replies(wait=20) == ["echo: hello"]
    assert rig.rasa.messages() == ["hello"]  # the stored reply was sent again, not the turn
    await rig.adapter.dispatcher.wait_idle()
    assert [row["done_at"] is not None for row in rig.rows()] == [True]


async def test_an_answered_message_leaves_no_text_or_chat_in_the_inbox(rig: Rig) -> None:
    await rig.start()
    await rig.say("mein Name ist Leyla")
    await rig.replies()
    await rig.adapter.dispatcher.wait_idle()
    [row] = rig.rows()
    assert row["payload"] is None and row["replies"] is None and row["chat"] is None
    assert row["update_id"] and row["done_at"] is not None


async def test_forget_leaves_nothing_of_the_chat_in_the_inbox(rig: Rig) -> None:
    adapter = await rig.start()
    sender = adapter.application.bot_data.relay.sender(USER)
    await rig.say("/forget")
    [question] = await rig.api.messages_after(USER, 0, 10)
    rig.last_seen[USER] = question["message_id"]
    button = question["reply_markup"]["inline_keyboard"][0][0]
    await rig.api.add_update(button_tap(question, button["callback_data"], USER))
    assert await rig.replies() == [texts.text("forgotten", "en")]
    await adapter.dispatcher.wait_idle()
    for row in rig.rows():
        assert row["chat"] != sender and row["payload"] is None
        assert str(USER) not in json.dumps(row, default=str)


async def test_retention_deletes_inbox_rows_older_than_the_retention_period(rig: Rig) -> None:
    adapter = await rig.start()
    await rig.crash()
    store = adapter.store
    with clock.frozen(datetime(2026, 3, 2, 9, 0)):
        store.add([(1, "chat-a", "{}"), (2, "chat-a", "{}")])
        store.finish(1)  # answered; 2 never was (the adapter was stopped)
    with clock.frozen(datetime(2026, 3, 3, 8, 59)):
        store.add([(3, "chat-b", "{}")])
        assert delete_expired_entries(rig.database_url, timedelta(hours=24)) == 0
    with clock.frozen(datetime(2026, 3, 3, 9, 1)):
        assert delete_expired_entries(rig.database_url, timedelta(hours=24)) == 2
    assert [row["update_id"] for row in rig.rows()] == [3]


async def test_webhook_answers_200_only_for_a_stored_update_and_ignores_a_repeat(rig: Rig) -> None:
    port = free_port()
    await rig.start(
        telegram_webhook_url="https://bot.example.org",
        telegram_webhook_secret=SecretStr("s3cret"),
        telegram_webhook_port=port,
    )
    update = {"update_id": 77, "message": rig.api.user_message(USER, "über Webhook", "en")}
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, json=update)).status_code == 403
        assert (await client.post(url, json=update, headers=headers)).status_code == 200
        assert 77 in {row["update_id"] for row in rig.rows()}  # stored when 200 was answered
        assert (await client.post(url, json=update, headers=headers)).status_code == 200  # a repeat
    assert await rig.replies() == ["echo: über Webhook"]
    assert rig.rasa.messages() == ["über Webhook"]


def test_replies_are_rebuilt_from_the_tracker_as_rasas_rest_channel_sends_them() -> None:
    buttons = [{"title": "Berlin", "payload": "/inform"}]
    events = [
        {"event": "user", "text": "old", "metadata": {"update_id": 1}},
        {"event": "bot", "text": "old answer", "data": {}},
        {"event": "user", "text": "new", "metadata": {"update_id": 2}},
        {"event": "action", "name": "utter_x"},
        {"event": "bot", "text": "Header\n\nCard one", "data": {}},
        {"event": "bot", "text": "Which city?", "data": {"buttons": buttons}},
        {"event": "bot", "text": None, "data": {"custom": {"request_location": "📍"}}},
        {"event": "action", "name": "action_listen"},
    ]
    assert replies_of_turn(events, 2) == [
        {"text": "Header"},
        {"text": "Card one"},
        {"text": "Which city?", "buttons": buttons},
        {"custom": {"request_location": "📍"}},
    ]
    assert replies_of_turn(events, 1) == [{"text": "old answer"}]
    assert replies_of_turn(events, 3) is None


async def test_a_button_tapped_long_ago_is_still_handled(rig: Rig) -> None:
    """After a restart or a Rasa outage the tap is too old to be answered (400), not too old to count."""
    rig.api.faults["answerCallbackQuery"] = [(400, 0)]
    await rig.start()
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": USER, "type": "private"}}
    await rig.api.add_update(button_tap(message, "/help", USER))
    assert await rig.replies() == ["echo: /help"]


async def test_a_turn_rasa_answers_too_late_is_answered_once_not_given_up(rig: Rig) -> None:
    """Rasa overloaded: the adapter stops waiting (Rasa abandons the turn with the connection),
    checks Rasa's tracker, and sends the message again: answered once, not given up."""
    rig.rasa.delays["slow turn"] = 2.5
    await rig.start(rasa_timeout_seconds=1)
    await rig.say("slow turn")
    replies = await rig.replies(count=2, wait=20)
    assert replies == [texts.text("unavailable_kept", "en"), "echo: slow turn"]
    assert rig.rasa.turns() == ["slow turn"]  # the abandoned turn did not count, the second ran once
