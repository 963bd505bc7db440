"""Client of the Rasa server: the REST channel for turns, the HTTP API for the reply language."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not take the message (down, starting, overloaded, failing): safe to send again."""


class RasaTimeout(Exception):
    """Rasa took the message but did not answer in time: sending again would repeat the turn."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float, token: str | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        self._token = token

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn; returns Rasa's bot messages (text, buttons, custom)."""
        try:
            response = await self._client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
        except httpx.ReadTimeout:
            raise RasaTimeout("ReadTimeout") from None
        except httpx.HTTPError as error:
            # The exception text may include the request body: never log it.
            raise RasaUnavailable(type(error).__name__) from None
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        return list(response.json() or [])

    async def reply_language(self, sender: str) -> str | None:
        """The conversation's reply language (Rasa's `language` slot), None if unknown or unreachable."""
        if self._token is None:
            return None
        try:
            response = await self._client.get(
                f"/conversations/{sender}/tracker",
                params={"include_events": "NONE", "token": self._token},
                timeout=2.0,
            )
            response.raise_for_status()
            language = (response.json().get("slots") or {}).get("language")
        except (httpx.HTTPError, ValueError):
            return None
        return str(language) if language else None

    async def aclose(self) -> None:
        await self._client.aclose()
