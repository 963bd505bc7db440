"""Client of the Rasa server: the REST channel for turns, the HTTP API for the reply language
and for what an earlier attempt of a turn left in the conversation.

Several Rasa instances (RASA_URL with comma-separated URLs, sharing one tracker store): a chat
goes to the same instance while it answers (a hash of the pseudonym), and moves on to the next
at once when its instance cannot be reached, so that while one restarts the others answer. An
instance that failed is passed over for DOWN_SECONDS. Per-chat order does not depend on which
instance answers: the inbox hands Rasa one turn per chat at a time.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

import httpx

UPDATE_ID = "update_id"  # metadata key: which Telegram update a user message came from
# What rasa_channels/strict_rest.py answers instead of replies Rasa could not store.
TRACKER_STORE_FAILED = {"custom": {"wegweiser": "tracker_store_failed"}}


class RasaUnavailable(Exception):
    """Rasa did not answer the message (down, starting, overloaded, failing).

    `maybe_received`: the request reached Rasa, which may have run (and stored) the turn
    before failing, so the conversation must be looked at before sending it again.
    """

    def __init__(self, reason: str, maybe_received: bool) -> None:
        super().__init__(reason)
        self.maybe_received = maybe_received


class RasaTimeout(Exception):
    """Rasa took the message but did not answer in time: sending again would repeat the turn."""


DOWN_SECONDS = 5.0  # an instance that failed is tried last for this long
# Errors that prove the request never reached Rasa: the next instance can be asked at once.
NOT_RECEIVED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RasaClient:
    def __init__(self, base_url: str, timeout: float, token: str | None = None) -> None:
        self._urls = [url.strip().rstrip("/") for url in base_url.split(",") if url.strip()]
        self._down_until = [0.0] * len(self._urls)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        self._token = token

    @property
    def instances(self) -> int:
        return len(self._urls)

    def _order(self, sender: str) -> list[int]:
        """Instances to try for this chat: its own first, then the next; failed ones last."""
        count = len(self._urls)
        first = zlib.crc32(sender.encode()) % count
        order = [(first + step) % count for step in range(count)]
        now = time.monotonic()
        return sorted(order, key=lambda index: self._down_until[index] > now)  # stable: up ones first

    def _failed(self, index: int) -> None:
        self._down_until[index] = time.monotonic() + DOWN_SECONDS

    async def _request(self, method: str, path: str, sender: str, **options: Any) -> httpx.Response:
        """The first answer of the chat's instances in order; a server error (5xx) or a request that
        may have reached an instance is not repeated on the next one (raised)."""
        unreachable: httpx.HTTPError | None = None
        for index in self._order(sender):
            try:
                response = await self._client.request(method, self._urls[index] + path, **options)
            except NOT_RECEIVED as error:
                self._failed(index)
                unreachable = error
                continue
            except httpx.ReadTimeout:
                raise  # busy, not down: it has the request
            except httpx.HTTPError:
                self._failed(index)  # e.g. killed while answering: the next try goes elsewhere
                raise
            if response.status_code >= 500:
                self._failed(index)
            return response
        assert unreachable is not None
        raise unreachable

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn; returns Rasa's bot messages (text, buttons, custom)."""
        try:
            response = await self._request(
                "POST",
                "/webhooks/rest/webhook",
                sender,
                json={"sender": sender, "message": text, "metadata": metadata},
            )
        except httpx.ReadTimeout:
            raise RasaTimeout("ReadTimeout") from None
        except NOT_RECEIVED as error:
            raise RasaUnavailable(type(error).__name__, maybe_received=False) from None
        except httpx.HTTPError as error:
            # The exception text may include the request body: never log it.
            raise RasaUnavailable(type(error).__name__, maybe_received=True) from None
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}", maybe_received=True)
        replies = list(response.json() or [])
        if TRACKER_STORE_FAILED in replies:
            # The turn was not stored (nor kept in memory): send it again once the store works.
            raise RasaUnavailable("its tracker store failed", maybe_received=False)
        return replies

    async def _tracker(self, sender: str, include_events: str, wait_seconds: float) -> dict[str, Any]:
        response = await self._request(
            "GET",
            f"/conversations/{sender}/tracker",
            sender,
            params={"include_events": include_events, "token": self._token},
            timeout=wait_seconds,
        )
        response.raise_for_status()
        return response.json()

    async def reply_language(self, sender: str) -> str | None:
        """The conversation's reply language (Rasa's `language` slot), None if unknown or unreachable."""
        if self._token is None:
            return None
        try:
            language = ((await self._tracker(sender, "NONE", 2.0)).get("slots") or {}).get("language")
        except (httpx.HTTPError, ValueError):
            return None
        return str(language) if language else None

    async def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slots ({} if unknown or unreachable): the topic and town of a handover."""
        if self._token is None:
            return {}
        try:
            return dict((await self._tracker(sender, "NONE", 2.0)).get("slots") or {})
        except (httpx.HTTPError, ValueError):
            return {}

    async def intent(self, text: str) -> str | None:
        """Rasa's NLU alone on `text` (/model/parse: no turn, nothing stored in the conversation),
        with the crisis phrase net and the sentence classifier; None when Rasa cannot be asked."""
        if self._token is None:
            return None
        try:
            # Any instance can parse: no conversation is involved.
            response = await self._request(
                "POST", "/model/parse", "", params={"token": self._token}, json={"text": text}, timeout=10.0
            )
            response.raise_for_status()
            return str(((response.json() or {}).get("intent") or {}).get("name") or "") or None
        except (httpx.HTTPError, ValueError):
            return None

    async def earlier_replies(self, sender: str, update_id: int) -> list[dict[str, Any]] | None:
        """The replies of a turn Rasa already ran for this update, from its tracker; None when the
        conversation holds no such turn (or Rasa's API is not configured). Raises RasaUnavailable
        when Rasa cannot be asked: then nobody knows, and the message must wait."""
        if self._token is None:
            return None
        try:
            tracker = await self._tracker(sender, "ALL", 30.0)
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"tracker: {type(error).__name__}", maybe_received=False) from None
        return replies_of_turn(tracker.get("events") or [], update_id)

    async def aclose(self) -> None:
        await self._client.aclose()


def replies_of_turn(events: list[dict[str, Any]], update_id: int) -> list[dict[str, Any]] | None:
    """What Rasa's REST channel answered to the (last) user message of `update_id`, rebuilt from
    the bot events that follow it; None when no user message carries that update id."""
    starts = [
        i
        for i, event in enumerate(events)
        if event.get("event") == "user" and (event.get("metadata") or {}).get(UPDATE_ID) == update_id
    ]
    if not starts:
        return None
    replies: list[dict[str, Any]] = []
    for event in events[starts[-1] + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            replies.extend(_rest_messages(event))
    return replies


def _rest_messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages Rasa's CollectingOutputChannel makes of one bot event (OutputChannel.send_response)."""
    data = event.get("data") or {}
    text = event.get("text")
    out: list[dict[str, Any]] = []
    buttons = data.get("quick_replies") or data.get("buttons")
    if buttons:
        out.append({"text": text, "buttons": buttons} if text is not None else {"buttons": buttons})
    elif text:
        out.extend({"text": part} for part in text.strip().split("\n\n"))
    if data.get("custom"):
        out.append({"custom": data["custom"]})
    if data.get("image"):
        out.append({"image": data["image"]})
    if data.get("attachment") and data.get("attachment") != data.get("image"):
        out.append({"attachment": data["attachment"]})
    return out
