"""Telegram's send limits: about 30 messages/s overall, 20/min per group, about 1/s per chat.

PTB's AIORateLimiter covers the overall and group limits and retries a 429 after
Telegram's `retry_after`, but leaves private chats unlimited. This adds a leaky
bucket per private chat: a reply of a few messages (header + three cards) goes out
at once, a longer run is spread to one message per second. Nothing is dropped:
a request waits for its turn.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot import metrics

# Calls that put nothing into the chat are not counted against the chat's budget.
UNCOUNTED = {"sendChatAction", "answerCallbackQuery", "setMyCommands", "getMe", "getUpdates"}


class ChatRateLimiter(AIORateLimiter):
    def __init__(
        self,
        chat_burst: int = 4,
        chat_per_second: float = 1.0,
        max_retries: int = 5,
        max_chats: int = 10_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(max_retries=max_retries, **kwargs)
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / chat_per_second
        self._chat_limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._max_chats = max_chats

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chat_limiters.pop(chat_id, None) or AsyncLimiter(self._chat_burst, self._chat_period)
        self._chat_limiters[chat_id] = limiter  # most recently used last
        if len(self._chat_limiters) > self._max_chats:
            self._chat_limiters.popitem(last=False)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if isinstance(chat_id, int) and chat_id > 0 and endpoint not in UNCOUNTED:  # a private chat
            async with self._chat_limiter(chat_id):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def _run_request(self, *args: Any, **kwargs: Any) -> Any:
        # Every attempt passes here, so each 429 is counted, also those the base class retries.
        try:
            return await super()._run_request(*args, **kwargs)
        except RetryAfter:
            metrics.TELEGRAM_429.inc()
            raise
