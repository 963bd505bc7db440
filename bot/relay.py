"""One user turn: Telegram -> Rasa -> Telegram, without losing the message.

The update is already in the durable inbox (bot/inbox.py) when the turn starts. Rasa's
replies are stored there before the first is sent, and every message Telegram accepts is
counted, so after a crash of the adapter the turn resumes where it stopped: stored replies
are sent (the rest of them), never asked for again. When an earlier attempt may have
reached Rasa but left no stored replies, Rasa's tracker is asked first: the user message
carries the update id in its metadata, and the replies Rasa gave are rebuilt from it.

When Rasa (or the action server behind it) is down, the user is told once that the
message is kept; it is sent again with exponential backoff until Rasa answers or
`give_up_after` passes; the chat's later messages wait behind it (bot/dispatch.py), so
answers stay in order. A typing indicator runs while the user waits; a slow turn gets one
short "one moment" notice. Nothing of the message is logged: only what failed and how long
it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden

from bot import metrics, texts
from bot.inbox import Turn, current_turn
from bot.pseudonym import conversation_id
from bot.rasa_client import UPDATE_ID, RasaClient, RasaTimeout, RasaUnavailable
from bot.rendering import OutgoingMessage, render

log = logging.getLogger(__name__)

# Longer messages are cut before NLU: the request is at the start, and Rasa's
# featurizers slow down on huge inputs.
MAX_TEXT_TO_RASA = 2000
TYPING_REFRESH_SECONDS = 4.5  # Telegram shows "typing…" for 5 s


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    give_up_after: float = 15 * 60.0
    slow_notice_after: float = 6.0


class TurnRelay:
    def __init__(
        self,
        rasa: RasaClient,
        pseudonym_key: bytes,
        actions_health_url: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.rasa = rasa
        self._key = pseudonym_key
        self._actions_health_url = actions_health_url
        self.policy = policy or RetryPolicy()
        # Per chat, in memory only: the last reply language seen (used while Rasa is down)
        # and whether a location keyboard is open. /forget clears both.
        self._languages: OrderedDict[int, str] = OrderedDict()
        self._location_keyboard: set[int] = set()
        self._probe = httpx.AsyncClient(timeout=2.0)

    def sender(self, chat_id: int) -> str:
        return conversation_id(self._key, chat_id)

    async def language(self, chat_id: int, language_code: str | None) -> str:
        """Language for the adapter's own texts: Rasa's reply language, else Telegram's, else German."""
        language = await self.rasa.reply_language(self.sender(chat_id))
        if language:
            self._remember_language(chat_id, language)
            return language
        return self._languages.get(chat_id) or texts.language_of(language_code)

    def _remember_language(self, chat_id: int, language: str) -> None:
        self._languages.pop(chat_id, None)
        self._languages[chat_id] = language
        if len(self._languages) > 10_000:
            self._languages.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._languages.pop(chat_id, None)
        self._location_keyboard.discard(chat_id)

    async def turn(self, bot: Bot, chat_id: int, text: str, language_code: str | None) -> None:
        """Send `text` to Rasa as this chat's turn and post Rasa's replies (resuming a stored turn)."""
        stored = current_turn.get()
        replies = stored.entry.replies if stored else None
        if replies is None:
            replies = await self._ask_rasa(bot, chat_id, text, language_code, stored)
            if replies is None:
                return
            if stored:
                await stored.save_replies(replies)
        await self.post(bot, chat_id, render(replies))

    async def _ask_rasa(
        self, bot: Bot, chat_id: int, text: str, language_code: str | None, stored: Turn | None
    ) -> list[dict[str, Any]] | None:
        """Rasa's replies to the turn, None when the user was told to write again instead."""
        policy = self.policy
        started = time.monotonic()
        delay = policy.first_delay
        told_unavailable = bool(stored and stored.entry.notified)
        metadata: dict[str, Any] = {"language_code": language_code}
        uncertain = False
        if stored:
            metadata[UPDATE_ID] = stored.update_id
            uncertain = stored.uncertain
        sender = self.sender(chat_id)
        notices: set[str] = set()  # what the user was already told during this turn
        failures = 0
        async with self._typing(bot, chat_id, language_code, notices):
            while True:
                try:
                    if uncertain and stored:
                        earlier = await self.rasa.earlier_replies(sender, stored.update_id)
                        uncertain = False
                        if earlier is not None and (earlier or await self._actions_up()):
                            log.info("Rasa had already answered this message; its replies are sent")
                            replies = earlier
                            break
                    replies = await self.rasa.send(sender, text[:MAX_TEXT_TO_RASA], metadata)
                    if replies or await self._actions_up():
                        break
                    failure = "no reply while the action server is down"
                    metrics.RASA_UNAVAILABLE.labels("actions_down").inc()
                except RasaUnavailable as error:
                    failure = f"Rasa unavailable ({error})"
                    uncertain = uncertain or error.maybe_received
                    metrics.RASA_UNAVAILABLE.labels("unreachable").inc()
                except RasaTimeout:
                    metrics.RASA_UNAVAILABLE.labels("timeout").inc()
                    # Rasa has the message and may still answer it (or dropped it with the
                    # connection): its tracker tells which before the message is sent again.
                    failure = "Rasa did not answer within the timeout"
                    uncertain = True
                waited = time.monotonic() - started
                if waited > policy.give_up_after:
                    log.error("%s for %.0f s; gave up on one message", failure, waited)
                    metrics.TURNS.labels("gave_up").inc()
                    await self._send_text(bot, chat_id, texts.text("unavailable", language_code))
                    return None
                failures += 1
                # With several Rasa instances the next try goes to another one: tell only if it fails too.
                if not told_unavailable and (failures > 1 or self.rasa.instances < 2):
                    told_unavailable = True
                    notices.add("unavailable_kept")
                    log.warning("%s; message kept, retrying with backoff", failure)
                    language = self._languages.get(chat_id) or language_code
                    await self._send_text(bot, chat_id, texts.text("unavailable_kept", language))
                    if stored:
                        await stored.mark_notified()
                elif told_unavailable and not notices:
                    notices.add("unavailable_kept")  # told before a restart: no "one moment" either
                await asyncio.sleep(delay)
                metrics.RETRIES.inc()
                delay = min(delay * 2, policy.max_delay)
        if told_unavailable:
            log.info("Rasa answered again after %.1f s", time.monotonic() - started)
        metrics.TURNS.labels("answered").inc()
        metrics.REPLY_SECONDS.observe(time.monotonic() - started)
        return replies

    async def post(self, bot: Bot, chat_id: int, messages: list[OutgoingMessage]) -> None:
        """Send rendered messages (those the stored turn has not sent yet), counting each one
        Telegram accepted; close an open location keyboard with the next plain message."""
        stored = current_turn.get()
        first = stored.entry.sent if stored else 0
        for number, message in enumerate(messages[first:], start=first + 1):
            keyboard = message.keyboard
            if isinstance(keyboard, ReplyKeyboardMarkup):
                self._location_keyboard.add(chat_id)
            elif keyboard is None and chat_id in self._location_keyboard:
                keyboard = ReplyKeyboardRemove()
                self._location_keyboard.discard(chat_id)
            try:
                await bot.send_message(
                    chat_id,
                    message.html_text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    disable_web_page_preview=True,
                )
            except Forbidden:
                log.info("user blocked the bot; replies dropped")
                return
            except BadRequest as error:
                # Should not happen (everything is escaped); never lose the reply over markup.
                log.error("Telegram refused a reply (%s); sent as plain text", error.message[:80])
                await bot.send_message(chat_id, message.html_text, reply_markup=keyboard)
            if stored and number < len(messages):  # the last one: the dispatcher marks the update done
                await stored.mark_sent(number)

    async def _send_text(self, bot: Bot, chat_id: int, text: str) -> None:
        with contextlib.suppress(Forbidden):
            await bot.send_message(chat_id, text)

    async def _actions_up(self) -> bool:
        """Whether the action server answers its health check (unknown counts as up)."""
        if not self._actions_health_url:
            return True
        try:
            response = await self._probe.get(self._actions_health_url)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    @contextlib.asynccontextmanager
    async def _typing(
        self, bot: Bot, chat_id: int, language_code: str | None, notices: set[str]
    ) -> AsyncIterator[None]:
        """ "typing…" while the user waits, and one "one moment" notice for a slow turn."""

        async def keep_typing() -> None:
            slow_at = time.monotonic() + self.policy.slow_notice_after
            while True:
                with contextlib.suppress(Exception):  # cosmetic: never fail the turn for it
                    await bot.send_chat_action(chat_id, ChatAction.TYPING)
                until_slow = slow_at - time.monotonic()
                if notices or until_slow > TYPING_REFRESH_SECONDS:
                    await asyncio.sleep(TYPING_REFRESH_SECONDS)
                    continue
                await asyncio.sleep(max(until_slow, 0))
                if not notices:
                    notices.add("slow")
                    language = self._languages.get(chat_id) or language_code
                    await self._send_text(bot, chat_id, texts.text("slow", language))

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def aclose(self) -> None:
        await self._probe.aclose()
        await self.rasa.aclose()
