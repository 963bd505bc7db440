"""Hands stored updates to the handlers: one at a time per chat, in order; chats concurrently.

Each chat with unfinished updates gets a task that takes its updates oldest first, runs
python-telegram-bot's handlers for one (Application.process_update) and marks it done
only when they finished and Telegram accepted the replies. When delivery failed for a
passing reason (Telegram unreachable, 429 after the rate limiter's retries, the database
busy), the same update is handled again after a pause, resuming from what was stored,
and the chat's later updates wait behind it. At start-up every unfinished update is
taken up again, before anything new, oldest first.

At most `max_concurrent_turns` updates are handled at once: Rasa answers about 13 turns/s on
2 cores whatever the concurrency, and a backlog (after a Rasa restart) then waits here, where
nothing times out, rather than inside Rasa, where turns would run into RASA_TIMEOUT_SECONDS.

Several workers (ADAPTER_WORKERS > 1, PostgreSQL only): every worker looks for chats with
unfinished updates every SCAN_SECONDS (and at once for what its own intake stored), claims a
chat (bot/claims.py) and handles the chat's oldest unfinished update as stored, until none is
left; a chat another worker holds is left to it. A worker that dies frees its chats at once,
and the next scan of any worker takes them up, the half-done update first.

An update's row is marked `attempted` before its first turn: whoever handles it again (a
retry, a restart, another worker) looks in Rasa's tracker before asking Rasa a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot import metrics
from bot.claims import ChatClaims
from bot.inbox import InboxStore, Turn, current_turn

log = logging.getLogger(__name__)

RETRY_FIRST_DELAY = 1.0
RETRY_MAX_DELAY = 30.0
SCAN_SECONDS = 0.5  # several workers: how often each looks for chats waiting in the shared inbox


class Dispatcher:
    def __init__(
        self,
        application: Application,
        store: InboxStore,
        max_concurrent_turns: int = 16,
        claims: ChatClaims | None = None,
    ) -> None:
        self.application = application
        self.store = store
        self.claims = claims  # set: one of several workers sharing the inbox
        self._scanner: asyncio.Task[None] | None = None
        self._queues: dict[str, deque[tuple[int, bool]]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._turns = asyncio.Semaphore(max_concurrent_turns)
        self._idle = asyncio.Event()
        self._idle.set()

    async def recover(self) -> int:
        """Queue every unfinished update of an earlier run; returns how many.

        Several workers: start looking for chats waiting in the shared inbox instead."""
        if self.claims is not None:
            pending = len(await asyncio.to_thread(self.store.pending_chats))
            self._scanner = asyncio.create_task(self._scan(), name="inbox-scan")
            if pending:
                log.info("%d chats with unfinished messages in the shared inbox", pending)
            return pending
        unfinished = await asyncio.to_thread(self.store.unfinished)
        for update_id, chat in unfinished:
            self._queue(update_id, chat, recovered=True)
        if unfinished:
            log.info("%d unfinished messages from before the restart taken up again", len(unfinished))
        return len(unfinished)

    def submit(self, stored: list[tuple[int, str]]) -> None:
        """Queue newly stored updates (in update_id order)."""
        if self.claims is not None:
            for _, chat in stored:
                self._claim_soon(chat)
            return
        for update_id, chat in stored:
            self._queue(update_id, chat, recovered=False)

    def _queue(self, update_id: int, chat: str, recovered: bool) -> None:
        self._queues.setdefault(chat, deque()).append((update_id, recovered))
        self._measure_queues()
        if chat not in self._tasks:
            self._idle.clear()
            self._tasks[chat] = asyncio.create_task(self._run_chat(chat), name="inbox-chat")

    async def _run_chat(self, chat: str) -> None:
        queue = self._queues[chat]
        try:
            while queue:
                update_id, recovered = queue[0]
                async with self._turns:
                    await self._handle(update_id, recovered)
                queue.popleft()
                self._measure_queues()
        finally:
            # No await between the last check and here: nothing can be queued in between.
            del self._tasks[chat]
            if not queue:
                del self._queues[chat]
            if not self._tasks:
                self._idle.set()

    async def _scan(self) -> None:
        while True:
            try:
                for chat in await asyncio.to_thread(self.store.pending_chats):
                    self._claim_soon(chat)
            except SQLAlchemyError as error:
                log.warning("shared inbox unreadable (%s); looking again shortly", type(error).__name__)
            await asyncio.sleep(SCAN_SECONDS)

    def _claim_soon(self, chat: str) -> None:
        if chat not in self._tasks:
            self._idle.clear()
            self._tasks[chat] = asyncio.create_task(self._run_claimed(chat), name="inbox-chat")

    async def _run_claimed(self, chat: str) -> None:
        """Several workers: the chat's updates, oldest first, while this worker holds its claim."""
        assert self.claims is not None
        claims = self.claims
        try:
            async with self._turns:
                claim = await asyncio.to_thread(claims.try_claim, chat)
                if claim is None:
                    return  # another worker has the chat
                try:
                    while await asyncio.to_thread(claims.still_held, claim):
                        update_id = await asyncio.to_thread(self.store.oldest_unfinished, chat)
                        if update_id is None:
                            break
                        await self._handle(update_id)
                finally:
                    await asyncio.to_thread(claims.release, claim)
        except SQLAlchemyError as error:
            log.warning("chat not claimed (%s); the next scan tries again", type(error).__name__)
        finally:
            del self._tasks[chat]
            if not self._tasks:
                self._idle.set()

    async def _handle(self, update_id: int, recovered: bool = False) -> None:
        """Handle one stored update until it is done (or gone: /forget, retention)."""
        delay = RETRY_FIRST_DELAY
        attempt = 0
        while True:
            attempt += 1
            try:
                entry = await asyncio.to_thread(self.store.load, update_id)
                if entry is None:
                    return
                if not entry.attempted:  # stored before Rasa can have seen it
                    await asyncio.to_thread(self.store.mark_attempted, update_id)
                turn = Turn(self.store, entry, uncertain=entry.attempted or recovered or attempt > 1)
                update = Update.de_json(entry.payload, self.application.bot)
                token = current_turn.set(turn)
                try:
                    await self.application.process_update(update)
                finally:
                    current_turn.reset(token)
                if not turn.retry:
                    await asyncio.to_thread(self.store.finish, update_id)
                    return
                reason = "delivery failed"
            except SQLAlchemyError as error:
                reason = f"inbox unavailable ({type(error).__name__})"
            except Exception as error:  # noqa: BLE001 - an update the handlers cannot even be given
                log.error("stored update could not be handled (%s); dropped", type(error).__name__)
                await asyncio.to_thread(self.store.finish, update_id)
                return
            log.warning("%s; the message stays in the inbox, again in %.0f s", reason, delay)
            metrics.DELIVERY_RETRIES.inc()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY)

    def _measure_queues(self) -> None:
        # Per chat only the longest queue is published: a label per chat would name the chat.
        metrics.WAITING_UPDATES.set(sum(len(queue) for queue in self._queues.values()))
        metrics.LONGEST_CHAT_QUEUE.set(max((len(queue) for queue in self._queues.values()), default=0))

    async def wait_idle(self) -> None:
        """Until every queued update is done (tests, graceful stop)."""
        await self._idle.wait()

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Let running turns finish for a moment, then cancel: what is unfinished stays stored."""
        if self._scanner is not None:
            self._scanner.cancel()
            await asyncio.gather(self._scanner, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait_idle(), grace_seconds)
        tasks: list[asyncio.Task[Any]] = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
