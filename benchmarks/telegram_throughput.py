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

Beside latency and throughput, per phase: the CPU time each process of the assistant spent per
answered turn (utime + stime from /proc/<pid>/stat, a component's worker processes counted with
it), and at the end the peak memory (VmHWM) of every component. The assistant's start is timed
per component from the supervisor's "ready" lines (each Rasa instance counted on its own:
rasa, rasa-2, ...).

The whole run is repeated for every combination of `--action-workers` (ACTION_WORKERS),
`--rasa-instances` (RASA_INSTANCES) and `--tracker-store` (sqlite, postgresql), each labelled
in the tables and the chart, e.g. "2 action workers, 2 Rasa, postgresql":
  * more than one Rasa instance: REDIS_URL from BENCH_REDIS_URL (default
    redis://127.0.0.1:6379/14; that Redis database is emptied before each run, so no lock of an
    earlier run lingers). Straight to Rasa, user N talks to instance N % count (the adapter
    spreads its chats itself, by a hash);
  * postgresql: TRACKER_STORE_URL is a fresh database on BENCH_POSTGRES_URL (default
    postgresql://postgres@127.0.0.1:5432/postgres, a user who may create databases), dropped
    after the run; sqlite: the default, a file beside the directory's.
A combination whose Redis or PostgreSQL cannot be reached is skipped with one line.
A turn Rasa refuses (tracker store or action failed: rasa_channels/strict_rest.py) counts as
failed straight to Rasa; refused turns and component restarts found in the assistant's output are
listed per run, whose whole output goes to `--out`/assistant-<combination>.log.
Writes the tables to `--out`/telegram_throughput.md and the latency percentiles against the
offered load, both paths, to telegram_throughput.png.

    .venv/bin/python benchmarks/telegram_throughput.py [--users 40] [--rates 5,10,20,30]
        [--duration 30] [--action-workers 1,2] [--rasa-instances 1,2]
        [--tracker-store sqlite,postgresql] [--out var/benchmarks]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

# What Rasa answers instead of the replies when it could not run or store the turn
# (rasa_channels/strict_rest.py); the adapter reads the same marker.
from bot.rasa_client import TRACKER_STORE_FAILED

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` consecutive free ports: the run command starts Rasa instance N on RASA_PORT + N - 1."""
    while True:
        base = free_port()
        ports = list(range(base, base + count))
        if ports[-1] <= 65535 and all(_port_free(port) for port in ports[1:]):
            return ports


TRACKER_STORES = ("sqlite", "postgresql")
BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"
BENCH_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Combination:
    """One whole run: ACTION_WORKERS, RASA_INSTANCES and the tracker store's database."""

    action_workers: int
    rasa_instances: int = 1
    tracker_store: str = "sqlite"

    @property
    def label(self) -> str:
        workers = f"{self.action_workers} action worker{'s' * (self.action_workers != 1)}"
        return f"{workers}, {self.rasa_instances} Rasa, {self.tracker_store}"

    @property
    def slug(self) -> str:
        """For file names: 1-actions-2-rasa-postgresql."""
        return f"{self.action_workers}-actions-{self.rasa_instances}-rasa-{self.tracker_store}"


def combinations(action_workers: str, rasa_instances: str, tracker_stores: str) -> list[Combination]:
    """Every combination of the comma lists, action workers outermost, tracker store innermost."""

    def counts(values: str, option: str) -> list[int]:
        numbers = [int(value) for value in values.split(",") if value.strip()]
        if not numbers or min(numbers) < 1:
            raise ValueError(f"{option}: one or more counts of at least 1, comma-separated")
        return numbers

    stores = [store.strip().lower() for store in tracker_stores.split(",") if store.strip()]
    if not stores or any(store not in TRACKER_STORES for store in stores):
        raise ValueError(f"--tracker-store: one or more of {', '.join(TRACKER_STORES)}, comma-separated")
    return [
        Combination(*values)
        for values in itertools.product(
            counts(action_workers, "--action-workers"), counts(rasa_instances, "--rasa-instances"), stores
        )
    ]


def postgres_urls(server: str, database: str) -> tuple[str, str]:
    """The server's admin URL and TRACKER_STORE_URL of `database` on it, both with the application's
    driver (postgresql+psycopg, as in DATABASE_URL): the run command tells Rasa the same database as
    postgresql:// for its psycopg2 (assistant/conversations.py, rasa_tracker_store_url)."""
    admin = make_url(server).set(drivername="postgresql+psycopg")
    return (
        admin.render_as_string(hide_password=False),
        admin.set(database=database).render_as_string(hide_password=False),
    )


def redis_commands(url: str) -> tuple[tuple[str, int], list[bytes]]:
    """Where the Redis of `url` listens, and the commands (RESP) that empty its database."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "redis":
        raise ValueError("not a redis:// URL")
    words = [["SELECT", parsed.path.strip("/") or "0"], ["FLUSHDB"]]
    if parsed.password:
        words.insert(0, ["AUTH", *([parsed.username] if parsed.username else []), parsed.password])
    commands = [
        f"*{len(command)}\r\n".encode()
        + b"".join(f"${len(word.encode())}\r\n{word}\r\n".encode() for word in command)
        for command in words
    ]
    return (parsed.hostname or "127.0.0.1", parsed.port or 6379), commands


def flush_redis(url: str) -> None:
    """Empty the Redis database of `url` (the locks an earlier run may have left); raises OSError."""
    address, commands = redis_commands(url)
    with socket.create_connection(address, timeout=5) as connection:
        connection.sendall(b"".join(commands))
        replies = b""
        while replies.count(b"\r\n") < len(commands):  # each reply here is one line
            if not (chunk := connection.recv(4096)):
                raise ConnectionError("Redis closed the connection")
            replies += chunk
    if error := next((line for line in replies.split(b"\r\n") if line.startswith(b"-")), None):
        raise ConnectionError(error[1:].decode(errors="replace"))


class Unavailable(Exception):
    """A service a combination needs cannot be reached: that combination is skipped."""


@contextlib.contextmanager
def backing_services(combination: Combination) -> Iterator[dict[str, str]]:
    """The assistant's settings for `combination`: Redis emptied, a fresh PostgreSQL database made
    (and dropped afterwards). Raises Unavailable when Redis or PostgreSQL cannot be reached."""
    settings = {"RASA_INSTANCES": str(combination.rasa_instances)}
    if combination.rasa_instances > 1:
        redis_url = os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL)
        try:
            flush_redis(redis_url)
        except (OSError, ValueError) as error:
            shown = re.sub(r"//([^@/]*):[^@/]*@", r"//\1:***@", redis_url)  # no password shown
            strerror = error.strerror if isinstance(error, OSError) else None
            reason = f"cannot be reached ({strerror})" if strerror else f"cannot be used ({error})"
            raise Unavailable(f"Redis {shown} (BENCH_REDIS_URL) {reason}") from error
        settings["REDIS_URL"] = redis_url
    if combination.tracker_store == "sqlite":
        yield settings  # the default: conversations.sqlite3 beside the directory's file
        return
    server = os.environ.get("BENCH_POSTGRES_URL", BENCH_POSTGRES_URL)
    name = f"wegweiser_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin_url, tracker_url = postgres_urls(server, name)
        shown = make_url(server).render_as_string(hide_password=True)
    except SQLAlchemyError as error:
        raise Unavailable(f"BENCH_POSTGRES_URL is not a database URL ({server!r})") from error
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (SQLAlchemyError, ImportError) as error:
        admin.dispose()
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0].rsplit(" failed: ", 1)[-1]
        raise Unavailable(f"PostgreSQL {shown} (BENCH_POSTGRES_URL) cannot be reached ({reason})") from error
    try:
        yield {**settings, "TRACKER_STORE_URL": tracker_url}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    started: float = 0.0
    finished: float = 0.0

    def percentile(self, share: float) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(share * len(lat)))] * 1000 if lat else float("nan")

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


def rasa_url_of(user: int, rasa_urls: list[str]) -> str:
    """The Rasa instance a user talks to straight: user N to instance N % count, always the same."""
    return rasa_urls[user % len(rasa_urls)]


class StraightToRasa:
    """Spreads the users over every Rasa instance, as the adapter spreads its chats (by a hash)."""

    def __init__(self, client: httpx.AsyncClient, rasa_urls: list[str]) -> None:
        self.client = client
        self.rasa_urls = rasa_urls
        self.run = uuid.uuid4().hex[:8]

    async def turn(self, user: int, language: str, text: str) -> float:
        started = time.perf_counter()
        response = await self.client.post(
            f"{rasa_url_of(user, self.rasa_urls)}/webhooks/rest/webhook",
            json={
                "sender": f"bench-{self.run}-{user}",
                "message": text,
                "metadata": {"language_code": language},
            },
        )
        response.raise_for_status()
        if TRACKER_STORE_FAILED in response.json():  # a turn Rasa refused (strict_rest): not answered
            raise RuntimeError("Rasa refused the turn")
        return time.perf_counter() - started


Turn = Callable[[int, str, str], Awaitable[float]]
# Lines of the assistant's output that tell of a problem: the supervisor restarting a component,
# a component refusing a turn (strict_rest: "...; the turn is not stored and will be sent again").
RESTARTING = re.compile(r"\brestarting (?P<name>[\w-]+) in \d+ s")
REFUSED = re.compile(r"^\[(?P<name>[\w-]+)\] .*the turn is not stored")


def incident(line: str) -> str | None:
    """What went wrong according to one line of the assistant's output, None: nothing."""
    if match := RESTARTING.search(line):
        return f"{match['name']} restarted"
    if match := REFUSED.search(line):
        return f"{match['name']} refused a turn"
    return None


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


READY_LINE = re.compile(r"(?P<name>[\w-]+) ready(?: on \S+)? \((?P<seconds>[\d.]+) s\)")


class ProcessTree:
    """The assistant's processes from /proc, grouped by component (the supervisor's children)."""

    NAMES = (
        ("rasa run", "rasa"),
        ("referrals.actions", "actions"),
        ("bot.local_bot_api", "local-bot-api"),
        ("-m bot", "telegram-adapter"),
        ("referrals.admin", "admin"),
    )

    def __init__(self, root: int, rasa_ports: list[int] | None = None) -> None:
        self.root = root
        self.tick = os.sysconf("SC_CLK_TCK")
        self.rasa_ports = rasa_ports or []  # instance N on the N-th port: "rasa", "rasa-2", ...

    def _rasa_name(self, command: list[str]) -> str:
        port = next((command[i + 1] for i, word in enumerate(command[:-1]) if word == "-p"), "")
        number = (
            self.rasa_ports.index(int(port)) + 1 if port.isdigit() and int(port) in self.rasa_ports else 1
        )
        return "rasa" if number == 1 else f"rasa-{number}"

    def components(self) -> dict[str, list[int]]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        groups: dict[str, list[int]] = {"supervisor": [self.root]}
        for pid, parent in parents.items():
            if parent != self.root:
                continue
            try:
                argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")
            except OSError:
                continue
            command = " ".join(argv)
            name = next((n for marker, n in self.NAMES if marker in command), "other")
            if name == "rasa":
                name = self._rasa_name(argv)
            family, frontier = [pid], [pid]
            while frontier:
                frontier = [p for p, q in parents.items() if q in frontier]
                family += frontier
            groups.setdefault(name, []).extend(family)
        return groups

    def _read(self, pid: int, what: str) -> float:
        try:
            if what == "cpu":
                fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime, seconds
            for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
                if line.startswith(what + ":"):
                    return int(line.split()[1]) / 1024  # MB
        except (OSError, IndexError, ValueError):
            pass
        return 0.0

    def cpu(self) -> dict[str, float]:
        return {name: sum(self._read(p, "cpu") for p in pids) for name, pids in self.components().items()}

    def memory(self) -> dict[str, tuple[float, float]]:
        """Per component: (RSS now, peak RSS) in MB, summed over its processes."""
        return {
            name: (sum(self._read(p, "VmRSS") for p in pids), sum(self._read(p, "VmHWM") for p in pids))
            for name, pids in self.components().items()
        }


# Settings a combination sets or leaves at their defaults: never taken from the caller's environment.
COMBINATION_SETTINGS = ("RASA_INSTANCES", "REDIS_URL", "TRACKER_STORE_URL", "RASA_TRACKER_STORE_URL")


def start_assistant(
    workdir: Path,
    action_workers: int,
    project: Path = ROOT,
    settings: dict[str, str] | None = None,
    log: Path | None = None,
) -> tuple[subprocess.Popen, str, list[str], dict[str, float], Counter[str]]:
    """Start the assistant with `settings` (RASA_INSTANCES, REDIS_URL, TRACKER_STORE_URL) added,
    its whole output written to `log`; returns it, the fake Bot API's URL, every Rasa instance's
    URL, the start times and the incidents of its output (restarts, refused turns), counted on
    while it runs."""
    settings = settings or {}
    rasa_ports = free_ports(int(settings.get("RASA_INSTANCES", "1")))
    ports = {"RASA_PORT": rasa_ports[0]}
    for name in ("ACTION_SERVER_PORT", "LOCAL_CHAT_PORT", "ADMIN_PORT"):
        while (port := free_port()) in rasa_ports or port in ports.values():
            pass
        ports[name] = port
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TELEGRAM_") and k not in COMBINATION_SETTINGS
        },
        "DATABASE_URL": f"sqlite:///{workdir / 'directory.sqlite3'}",
        "PSEUDONYM_KEY": uuid.uuid4().hex,
        "LOG_LEVEL": "INFO",  # the READY line is an INFO line
        "PYTHONUNBUFFERED": "1",  # the READY line must not wait in a pipe buffer
        "ACTION_WORKERS": str(action_workers),
        **settings,
        **{k: str(v) for k, v in ports.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "run"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started = time.monotonic()
    assert process.stdout is not None
    output = []
    ready: dict[str, float] = {}
    incidents: Counter[str] = Counter()
    written = log.open("w", encoding="utf-8") if log else None

    def note(line: str) -> None:
        if written:
            written.write(line)
            written.flush()
        if what := incident(line):
            incidents[what] += 1

    for line in process.stdout:
        output.append(line)
        note(line)
        if (match := READY_LINE.search(line)) and "[" not in line.split(" ready")[0]:
            ready[match["name"]] = float(match["seconds"])
        if "READY." in line:
            ready["all (READY)"] = time.monotonic() - started
            break
        if "stopping the assistant" in line or time.monotonic() - started > 600:
            os.killpg(process.pid, 9)
            raise SystemExit("the assistant did not start:\n" + "".join(output[-30:]))
    else:
        raise SystemExit("the assistant did not start:\n" + "".join(output[-30:]))
    print(f"assistant ready after {time.monotonic() - started:.0f} s", flush=True)

    def drain(stream: IO[str]) -> None:
        for line in stream:
            note(line)
        if written:
            written.close()

    # Keep draining its output so it never blocks on a full pipe.
    threading.Thread(target=drain, args=(process.stdout,), daemon=True).start()
    api_url = f"http://127.0.0.1:{ports['LOCAL_CHAT_PORT']}"
    return process, api_url, [f"http://127.0.0.1:{port}" for port in rasa_ports], ready, incidents


@dataclass
class Phase:
    path: str
    load: str
    rate: float | None  # offered msg/s; None: saturation
    result: Result
    cpu_ms_per_turn: dict[str, float]


async def measured(
    tree: ProcessTree, path: str, load: str, rate: float | None, run: Awaitable[Result]
) -> Phase:
    before = tree.cpu()
    result = await run
    after = tree.cpu()
    turns = max(len(result.latencies), 1)
    cpu = {name: (after.get(name, 0.0) - before.get(name, 0.0)) * 1000 / turns for name in after}
    return Phase(path, load, rate, result, cpu)


@dataclass
class Run:
    combination: Combination
    ready: dict[str, float]  # component: seconds until it was ready
    phases: list[Phase]
    memory: dict[str, tuple[float, float]]  # component: (RSS at the end, peak RSS) in MB
    incidents: Counter[str] = field(default_factory=Counter)  # restarts, refused turns: whole run


async def main_async(
    args: argparse.Namespace, api_url: str, rasa_urls: list[str], tree: ProcessTree
) -> list[Phase]:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    phases: list[Phase] = []
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        adapter, rasa = Adapter(client, api_url), StraightToRasa(client, rasa_urls)
        # Warm-up: the first turns load caches (gazetteer, holidays, spaCy) in the action server.
        await fixed_load(adapter.turn, 8, 4, 4, first_user=900_000)
        await fixed_load(rasa.turn, 8, 4, 4, first_user=900_000)
        first = itertools.count(1, 1000)  # every phase with new conversations
        for rate in args.rates:
            load = f"{rate:g} msg/s"
            for path, turn in (("Rasa REST", rasa.turn), ("adapter", adapter.turn)):
                run = fixed_load(turn, args.users, rate, args.duration, next(first))
                phases.append(await measured(tree, path, load, rate, run))
                print(phases[-1].result.row(path, load), flush=True)
        for path, turn in (("Rasa REST", rasa.turn), ("adapter", adapter.turn)):
            run = saturation(turn, args.users, args.duration, next(first))
            phases.append(await measured(tree, path, "saturation", None, run))
            print(phases[-1].result.row(path, "saturation"), flush=True)
    return phases


def report(runs: list[Run], args: argparse.Namespace) -> str:
    lines = [
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}; {args.users} users, "
        f"{args.duration:g} s per phase, {len(MESSAGES)} different messages in 8 languages",
        "",
        "| run | path | load | turns | p50 ms | p95 ms | turns/s | failed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines += [f"| {run.combination.label} " + p.result.row(p.path, p.load) for p in run.phases]
    components = sorted({name for run in runs for p in run.phases for name in p.cpu_ms_per_turn})
    lines += [
        "",
        "CPU ms per answered turn, per process (utime + stime from /proc; workers counted with their"
        " component):",
        "",
        "| run | path | load | " + " | ".join(components) + " |",
        "|---|---|---|" + "---|" * len(components),
    ]
    for run in runs:
        for p in run.phases:
            cells = " | ".join(f"{p.cpu_ms_per_turn.get(name, 0.0):.1f}" for name in components)
            lines.append(f"| {run.combination.label} | {p.path} | {p.load} | {cells} |")
    lines += ["", "Start (s until each component was ready) and memory (MB, RSS at the end / peak):", ""]
    for run in runs:
        starts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.ready.items())
        rss = ", ".join(f"{name} {now:.0f}/{peak:.0f}" for name, (now, peak) in sorted(run.memory.items()))
        total = sum(now for now, _ in run.memory.values())
        lines.append(f"- {run.combination.label}: start {starts}; RSS {rss}; whole stack {total:.0f} MB")
    for run in runs:
        # A refused turn (tracker store or action failed): "failed" above straight to Rasa, sent
        # again by the adapter. A component restarted before READY: its start time is its last.
        if run.incidents:
            counts = ", ".join(f"{what} {count}x" for what, count in sorted(run.incidents.items()))
            lines.append(f"- {run.combination.label}, incidents (see its log): {counts}")
    for run in runs:
        top = max(args.rates, default=None)
        bare = next((p for p in run.phases if p.path == "Rasa REST" and p.rate == top), None)
        full = next((p for p in run.phases if p.path == "adapter" and p.rate == top), None)
        if bare and full and bare.result.latencies and full.result.latencies:
            overhead = statistics.median(full.result.latencies) / statistics.median(bare.result.latencies) - 1
            lines.append(
                f"- {run.combination.label}: adapter over Rasa REST at {bare.load}: {overhead:+.0%} (p50)"
            )
    return "\n".join(lines) + "\n"


def chart(runs: list[Run], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    for number, run in enumerate(runs):
        style = "-" if number == 0 else (":", "--", "-.")[(number - 1) % 3]
        for path, colour in (("Rasa REST", "tab:blue"), ("adapter", "tab:orange")):
            points = sorted((p.rate, p.result) for p in run.phases if p.path == path and p.rate is not None)
            rates = [rate for rate, _ in points]
            for share, marker in ((0.5, "o"), (0.95, "^")):
                axis.plot(
                    rates,
                    [result.percentile(share) for _, result in points],
                    style,
                    marker=marker,
                    color=colour,
                    label=f"{path} p{int(share * 100)}, {run.combination.label}",
                )
    axis.set_xlabel("offered load, messages per second")
    axis.set_ylabel("latency, ms")
    axis.set_yscale("log")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    axis.set_title("Latency vs offered load (benchmarks/telegram_throughput.py)", fontsize=9)
    figure.tight_layout()
    figure.savefig(target)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument(
        "--rates", default="5,10,20,30", help="offered user messages per second, one fixed-load phase each"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--action-workers", default="1", help="ACTION_WORKERS values, one whole run each")
    parser.add_argument(
        "--rasa-instances",
        default="1",
        help="RASA_INSTANCES values, one whole run each; more than 1 uses Redis (BENCH_REDIS_URL)",
    )
    parser.add_argument(
        "--tracker-store",
        default="sqlite",
        help="sqlite and/or postgresql (a fresh database on BENCH_POSTGRES_URL), one whole run each",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "benchmarks")
    parser.add_argument(
        "--project", type=Path, default=ROOT, help="checkout whose assistant to measure (e.g. a 'before')"
    )
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",") if rate]  # "": saturation only
    try:
        runs_asked = combinations(args.action_workers, args.rasa_instances, args.tracker_store)
    except ValueError as error:
        parser.error(str(error))
    # Stopped from outside: still stop the assistant it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    args.out.mkdir(parents=True, exist_ok=True)
    runs = []
    for combination in runs_asked:
        print(f"\n--- {combination.label}", flush=True)
        try:
            with backing_services(combination) as settings, tempfile.TemporaryDirectory() as workdir:
                log = args.out / f"assistant-{combination.slug}.log"
                process, api_url, rasa_urls, ready, incidents = start_assistant(
                    Path(workdir), combination.action_workers, args.project, settings, log
                )
                tree = ProcessTree(process.pid, [int(url.rsplit(":", 1)[1]) for url in rasa_urls])
                try:
                    phases = asyncio.run(main_async(args, api_url, rasa_urls, tree))
                    runs.append(Run(combination, ready, phases, tree.memory(), incidents))
                finally:
                    os.killpg(process.pid, signal.SIGINT)
                    process.wait(timeout=60)
        except Unavailable as reason:
            print(f"skipped {combination.label}: {reason}", flush=True)
    text = report(runs, args)
    (args.out / "telegram_throughput.md").write_text(text, encoding="utf-8")
    chart(runs, args.out / "telegram_throughput.png")
    print("\n" + text + f"\nwritten: {args.out / 'telegram_throughput.md'}, telegram_throughput.png")


if __name__ == "__main__":
    main()
