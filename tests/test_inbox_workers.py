"""Two adapter workers sharing one inbox on the real PostgreSQL: one receives (polling), both
handle, each chat claimed by one worker at a time (bot/claims.py). What a user would notice:
every message answered once, in order, never two turns of one chat at once, and when one
worker dies the other answers what it left.

Each worker talks to its own scripted Rasa; the two share one tracker (as two Rasa instances
share the tracker store), so a turn taken over after a crash is found, not run again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from assistant.settings import Settings
from bot.app import Adapter, build_application
from bot.local_bot_api import LocalBotApi
from tests.adapter_harness import adapter_settings, bot_api_server, crash, start_adapter
from tests.burst import Score, score, unfinished_updates
from tests.fake_rasa import FakeRasa

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CHATS, PER_CHAT = 24, 4  # more chats than one worker handles at once (16)
FIRST_CHAT = 6160001


@dataclass
class OverlapWatch:
    """Turns of one sender in flight at once, over both Rasas (must stay 1)."""

    in_flight: dict[str, int] = field(default_factory=dict)
    most: int = 0


class WatchedRasa(FakeRasa):
    watch: OverlapWatch | None = None

    async def _webhook(self, request: web.Request) -> web.Response:
        assert self.watch is not None
        sender = (await request.json())["sender"]
        self.watch.in_flight[sender] = self.watch.in_flight.get(sender, 0) + 1
        self.watch.most = max(self.watch.most, self.watch.in_flight[sender])
        try:
            return await super()._webhook(request)
        finally:
            self.watch.in_flight[sender] -= 1


@dataclass
class Pair:
    database_url: str
    api: LocalBotApi
    api_url: str
    rasas: list[WatchedRasa]
    watch: OverlapWatch
    workers: list[Adapter | None] = field(default_factory=lambda: [None, None])
    intake: list[bool] = field(default_factory=lambda: [True, False])  # which may receive

    def settings(self, worker: int) -> Settings:
        return adapter_settings(
            self.api_url,
            self.rasas[worker],
            database_url=self.database_url,
            adapter_workers=2,
            adapter_intake=self.intake[worker],
        )

    async def start(self, worker: int) -> None:
        self.workers[worker] = await start_adapter(
            self.settings(worker), give_up_after=30, slow_notice_after=30
        )

    async def crash(self, worker: int) -> None:
        """Gone at once, turns cancelled wherever they are; its claims' connections close."""
        adapter = self.workers[worker]
        assert adapter is not None
        assert adapter.claims is not None
        await crash(adapter)
        self.workers[worker] = None

    async def burst(self) -> dict[int, list[str]]:
        expected = {FIRST_CHAT + c: [f"c{c}-m{n}" for n in range(PER_CHAT)] for c in range(CHATS)}
        for n in range(PER_CHAT):  # interleaved, as many users write at once
            for chat, keys in expected.items():
                await self.api.add_update({"message": self.api.user_message(chat, keys[n], "en")})
        return expected

    async def answered(self, chat: int) -> list[str]:
        texts = [m["text"] for m in await self.api.messages_after(chat, 0, 0)]
        return [t.removeprefix("echo: ") for t in texts if t.startswith("echo: ")]

    async def until_handled(self, wait: float = 60) -> None:
        """Until every stored update is done (tests/burst.py, unfinished_updates)."""
        deadline = time.monotonic() + wait
        while left := await asyncio.to_thread(unfinished_updates, self.database_url):
            assert time.monotonic() < deadline, f"{left} updates unfinished after {wait} s"
            await asyncio.sleep(0.1)

    async def until_answered(self, count: int, wait: float = 60) -> None:
        deadline = time.monotonic() + wait
        while sum([len(await self.answered(FIRST_CHAT + c)) for c in range(CHATS)]) < count:
            assert time.monotonic() < deadline, f"fewer than {count} answers after {wait} s"
            await asyncio.sleep(0.1)


@pytest.fixture
async def pair(database_url: str) -> AsyncIterator[Pair]:
    async with bot_api_server() as (api, api_url):
        watch = OverlapWatch()
        rasas = [WatchedRasa(default_delay=0.05), WatchedRasa(default_delay=0.05)]
        rasas[1].events = rasas[0].events  # one tracker store
        for rasa in rasas:
            rasa.watch = watch
            await rasa.start()
        pair = Pair(database_url, api, api_url, rasas, watch)
        try:
            yield pair
        finally:
            for adapter in pair.workers:
                if adapter is not None:
                    await adapter.stop()
            for rasa in rasas:
                await rasa.stop()


async def _score(pair: Pair, expected: dict[int, list[str]]) -> Score:
    overall = Score()
    for chat, keys in expected.items():
        overall.add(score(keys, await pair.answered(chat)))
    return overall


async def test_two_workers_share_the_chats_and_keep_each_in_order(pair: Pair) -> None:
    await pair.start(0)
    await pair.start(1)
    expected = await pair.burst()
    await pair.until_answered(CHATS * PER_CHAT)
    await pair.until_handled()  # anything answered twice has come by then
    result = await _score(pair, expected)
    assert (result.answered, result.lost, result.duplicated, result.out_of_order) == (96, 0, 0, 0)
    assert pair.watch.most == 1  # never two turns of one chat at once
    assert all(rasa.received for rasa in pair.rasas)  # both workers handled turns
    assert len(pair.rasas[0].received) + len(pair.rasas[1].received) == CHATS * PER_CHAT  # each once


async def test_when_one_worker_dies_the_other_answers_what_it_held(pair: Pair) -> None:
    await pair.start(0)
    await pair.start(1)
    for rasa in pair.rasas:
        rasa.default_delay = 0.3  # turns in flight when the worker dies
    expected = await pair.burst()
    await pair.until_answered(CHATS * PER_CHAT // 4)
    await pair.crash(1)
    started = time.monotonic()
    await pair.until_answered(CHATS * PER_CHAT)
    took_over = time.monotonic() - started
    await pair.until_handled()  # anything answered twice has come by then
    result = await _score(pair, expected)
    assert (result.answered, result.lost, result.out_of_order) == (96, 0, 0)
    # A reply is shown twice only when the kill fell between Telegram accepting it and the inbox
    # counting it (README, "Not covered"): at most once for each chat the dying worker was
    # answering at that moment; every turn still ran once (one tracker, below).
    per_chat = [score(keys, await pair.answered(chat)).duplicated for chat, keys in expected.items()]
    assert max(per_chat) <= 1, per_chat
    assert sorted(pair.rasas[0].turns()) == sorted(k for keys in expected.values() for k in keys)
    assert pair.watch.most == 1
    assert took_over < 30


async def test_a_worker_that_only_handles_needs_postgresql_and_several_workers(pair: Pair) -> None:
    from bot.app import ConfigurationError

    settings = pair.settings(1).model_copy(update={"adapter_workers": 1})
    adapter = Adapter(build_application(settings), settings)
    with pytest.raises(ConfigurationError, match="ADAPTER_INTAKE=false needs"):
        await adapter.start()
    await adapter.application.shutdown()


async def test_when_the_receiving_worker_dies_a_standing_by_one_receives_at_once(pair: Pair) -> None:
    pair.intake = [True, True]  # both may receive; the first to start does
    await pair.start(0)
    await pair.start(1)
    assert (pair.workers[0].receiving, pair.workers[1].receiving) == (True, False)
    await pair.crash(0)
    started = time.monotonic()
    chat = FIRST_CHAT
    await pair.api.add_update({"message": pair.api.user_message(chat, "after the crash", "en")})
    while "after the crash" not in await pair.answered(chat):
        assert time.monotonic() - started < 10, "nobody received the message"
        await asyncio.sleep(0.1)
    assert pair.workers[1].receiving
