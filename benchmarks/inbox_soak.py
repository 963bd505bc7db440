"""Soak: simulated Telegram users write while components are killed; was anything lost?

Starts the whole assistant (`python -m assistant run`: supervisor, Rasa, action server, the
Telegram adapter with its inbox, the admin) against the local fake Bot API server, lets
`--users` users write `--per-user` referral requests ("I need a doctor in <city>", a
different city each time, so every answer names the message it answers) at `--rate`
messages per second, and injects the faults of `--faults` one after another, each `--gap`
seconds after the assistant answered again after the previous one:

    adapter     kill -9 of the Telegram adapter (with several workers: the one that receives)
    adapter-2   kill -9 of the second adapter worker (--adapter-workers 2: it only handles)
    rasa        kill -9 of Rasa (with several instances: the first)
    rasa-2      kill -9 of the second Rasa instance (--rasa-instances 2)
    actions     kill -9 of the action server     (the supervisor restarts each)
    429         the fake Bot API answers the next 20 sendMessage calls with 429 (retry after 2 s)

The 2x2 topology (two adapter workers, two Rasa instances) needs PostgreSQL and Redis:
--adapter-workers 2 --rasa-instances 2 --database-url postgresql+psycopg://... --redis-url redis://...

Printed per phase (the messages sent between one fault and the next): sent, answered,
lost, answered twice, out of order within their chat; for each fault the recovery time
(from the fault until the first answer to a message sent after it) and what the users were
told.

    .venv/bin/python benchmarks/inbox_soak.py [--users 20] [--per-user 6] [--rate 2]
        [--faults adapter,actions,rasa,429] [--gap 15] [--database-url postgresql+psycopg://...]
        [--redis-url redis://...] [--adapter-workers 2] [--rasa-instances 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import texts  # noqa: E402
from tests.burst import Score, score  # noqa: E402
from tests.e2e import local_bot_api, start_assistant  # noqa: E402
from tests.support import LoggedProcess  # noqa: E402

# Cities of the demo directory with a health service: each answer's header names one.
CITIES = ["Berlin", "Bochum", "Stuttgart", "Darmstadt", "Bautzen", "Hamburg", "München"]
HEADER = re.compile(r"· (" + "|".join(CITIES) + r"):")
COMPONENTS = {
    "adapter": "telegram-adapter",
    "adapter-2": "telegram-adapter-2",
    "rasa": "rasa",
    "rasa-2": "rasa-2",
    "actions": "actions",
}
SLOWEST_WINDOW = 30.0  # seconds after a fault whose messages' waits are reported
NOTICES = {"unavailable_kept": "told 'not lost'", "unavailable": "told 'write again'", "slow": "'one moment'"}


@dataclass
class Fault:
    kind: str
    happened: float | None = None
    recovered: float | None = None


@dataclass
class Sent:
    user: int
    city: str
    at: float


@dataclass
class Observed:
    answers: dict[int, list[tuple[float, str]]] = field(default_factory=dict)  # user -> (time, city)
    notices: dict[str, list[float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # set when an answer came


def pid_of(assistant: LoggedProcess, component: str) -> int:
    started = rf"(?<![\w-]){re.escape(component)} started \(pid (\d+)\)"  # not rasa-2 for rasa
    found = [int(m.group(1)) for m in re.finditer(started, assistant.output)]
    return found[-1]


async def watch(
    client: httpx.AsyncClient, api_url: str, user: int, observed: Observed, done: asyncio.Event
) -> None:
    """Long-poll the user's chat, noting when each answer and notice arrived."""
    notice_texts = {texts.text(key, "en"): key for key in NOTICES}
    last = 0
    while not done.is_set():
        try:
            batch = (
                await client.get(
                    f"{api_url}/local/messages", params={"chat_id": user, "after": last, "timeout": 5}
                )
            ).json()
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
            continue
        now = time.monotonic()
        for message in batch:
            last = max(last, message["message_id"])
            if message["text"] in notice_texts:
                observed.notices.setdefault(notice_texts[message["text"]], []).append(now)
            for city in HEADER.findall(message["text"]):
                observed.answers.setdefault(user, []).append((now, city))
                observed.changed.set()


async def inject(fault: Fault, assistant: LoggedProcess, client: httpx.AsyncClient, api_url: str) -> None:
    if fault.kind == "429":
        await client.post(
            f"{api_url}/local/fault",
            json={"method": "sendMessage", "status": 429, "retry_after": 2, "times": 20},
        )
    else:
        os.kill(pid_of(assistant, COMPONENTS[fault.kind]), signal.SIGKILL)
    fault.happened = time.monotonic()
    print(f"  {time.strftime('%H:%M:%S')} fault: {fault.kind}", flush=True)


async def send_all(
    args: argparse.Namespace, client: httpx.AsyncClient, api_url: str, sent: list[Sent]
) -> None:
    """Open loop: every user's messages, round robin, at `--rate` per second, whatever happens."""
    users = list(range(1, args.users + 1))
    start = time.monotonic()
    for index, (n, user) in enumerate((n, user) for n in range(args.per_user) for user in users):
        await asyncio.sleep(max(0.0, start + index / args.rate - time.monotonic()))
        city = CITIES[(user + n) % len(CITIES)]
        await client.post(
            f"{api_url}/local/send",
            json={"chat_id": user, "text": f"I need a doctor in {city}", "language_code": "en"},
        )
        sent.append(Sent(user, city, time.monotonic()))


def answers_after(observed: Observed, sent: list[Sent], moment: float) -> list[float]:
    """When answers to messages sent after `moment` came: a user writing now is served again."""
    sent_at = {(m.user, m.city): m.at for m in sent}
    return [
        t
        for user, answers in observed.answers.items()
        for t, city in answers
        if sent_at.get((user, city), 0.0) > moment
    ]


async def inject_all(
    args: argparse.Namespace,
    faults: list[Fault],
    assistant: LoggedProcess,
    client: httpx.AsyncClient,
    api_url: str,
    observed: Observed,
    sent: list[Sent],
) -> None:
    """Each fault `--gap` seconds after the assistant answered again after the previous one
        (the first after the first answer of the run): answered again means a message sent after
    the fault was answered."""
    moment = 0.0
    for fault in faults:
        while True:
            observed.changed.clear()
            if answers_after(observed, sent, moment):
                break
            await observed.changed.wait()
        await asyncio.sleep(args.gap)
        await inject(fault, assistant, client, api_url)
        moment = fault.happened or 0.0


async def soak(
    args: argparse.Namespace, api_url: str, assistant: LoggedProcess
) -> tuple[list[Sent], Observed, list[Fault]]:
    faults = [Fault(kind) for kind in args.faults.split(",") if kind]
    observed = Observed()
    sent: list[Sent] = []
    done = asyncio.Event()
    async with httpx.AsyncClient(timeout=30) as client:
        watchers = [
            asyncio.create_task(watch(client, api_url, u, observed, done)) for u in range(1, args.users + 1)
        ]
        injecting = asyncio.create_task(inject_all(args, faults, assistant, client, api_url, observed, sent))
        await send_all(args, client, api_url, sent)
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            if injecting.done() and sum(len(v) for v in observed.answers.values()) >= len(sent):
                break
            await asyncio.sleep(1.0)
        if not injecting.done():
            print("  not every fault was injected before the drain timeout", flush=True)
            injecting.cancel()
        await asyncio.sleep(5.0)  # anything answered twice would come now
        done.set()
        await asyncio.gather(*watchers, injecting, return_exceptions=True)
    for fault in faults:
        if fault.happened is not None:
            later = answers_after(observed, sent, fault.happened)
            fault.recovered = min(later) if later else None
    return sent, observed, faults


def row(name: str, result: Score) -> str:
    counts = (result.sent, result.answered, result.lost, result.duplicated, result.out_of_order)
    return f"| {name} | " + " | ".join(str(c) for c in counts) + " |"


def report(sent: list[Sent], observed: Observed, faults: list[Fault]) -> None:
    bounds = [("no fault yet", float("-inf"))] + [(f"after {f.kind}", f.happened or 0) for f in faults]
    print("\n| phase (messages sent) | sent | answered | lost | answered twice | out of order |")
    print("|---|---|---|---|---|---|")
    total = Score()
    for i, (name, begin) in enumerate(bounds):
        end = bounds[i + 1][1] if i + 1 < len(bounds) else float("inf")
        phase = Score()
        for user in {s.user for s in sent}:
            mine = [s for s in sent if s.user == user]
            expected_all = [s.city for s in mine]
            got = [city for _, city in observed.answers.get(user, [])]
            chat = score(expected_all, got)
            in_phase = {s.city for s in mine if begin <= s.at < end}
            # Attribute the chat's results to the phase its messages were sent in.
            part = score([c for c in expected_all if c in in_phase], [c for c in got if c in in_phase])
            phase.add(part)
            if i == 0:
                total.add(chat)
        print(row(name, phase))
    print(row("**all**", total))
    first_answer: dict[tuple[int, str], float] = {}
    for user, answers in observed.answers.items():
        for t, city in answers:
            first_answer.setdefault((user, city), t)
    print(
        "\n| fault | recovery: fault -> first answer to a message sent after it "
        f"| slowest answer to a message sent in the {SLOWEST_WINDOW:.0f} s after it "
        "| users were told (until the next fault) |"
    )
    print("|---|---|---|---|")
    for i, fault in enumerate(faults):
        begin = fault.happened or 0
        end = faults[i + 1].happened or float("inf") if i + 1 < len(faults) else float("inf")
        told = ", ".join(
            f"{NOTICES[key]} {count}"
            for key, times in observed.notices.items()
            if (count := sum(1 for t in times if begin <= t < end))
        )
        recovery = "no answer after it" if fault.recovered is None else f"{fault.recovered - begin:.1f} s"
        # Every chat, also those whose Rasa instance or adapter worker was the one killed.
        waits = [
            first_answer[(m.user, m.city)] - m.at if (m.user, m.city) in first_answer else float("inf")
            for m in sent
            if begin <= m.at < min(begin + SLOWEST_WINDOW, end)
        ]
        slowest = f"{max(waits):.1f} s ({len(waits)} messages)" if waits else "no message"
        print(f"| {fault.kind} | {recovery} | {slowest} | {told or 'nothing'} |")
    before = (
        sum(1 for times in observed.notices.values() for t in times if t < (faults[0].happened or 0))
        if faults
        else 0
    )
    print(f"\nNotices before the first fault: {before}.")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=6, help=f"at most {len(CITIES)}")
    parser.add_argument("--rate", type=float, default=2.0, help="messages per second, all users together")
    parser.add_argument("--faults", default="adapter,actions,rasa,429", help="in this order")
    parser.add_argument(
        "--gap", type=float, default=15.0, help="seconds between a recovery and the next fault"
    )
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--redis-url", help="Rasa's lock store (REDIS_URL); default: in memory")
    parser.add_argument("--adapter-workers", type=int, default=1, help="ADAPTER_WORKERS (PostgreSQL)")
    parser.add_argument("--rasa-instances", type=int, default=1, help="RASA_INSTANCES (needs --redis-url)")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    args = parser.parse_args()
    args.per_user = min(args.per_user, len(CITIES))
    marker = uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp, local_bot_api(marker) as api_url:
        settings = {"TELEGRAM_BOT_TOKEN": "123456:SOAK-NOT-REAL", "TELEGRAM_BASE_URL": f"{api_url}/bot"}
        if args.database_url:
            settings["DATABASE_URL"] = args.database_url
        if args.redis_url:
            settings["REDIS_URL"] = args.redis_url
        settings["ADAPTER_WORKERS"] = str(args.adapter_workers)
        settings["RASA_INSTANCES"] = str(args.rasa_instances)
        assistant, _env = start_assistant(Path(tmp), marker, **settings)
        try:
            print(
                f"{args.users} users x {args.per_user} messages at {args.rate}/s, faults {args.faults}, "
                f"database {'PostgreSQL' if args.database_url else 'SQLite'}, "
                f"lock store {'Redis' if args.redis_url else 'in memory'}, "
                f"{args.adapter_workers} adapter worker(s), {args.rasa_instances} Rasa instance(s)",
                flush=True,
            )
            sent, observed, faults = asyncio.run(soak(args, api_url, assistant))
        finally:
            assistant.stop(signal.SIGINT, timeout=60)
        report(sent, observed, faults)
        restarts = re.findall(r"(\S+) exited unexpectedly", assistant.output)
        print(f"Components restarted by the supervisor: {', '.join(restarts) or 'none'}")


if __name__ == "__main__":
    main()
