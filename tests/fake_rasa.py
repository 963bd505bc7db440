"""A scripted stand-in for Rasa's REST channel and HTTP API, for the adapter's tests.

It answers every message with "echo: <message>" unless a reply is scripted, can be
slowed down per message (once), stopped and started again on the same port (Rasa down and
back), and serves the action server's health check. Like Rasa (Sanic), it abandons a turn
whose client went away before the answer; a finished turn is kept as tracker events. The
real Rasa is exercised by the end-to-end tests; this one makes failure modes repeatable
and fast.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support import free_port

TOKEN = "fake-rasa-token"


@dataclass
class FakeRasa:
    port: int = field(default_factory=free_port)
    received: list[tuple[str, str]] = field(default_factory=list)  # (sender, message) in arrival order
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)  # message -> seconds, for its first turn
    languages: dict[str, str] = field(default_factory=dict)  # sender -> `language` slot
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)  # sender -> further slots
    intents: dict[str, str] = field(default_factory=dict)  # message -> intent of /model/parse
    parsed: list[str] = field(default_factory=list)  # messages sent to /model/parse
    # sender -> events as Rasa's tracker store keeps them (user message with metadata, bot replies)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    actions_up: bool = True
    default_delay: float = 0.0
    _runner: web.AppRunner | None = None
    _arrival: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self) -> list[str]:
        """Every message sent to it, also those of turns abandoned on the way."""
        return [message for _, message in self.received]

    async def until_received(self, message: str, times: int) -> None:
        """Return once `message` has arrived `times` times (the adapter's first try and its retries)."""
        while self.messages().count(message) < times:
            self._arrival.clear()
            await self._arrival.wait()

    def turns(self) -> list[str]:
        """The messages of turns that ran to the end (what Rasa's tracker store holds)."""
        return [e["text"] for events in self.events.values() for e in events if e["event"] == "user"]

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = body["sender"], body["message"]
        self.received.append((sender, message))
        self._arrival.set()
        await asyncio.sleep(self.delays.pop(message, self.default_delay))
        reply = self.replies.get(message)
        if reply is None:
            reply = [{"recipient_id": sender, "text": f"echo: {message}"}]
        events = self.events.setdefault(sender, [])
        events.append({"event": "user", "text": message, "metadata": body.get("metadata") or {}})
        for part in reply:
            data = {key: part.get(key) for key in ("buttons", "custom", "image")}
            events.append({"event": "bot", "text": part.get("text"), "data": data})
        return web.json_response(reply)

    async def _tracker(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized()
        sender = request.match_info["sender"]
        slots = {"language": self.languages.get(sender), **self.slots.get(sender, {})}
        tracker: dict[str, Any] = {"sender_id": sender, "slots": slots}
        if request.query.get("include_events") != "NONE":
            tracker["events"] = self.events.get(sender, [])
        return web.json_response(tracker)

    async def _parse(self, request: web.Request) -> web.Response:
        """NLU only, as Rasa's /model/parse: nothing is kept in the conversation."""
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized()
        text = (await request.json())["text"]
        self.parsed.append(text)
        return web.json_response({"text": text, "intent": {"name": self.intents.get(text, "greet")}})

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok" if self.actions_up else "down"}, status=200 if self.actions_up else 503
        )

    async def _turns(self, _request: web.Request) -> web.Response:
        return web.json_response(self.turns())

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/fake/turns", self._turns)
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/conversations/{sender}/tracker", self._tracker)
        app.router.add_get("/actions/health", self._health)
        app.router.add_post("/model/parse", self._parse)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass
class SharedTrackerRasa(FakeRasa):
    """FakeRasa whose conversations live in one SQLite file that several processes share, as Rasa
    instances share the tracker store (one turn per conversation at a time: the inbox sees to it)."""

    tracker_file: str = ""

    def _load(self, sender: str) -> None:
        with sqlite3.connect(self.tracker_file, timeout=10) as db:
            db.execute("CREATE TABLE IF NOT EXISTS events (sender TEXT PRIMARY KEY, events TEXT)")
            row = db.execute("SELECT events FROM events WHERE sender = ?", (sender,)).fetchone()
        self.events[sender] = json.loads(row[0]) if row else []

    def _save(self, sender: str) -> None:
        with sqlite3.connect(self.tracker_file, timeout=10) as db:
            db.execute(
                "INSERT OR REPLACE INTO events VALUES (?, ?)", (sender, json.dumps(self.events[sender]))
            )

    async def _webhook(self, request: web.Request) -> web.Response:
        sender = (await request.json())["sender"]
        self._load(sender)
        response = await super()._webhook(request)
        self._save(sender)  # a turn abandoned on the way (client gone) is not stored, as in Rasa
        return response

    async def _tracker(self, request: web.Request) -> web.Response:
        self._load(request.match_info["sender"])
        return await super()._tracker(request)


def shared_turns(tracker_file: str) -> list[str]:
    """Every turn that ran to the end on any instance sharing the file."""
    with sqlite3.connect(tracker_file, timeout=10) as db:
        rows = db.execute("SELECT events FROM events").fetchall()
    return [e["text"] for (events,) in rows for e in json.loads(events) if e["event"] == "user"]


def main() -> None:
    """`python -m tests.fake_rasa --port P [--delay S]`: the scripted Rasa as its own process,
    for tests that kill the adapter; GET /fake/turns lists the turns that ran to the end."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every turn takes")
    parser.add_argument("--tracker-file", help="SQLite file of conversations shared with other instances")
    args = parser.parse_args()

    async def serve() -> None:
        rasa: FakeRasa
        if args.tracker_file:
            rasa = SharedTrackerRasa(port=args.port, default_delay=args.delay, tracker_file=args.tracker_file)
        else:
            rasa = FakeRasa(port=args.port, default_delay=args.delay)
        await rasa.start()
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
