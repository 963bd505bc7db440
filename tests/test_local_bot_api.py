"""The local Bot API server (bot/local_bot_api.py) as the run command and the tests stop it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bot.local_bot_api import LocalBotApi
from tests.adapter_harness import bot_api_server

LONG_POLL = 50  # seconds: far longer than a stop may take


class WatchedBotApi(LocalBotApi):
    """Says when each kind of long poll has reached the server."""

    def __init__(self) -> None:
        super().__init__()
        self.polling = asyncio.Event()  # the bot's getUpdates
        self.reading = asyncio.Event()  # the chat page's (or a test's) read of the bot's messages

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        self.polling.set()
        return await super()._m_getupdates(params)

    async def messages_after(self, chat_id: int, after: int, wait_seconds: float) -> list[dict[str, Any]]:
        self.reading.set()
        return await super().messages_after(chat_id, after, wait_seconds)


async def test_a_stop_answers_the_waiting_long_polls_at_once() -> None:
    """aiohttp lets running requests finish when it stops: a long poll left by a stopped adapter
    (or an open chat page) held the server's stop, and every test that started it, for seconds."""
    api = WatchedBotApi()
    async with httpx.AsyncClient(timeout=LONG_POLL + 10) as client:
        async with bot_api_server(api) as (_, url):
            updates = asyncio.create_task(
                client.post(f"{url}/botTOKEN/getUpdates", json={"timeout": LONG_POLL})
            )
            messages = asyncio.create_task(
                client.get(f"{url}/local/messages", params={"chat_id": 1, "after": 0, "timeout": LONG_POLL})
            )
            await asyncio.wait_for(asyncio.gather(api.polling.wait(), api.reading.wait()), 10)
            stopping = time.monotonic()
        stopped_after = time.monotonic() - stopping
        answers = await asyncio.wait_for(asyncio.gather(updates, messages), 10)
    assert stopped_after < 5, f"the stop waited {stopped_after:.1f} s for the long polls"
    assert answers[0].json() == {"ok": True, "result": []}
    assert answers[1].json() == []
