"""Benchmark: simulated Telegram users through the whole assistant, and the same
messages sent straight to Rasa's REST channel, side by side.

Starts `python -m assistant run` without a bot token (Rasa, action server, the real
Telegram adapter polling the local fake Bot API server), then for each path:
  * fixed load: `--rate` user messages per second from `--users` users for `--duration` s
    (open loop: a message is sent on schedule whether or not earlier ones were answered);
  * saturation: every user sends the next message as soon as the previous one was
    answered (closed loop), to find the sustained messages per second.
Latency through the adapter = from the update entering the Bot API server until the
bot's first reply message is posted there; straight to Rasa = the REST call.
The demo directory answers the referral questions (SQLite, a temporary file).

    .venv/bin/python benchmarks/telegram_throughput.py [--users 40] [--rate 20] [--duration 30]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

# What users write (8 languages): referral requests with a place, information questions,
# greetings, a place alone. Each user goes through the list from a different start.
MESSAGES = [
    ("de", "Ich suche eine Beratung zu Kita in Darmstadt"),
    ("en", "I need a doctor in Berlin"),
    ("ar", "ابني يحتاج روضة كيتا في دارمشتات"),
    ("tr", "Bochum'da Bürgeramt randevusu nasıl alırım"),
    ("ru", "где сделать анмельдунг бочум"),
    ("uk", "потрібен лікар у Штутгарті"),
    ("fa", "دنبال مشاوره برای زنان در برلین هستم"),
    ("fr", "comment obtenir une carte de santé eGK"),
    ("en", "hello"),
    ("de", "Was macht das Jugendamt?"),
    ("tr", "merhaba"),
    ("ar", "شكرا"),
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    started: float = 0.0
    finished: float = 0.0

    def row(self, path: str, load: str) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"| {path} | {load} | 0 | - | - | - | {self.failures} |"
        p50 = statistics.median(lat) * 1000
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000
        rate = len(lat) / (self.finished - self.started)
        return f"| {path} | {load} | {len(lat)} | {p50:.0f} | {p95:.0f} | {rate:.1f} | {self.failures} |"


class Adapter:
    """A user of the local Bot API server: sends, then waits for the bot's first reply."""

    def __init__(self, client: httpx.AsyncClient, api_url: str) -> None:
        self.client = client
        self.api_url = api_url
        self.last_seen: dict[int, int] = {}

    async def turn(self, user: int, language: str, text: str) -> float:
        started = time.perf_counter()
        await self.client.post(
            f"{self.api_url}/local/send", json={"chat_id": user, "text": text, "language_code": language}
        )
        while True:
            batch = (
                await self.client.get(
                    f"{self.api_url}/local/messages",
                    params={"chat_id": user, "after": self.last_seen.get(user, 0), "timeout": 30},
                )
            ).json()
            if not batch:
                raise TimeoutError("no reply within 30 s")
            elapsed = time.perf_counter() - started
            self.last_seen[user] = max(m["message_id"] for m in batch)
            # Wait until the rest of this turn's reply is out before the user's next turn.
            while more := (
                await self.client.get(
                    f"{self.api_url}/local/messages",
                    params={"chat_id": user, "after": self.last_seen[user], "timeout": 0.15},
                )
            ).json():
                self.last_seen[user] = max(m["message_id"] for m in more)
            return elapsed


class StraightToRasa:
    def __init__(self, client: httpx.AsyncClient, rasa_url: str) -> None:
        self.client = client
        self.rasa_url = rasa_url
        self.run = uuid.uuid4().hex[:8]

    async def turn(self, user: int, language: str, text: str) -> float:
        started = time.perf_counter()
        response = await self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={
                "sender": f"bench-{self.run}-{user}",
                "message": text,
                "metadata": {"language_code": language},
            },
        )
        response.raise_for_status()
        return time.perf_counter() - started


Turn = Callable[[int, str, str], Awaitable[float]]


async def fixed_load(turn: Turn, users: int, rate: float, duration: float, first_user: int) -> Result:
    result = Result(started=time.perf_counter())
    busy: dict[int, asyncio.Lock] = {u: asyncio.Lock() for u in range(first_user, first_user + users)}
    order = itertools.cycle(range(first_user, first_user + users))
    cursor = {u: u for u in busy}
    tasks = []

    async def one(user: int, language: str, text: str) -> None:
        async with busy[user]:  # a user's messages go in order, like a real chat
            try:
                result.latencies.append(await turn(user, language, text))
            except Exception:  # noqa: BLE001  (counted, reported)
                result.failures += 1

    for index in range(int(rate * duration)):
        await asyncio.sleep(max(0.0, result.started + index / rate - time.perf_counter()))
        user = next(order)
        language, text = MESSAGES[cursor[user] % len(MESSAGES)]
        cursor[user] += 1
        tasks.append(asyncio.create_task(one(user, language, text)))
    await asyncio.gather(*tasks)
    result.finished = time.perf_counter()
    return result


async def saturation(turn: Turn, users: int, duration: float, first_user: int) -> Result:
    result = Result(started=time.perf_counter())
    stop = result.started + duration

    async def user_loop(user: int) -> None:
        for step in itertools.count(user):
            if time.perf_counter() >= stop:
                return
            language, text = MESSAGES[step % len(MESSAGES)]
            try:
                result.latencies.append(await turn(user, language, text))
            except Exception:  # noqa: BLE001
                result.failures += 1

    await asyncio.gather(*(user_loop(u) for u in range(first_user, first_user + users)))
    result.finished = time.perf_counter()
    return result


def start_assistant(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    ports = {
        name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "LOCAL_CHAT_PORT", "ADMIN_PORT")
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "DATABASE_URL": f"sqlite:///{workdir / 'directory.sqlite3'}",
        "PSEUDONYM_KEY": uuid.uuid4().hex,
        "LOG_LEVEL": "INFO",  # the READY line is an INFO line
        "PYTHONUNBUFFERED": "1",  # the READY line must not wait in a pipe buffer
        **{k: str(v) for k, v in ports.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started = time.monotonic()
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if "READY." in line:
            break
        if "stopping the assistant" in line or time.monotonic() - started > 600:
            os.killpg(process.pid, 9)
            raise SystemExit("the assistant did not start:\n" + "".join(output[-30:]))
    else:
        raise SystemExit("the assistant did not start:\n" + "".join(output[-30:]))
    print(f"assistant ready after {time.monotonic() - started:.0f} s", flush=True)
    # Keep draining its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process, f"http://127.0.0.1:{ports['LOCAL_CHAT_PORT']}", f"http://127.0.0.1:{ports['RASA_PORT']}"


async def main_async(args: argparse.Namespace, api_url: str, rasa_url: str) -> None:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        adapter, rasa = Adapter(client, api_url), StraightToRasa(client, rasa_url)
        # Warm-up: the first turns load caches (gazetteer, holidays, spaCy) in the action server.
        await fixed_load(adapter.turn, 8, 4, 4, first_user=900_000)
        await fixed_load(rasa.turn, 8, 4, 4, first_user=900_000)
        rows = []
        load = f"{args.rate:g} msg/s, {args.users} users"
        rows.append(
            ((await fixed_load(rasa.turn, args.users, args.rate, args.duration, 1)), "Rasa REST", load)
        )
        rows.append(
            ((await fixed_load(adapter.turn, args.users, args.rate, args.duration, 1)), "adapter", load)
        )
        sat = f"saturation, {args.users} users"
        rows.append(((await saturation(rasa.turn, args.users, args.duration, 10_000)), "Rasa REST", sat))
        rows.append(((await saturation(adapter.turn, args.users, args.duration, 10_000)), "adapter", sat))
    print(f"\n{os.cpu_count()} CPUs; {len(MESSAGES)} different messages in 8 languages")
    print("| path | load | turns | p50 ms | p95 ms | turns/s | failed |")
    print("|---|---|---|---|---|---|---|")
    for result, path, row_load in rows:
        print(result.row(path, row_load))
    bare, full = rows[0][0], rows[1][0]
    if bare.latencies and full.latencies:
        overhead = statistics.median(full.latencies) / statistics.median(bare.latencies) - 1
        print(f"\nadapter + Bot API round trip over Rasa REST at {load}: {overhead:+.0%} (p50)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--rate", type=float, default=20.0, help="user messages per second (fixed load)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    args = parser.parse_args()
    # Stopped from outside: still stop the assistant it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory() as workdir:
        process, api_url, rasa_url = start_assistant(Path(workdir))
        try:
            asyncio.run(main_async(args, api_url, rasa_url))
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
