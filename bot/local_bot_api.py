"""A local stand-in for the Telegram Bot API, with a chat page.

Without a bot token, the run command starts this server and points the real
Telegram adapter at it (TELEGRAM_BASE_URL), so a newcomer chats with the
assistant through exactly the same pipeline as on Telegram. The end-to-end
tests use it as their fake Bot API server.

Bot side (what python-telegram-bot calls): POST /bot<token>/<method> with a
form-urlencoded or JSON body; answers {"ok": true, "result": ...} like Telegram.
Implemented: getMe, deleteWebhook, setWebhook, getUpdates (long poll),
sendMessage, sendChatAction, answerCallbackQuery, editMessageReplyMarkup,
setMyCommands, getMyCommands, close, logOut.

User side (the chat page and the tests):
  GET  /                           the chat page
  POST /local/send   {chat_id, text, language_code?}        a user writes
  POST /local/press  {chat_id, message_id, data}            a user taps a button
  POST /local/update {...}                                  any raw Update (stickers, ...)
  POST /local/fault  {method, status?, retry_after?, times?} answer the next calls with an error
  GET  /local/messages?chat_id=&after=&timeout=             the bot's messages (long poll)
  GET  /local/calls                                         Bot API methods called so far
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger("bot.local_bot_api")

BOT_USER = {
    "id": 1000001,
    "is_bot": True,
    "first_name": "Wegweiser",
    "username": "wegweiser_local_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
CHAT_PAGE = Path(__file__).with_name("chat_page.html")
API_KEY: web.AppKey[LocalBotApi] = web.AppKey("api")
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64


class BotApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class LocalBotApi:
    """The server's state: pending updates for the bot, messages the bot sent to each chat."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    # (method, parameters) of every call, for tests that check what the bot asked for.
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Errors to answer instead of the next calls of a method: method -> [(status, retry_after)].
    faults: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    commands: dict[str, Any] = field(default_factory=dict)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    closing: bool = False  # the server stops: long polls answer now

    async def close(self) -> None:
        """Answer every waiting long poll at once. aiohttp lets running requests finish when the
        server stops, and a long poll the stopped adapter left (getUpdates) or a chat page's
        (up to 60 s) held the stop for their whole timeout."""
        async with self._changed:
            self.closing = True
            self._changed.notify_all()

    # -- user side -----------------------------------------------------------------
    async def add_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update

    def user_message(self, chat_id: int, text: str, language_code: str | None) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Local user"}
        if language_code:
            user["language_code"] = language_code
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Local user"},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def find_sent(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return next(
            (m for m in self.sent if m["chat"]["id"] == chat_id and m["message_id"] == message_id),
            None,
        )

    async def messages_after(self, chat_id: int, after: int, wait_seconds: float) -> list[dict[str, Any]]:
        """The bot's messages to `chat_id` after message `after`; a long poll like getUpdates."""

        def pending() -> list[dict[str, Any]]:
            return [m for m in self.sent if m["chat"]["id"] == chat_id and m["message_id"] > after]

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(pending()) or self.closing), wait_seconds
                )
            except TimeoutError:
                pass
            return pending()

    # -- bot side ------------------------------------------------------------------
    async def call(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append(method)
        self.requests.append((method, params))
        if self.faults.get(method):
            status, retry_after = self.faults[method].pop(0)
            raise BotApiError(status, "Too Many Requests: retry later", retry_after)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise BotApiError(404, "Not Found: method not found")
        return await handler(params)

    async def _m_getme(self, _params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        if _truthy(params.get("drop_pending_updates")):
            self.updates.clear()
        return True

    async def _m_setwebhook(self, _params: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, _params: dict[str, Any]) -> Any:
        return True

    async def _m_logout(self, _params: dict[str, Any]) -> Any:
        return True

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        async with self._changed:
            # Telegram forgets updates below the offset: the bot has confirmed them.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout > 0:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.updates) or self.closing), timeout
                    )
                except TimeoutError:
                    pass
            return self.updates[:limit]

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise BotApiError(400, "Bad Request: message is too long")
        chat_id = int(params["chat_id"])
        markup = _json_param(params.get("reply_markup"))
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
                    raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": text,
        }
        if params.get("parse_mode"):
            message["parse_mode"] = params["parse_mode"]
        if markup:
            message["reply_markup"] = markup
        async with self._changed:
            self.sent.append(message)
            self._changed.notify_all()
        # Telegram's Message carries only inline keyboards; reply keyboards stay client-side.
        inline = "inline_keyboard" in (markup or {})
        return {k: v for k, v in message.items() if k != "parse_mode" and (k != "reply_markup" or inline)}

    async def _m_sendchataction(self, _params: dict[str, Any]) -> Any:
        return True

    async def _m_answercallbackquery(self, _params: dict[str, Any]) -> Any:
        return True

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self.find_sent(int(params["chat_id"]), int(params["message_id"]))
        if message is None:
            raise BotApiError(400, "Bad Request: message to edit not found")
        markup = _json_param(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        else:  # like Telegram: a message without buttons has no reply_markup
            message.pop("reply_markup", None)
        return {k: v for k, v in message.items() if k != "parse_mode"}

    async def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        self.commands[str(params.get("language_code") or "")] = _json_param(params.get("commands"))
        return True

    async def _m_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(str(params.get("language_code") or ""), [])


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _json_param(value: Any) -> Any:
    """PTB JSON-encodes non-string values inside its form body."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def create_app(api: LocalBotApi | None = None) -> web.Application:
    api = api or LocalBotApi()
    app = web.Application(client_max_size=2**20)
    app[API_KEY] = api

    async def answer_long_polls(_app: web.Application) -> None:
        await api.close()

    app.on_shutdown.append(answer_long_polls)  # before aiohttp waits for running requests

    async def bot_method(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        try:
            result = await api.call(request.match_info["method"], params)
        except BotApiError as error:
            body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.status)
        except (KeyError, ValueError) as error:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}, status=400
            )
        return web.json_response({"ok": True, "result": result})

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        chat_id = int(body.get("chat_id", 1))
        message = api.user_message(chat_id, str(body["text"]), body.get("language_code"))
        await api.add_update({"message": message})
        return web.json_response({"ok": True, "message_id": message["message_id"]})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        chat_id = int(body.get("chat_id", 1))
        message = api.find_sent(chat_id, int(body["message_id"]))
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        user = {"id": chat_id, "is_bot": False, "first_name": "Local user"}
        if body.get("language_code"):
            user["language_code"] = body["language_code"]
        await api.add_update(
            {
                "callback_query": {
                    "id": str(time.monotonic_ns()),
                    "from": user,
                    "message": message,
                    "chat_instance": str(chat_id),
                    "data": str(body["data"]),
                }
            }
        )
        return web.json_response({"ok": True})

    async def fault(request: web.Request) -> web.Response:
        body = await request.json()
        api.faults.setdefault(body["method"], []).extend(
            [(int(body.get("status", 429)), int(body.get("retry_after", 1)))] * int(body.get("times", 1))
        )
        return web.json_response({"ok": True})

    async def raw_update(request: web.Request) -> web.Response:
        update = await api.add_update(await request.json())
        return web.json_response({"ok": True, "update_id": update["update_id"]})

    async def messages(request: web.Request) -> web.Response:
        chat_id = int(request.query.get("chat_id", 1))
        after = int(request.query.get("after", 0))
        timeout = min(float(request.query.get("timeout", 0)), 60.0)
        return web.json_response(await api.messages_after(chat_id, after, timeout))

    async def calls(_request: web.Request) -> web.Response:
        return web.json_response(api.calls)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def page(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(CHAT_PAGE)

    app.router.add_post("/bot{token}/{method}", bot_method)
    app.router.add_post("/local/send", send)
    app.router.add_post("/local/press", press)
    app.router.add_post("/local/update", raw_update)
    app.router.add_post("/local/fault", fault)
    app.router.add_get("/local/messages", messages)
    app.router.add_get("/local/calls", calls)
    app.router.add_get("/health", health)
    app.router.add_get("/", page)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API stand-in with a chat page")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        create_app(),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
        handle_signals=True,
    )


if __name__ == "__main__":
    main()
