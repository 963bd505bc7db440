"""The Telegram adapter in the test's own event loop: the real PTB Application polling the fake
Bot API server (bot/local_bot_api.py), talking to a scripted Rasa (tests/fake_rasa.py).

One place for what the adapter tests (tests/test_telegram_adapter.py, tests/handover/test_bot.py,
tests/test_inbox.py, tests/test_inbox_workers.py) each wrote out before: the server, the
settings, building, starting and crashing the adapter, a tap on a button. A module of its own,
not tests/support.py: tests/fake_rasa.py imports tests/support.py, so support importing FakeRasa
would be a cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import REGISTRY

from assistant.settings import Settings
from bot.app import Adapter, build_application
from bot.local_bot_api import LocalBotApi, create_app
from bot.relay import RetryPolicy
from tests.fake_rasa import TOKEN, FakeRasa
from tests.support import free_port

BOT_TOKEN = "123456:TEST-token"
USER = 4242001  # a Telegram chat id: must never show up in logs or reach Rasa


@contextlib.asynccontextmanager
async def bot_api_server(api: LocalBotApi | None = None) -> AsyncIterator[tuple[LocalBotApi, str]]:
    """The fake Bot API (`api`, else a new one) served on a free port; yields it and its URL
    (PTB's base URL is URL/bot)."""
    api = api or LocalBotApi()
    runner = web.AppRunner(create_app(api), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield api, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def adapter_settings(api_url: str, rasa: FakeRasa, **changes: Any) -> Settings:
    """Settings for the fake Bot API at `api_url` and `rasa` (its action health check included);
    `changes` add to them or replace them (database, tracker store, workers, ...)."""
    fields: dict[str, Any] = {
        "telegram_bot_token": BOT_TOKEN,
        "telegram_base_url": f"{api_url}/bot",
        "rasa_url": rasa.url,
        "rasa_token": TOKEN,
        "rasa_timeout_seconds": 10,
        "actions_health_url": f"{rasa.url}/actions/health",
        "pseudonym_key": "test-key",
    }
    return Settings(**{**fields, **changes})


async def start_adapter(settings: Settings, **retries: float) -> Adapter:
    """The adapter built and polling every second. Its retries start at 0.2 s and wait at most
    0.5 s, so that Rasa down and back takes seconds, not minutes; `retries` set the rest of the
    RetryPolicy (when to give up, when to say "one moment")."""
    application = build_application(settings)
    application.bot_data.relay.policy = RetryPolicy(first_delay=0.2, max_delay=0.5, **retries)
    adapter = Adapter(application, settings)
    await adapter.start(poll_seconds=1)
    return adapter


async def crash(adapter: Adapter) -> None:
    """Stop the adapter at once: turns are cancelled wherever they are, nothing is finished; its
    claims' connections (several workers) close."""
    await adapter.stop_intake()
    await adapter.dispatcher.stop(grace_seconds=0)
    if adapter.claims is not None:
        adapter.claims.dispose()
    await adapter.application.bot_data.relay.aclose()
    await adapter.application.shutdown()


def rasa_retries() -> float:
    """Turns the adapters of this process sent to Rasa again after a failed attempt (bot.metrics)."""
    return REGISTRY.get_sample_value("wegweiser_adapter_rasa_retries_total") or 0.0


async def until_rasa_retried(since: float, wait: float = 10) -> None:
    """Until a turn was sent to Rasa again since the count was `since` (rasa_retries()): a test
    that keeps Rasa down "for a while" waits for the retry loop to have run, not for a time."""
    deadline = time.monotonic() + wait
    while rasa_retries() <= since:
        assert time.monotonic() < deadline, f"no retry within {wait} s"
        await asyncio.sleep(0.05)


def button_tap(message: dict[str, Any], data: str, chat_id: int = USER) -> dict[str, Any]:
    """The update Telegram sends when the user taps a button with callback data `data` under `message`."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Tester", "language_code": "en"}
    callback = {"id": str(time.monotonic_ns()), "from": user, "message": message, "chat_instance": "1"}
    return {"callback_query": {**callback, "data": data}}


@dataclass
class Harness:
    """One adapter, the fake Bot API and a scripted Rasa, driven as a Telegram user would."""

    api: LocalBotApi
    rasa: FakeRasa
    adapter: Adapter
    retries: dict[str, float]
    last_seen: dict[int, int] = field(default_factory=dict)

    @property
    def application(self) -> Any:
        return self.adapter.application

    @property
    def tracker_db(self) -> Path:
        """The SQLite file of the tracker store the adapter deletes from on /forget."""
        return Path(str(self.adapter.settings.tracker_store_url).removeprefix("sqlite:///"))

    async def start_again(self) -> None:
        """A new adapter with the same settings and retries, as after a restart of the process."""
        self.adapter = await start_adapter(self.adapter.settings, **self.retries)

    async def say(self, text: str, chat_id: int = USER, language_code: str | None = "en") -> None:
        await self.api.add_update({"message": self.api.user_message(chat_id, text, language_code)})

    async def send(self, update: dict[str, Any]) -> None:
        await self.api.add_update(update)

    async def replies(self, chat_id: int = USER, count: int = 1, wait: float = 10) -> list[dict[str, Any]]:
        """Wait for at least `count` new bot messages in the chat (then a short quiet period)."""
        collected: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait
        while len(collected) < count and time.monotonic() < deadline:
            after = self.last_seen.get(chat_id, 0)
            batch = await self.api.messages_after(chat_id, after, deadline - time.monotonic())
            if batch:
                collected += batch
                self.last_seen[chat_id] = max(m["message_id"] for m in batch)
        await asyncio.sleep(0.3)
        late = await self.api.messages_after(chat_id, self.last_seen.get(chat_id, 0), 0)
        if late:
            collected += late
            self.last_seen[chat_id] = max(m["message_id"] for m in late)
        return collected

    async def tap(self, message: dict[str, Any], label: str, chat_id: int = USER) -> None:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        [button] = [b for b in buttons if b["text"] == label]
        await self.api.add_update(button_tap(message, button["callback_data"], chat_id))


@contextlib.asynccontextmanager
async def adapter_harness(retries: dict[str, float], **settings: Any) -> AsyncIterator[Harness]:
    """A started Harness (`settings` as for adapter_settings), stopped afterwards: the adapter
    first, then Rasa, then the Bot API, so that nothing is left waiting on a closed server."""
    async with bot_api_server() as (api, api_url):
        rasa = FakeRasa()
        await rasa.start()
        try:
            adapter = await start_adapter(adapter_settings(api_url, rasa, **settings), **retries)
            harness = Harness(api, rasa, adapter, retries)
            try:
                yield harness
            finally:
                await harness.adapter.stop()
        finally:
            await rasa.stop()
