"""Driving the whole assistant (supervisor, Rasa, actions, Telegram adapter) as a user would."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot import texts
from tests.support import LoggedProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 300  # includes training when the model is missing
SLOW_NOTICES = {texts.text("slow", language) for language in texts.LANGUAGES}


@dataclass
class Chat:
    """A user of the local Bot API server: writes, taps buttons, reads the bot's replies."""

    api_url: str
    chat_id: int
    language_code: str | None = None
    last_seen: int = 0
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=40))

    def _collect(self, first_timeout: float = 30, quiet: float = 2.0) -> list[dict[str, Any]]:
        """The bot's replies to one turn: wait for the first, then until it falls quiet."""
        replies: list[dict[str, Any]] = []
        timeout = first_timeout
        while True:
            batch = self.client.get(
                f"{self.api_url}/local/messages",
                params={"chat_id": self.chat_id, "after": self.last_seen, "timeout": timeout},
            ).json()
            if not batch:
                return replies
            replies.extend(batch)
            self.last_seen = max(m["message_id"] for m in batch)
            # "One moment please" (a turn slower than 6 s, e.g. on a loaded machine) only says that
            # the answer is on its way: wait for the answer as long as for a first reply.
            timeout = first_timeout if all(m.get("text") in SLOW_NOTICES for m in replies) else quiet

    def say(self, text: str) -> list[dict[str, Any]]:
        self.client.post(
            f"{self.api_url}/local/send",
            json={"chat_id": self.chat_id, "text": text, "language_code": self.language_code},
        )
        return self._collect()

    def tap(self, message: dict[str, Any], button_text: str) -> list[dict[str, Any]]:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        [button] = [b for b in buttons if b["text"] == button_text]
        self.client.post(
            f"{self.api_url}/local/press",
            json={
                "chat_id": self.chat_id,
                "message_id": message["message_id"],
                "data": button["callback_data"],
                "language_code": self.language_code,
            },
        )
        return self._collect()

    def send_update(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        self.client.post(f"{self.api_url}/local/update", json=update)
        return self._collect()


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in replies)


@contextlib.contextmanager
def local_bot_api(marker: str) -> Iterator[str]:
    """The fake Telegram Bot API server as its own process (marked for the orphan checks)."""
    port = free_port()
    env = {**os.environ, "TEST_RUN_MARKER": marker}
    server = LoggedProcess([sys.executable, "-m", "bot.local_bot_api", "--port", str(port)], env, ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/health")
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.stop(signal.SIGTERM)


def start_assistant(tmp_path: Path, marker: str, **settings: str) -> tuple[LoggedProcess, dict[str, str]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TEST_RUN_MARKER": marker,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.sqlite3'}",
        "PSEUDONYM_KEY": uuid.uuid4().hex,
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "LOCAL_CHAT_PORT": str(free_port()),
        "ADMIN_PORT": str(free_port()),
        **settings,
    }
    process = LoggedProcess([sys.executable, "-m", "assistant", "run"], env, ROOT)
    started = time.monotonic()
    try:
        process.wait_for_line("READY.", READY_TIMEOUT)
    except AssertionError:
        process.stop(signal.SIGINT, timeout=60)  # no orphaned Rasa eating the machine
        raise
    print(f"assistant ready after {time.monotonic() - started:.1f} s")
    return process, env


def services_in(demo_services: list[dict], topic: str, city: str) -> set[str]:
    """Names of demo services of `topic` located in or serving `city` (read from the file)."""
    names = set()
    for service in demo_services:
        if not any(a["taxonomy_term"]["code"] == topic for a in service["attributes"]):
            continue
        located = any(
            address["city"] == city
            for sal in service["service_at_locations"]
            for address in sal["location"]["addresses"]
        )
        serving = any(area["name"] == city for area in service["service_areas"])
        if located or serving:
            names.add(service["name"])
    return names
