"""Updates in from Telegram, stored in the inbox before Telegram is told they arrived.

Long polling: python-telegram-bot's Updater confirms a batch on its next getUpdates call
(`offset`), whether or not the batch was handled; this loop moves the offset on only after
the batch is committed to the inbox. Webhook: the 200 is answered only after the update is
committed; anything else (the database busy) answers 500, and Telegram sends it again.
Either way a repeat of a stored update (same update_id) is ignored.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable

from aiohttp import web
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.inbox import InboxStore

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class Intake:
    """Stores updates and hands the new ones to the dispatcher."""

    def __init__(
        self,
        store: InboxStore,
        pseudonym: Callable[[int], str],
        on_stored: Callable[[list[tuple[int, str]]], None],
    ) -> None:
        self.store = store
        self._pseudonym = pseudonym
        self._on_stored = on_stored

    def chat_of(self, update: Update) -> str:
        """The pseudonym of the update's chat: its queue, and all the inbox knows of who wrote."""
        chat = update.effective_chat
        if chat is None:  # not expected with ALLOWED_UPDATES: a queue of its own
            return f"update-{update.update_id}"
        return self._pseudonym(chat.id)

    async def store_updates(self, updates: list[Update]) -> int:
        """Commit the updates to the inbox (raises when that fails); returns how many were new."""
        rows = [(u.update_id, self.chat_of(u), u.to_json()) for u in updates]
        new = set(await asyncio.to_thread(self.store.add, rows))
        self._on_stored([(update_id, chat) for update_id, chat, _ in rows if update_id in new])
        return len(new)


async def poll(
    bot: Bot,
    intake: Intake,
    allowed_updates: list[str],
    drop_pending_updates: bool,
    poll_seconds: int = POLL_TIMEOUT_SECONDS,
    on_first_poll: Callable[[], None] | None = None,
) -> None:
    """Long polling until cancelled; the offset confirms only what the inbox holds."""
    await bot.delete_webhook(drop_pending_updates=drop_pending_updates)
    # Confirm at once what an earlier run stored (Telegram would send it again otherwise).
    offset = await asyncio.to_thread(intake.store.next_offset)
    delay = 1.0
    first = True
    while True:
        try:
            updates = await bot.get_updates(
                # The first call returns at once, so that "ready" is said without a long poll's wait.
                offset=offset,
                timeout=0 if first else poll_seconds,
                allowed_updates=allowed_updates,
            )
            if first and on_first_poll:
                on_first_poll()
            first = False
            if updates:
                await intake.store_updates(list(updates))
                offset = updates[-1].update_id + 1
            delay = 1.0
        except (InvalidToken, Conflict):
            raise  # another adapter polls the same bot, or the token is wrong: an operator must act
        except RetryAfter as error:
            wait = error.retry_after
            await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
        except (TelegramError, Exception) as error:  # noqa: BLE001 - network or database: try again
            # Nothing was confirmed: the same updates come again with the next call.
            log.warning("polling failed (%s); again in %.0f s", type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def webhook_app(bot: Bot, intake: Intake, secret: str, path: str = "/telegram") -> web.Application:
    """The webhook endpoint: 403 without the secret header, 200 once the update is stored."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        try:
            await intake.store_updates([update])
        except Exception as error:  # noqa: BLE001 - not stored: Telegram must send it again
            log.warning("update not stored (%s); Telegram will send it again", type(error).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    app = web.Application(client_max_size=2**20)
    app.router.add_post(path, receive)
    return app
