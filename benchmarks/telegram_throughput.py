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
per component from the supervisor's "ready" lines. The whole run is repeated for each
`--action-workers` count (ACTION_WORKERS). Writes the tables to `--out`/telegram_throughput.md
and the latency percentiles against the offered load, both paths, to telegram_throughput.png.

    .venv/bin/python benchmarks/telegram_throughput.py [--users 40] [--rates 5,10,20,30]
        [--duration 30] [--action-workers 1,2] [--out var/benchmarks]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
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

    def __init__(self, root: int) -> None:
        self.root = root
        self.tick = os.sysconf("SC_CLK_TCK")

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
                command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            name = next((n for marker, n in self.NAMES if marker in command), "other")
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


def start_assistant(
    workdir: Path, action_workers: int, project: Path = ROOT
) -> tuple[subprocess.Popen, str, str, dict[str, float]]:
    ports = {
        name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "LOCAL_CHAT_PORT", "ADMIN_PORT")
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "DATABASE_URL": f"sqlite:///{workdir / 'directory.sqlite3'}",
        "PSEUDONYM_KEY": uuid.uuid4().hex,
        "LOG_LEVEL": "INFO",  # the READY line is an INFO line
        "PYTHONUNBUFFERED": "1",  # the READY line must not wait in a pipe buffer
        "ACTION_WORKERS": str(action_workers),
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
    for line in process.stdout:
        output.append(line)
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
    # Keep draining its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    api_url = f"http://127.0.0.1:{ports['LOCAL_CHAT_PORT']}"
    return process, api_url, f"http://127.0.0.1:{ports['RASA_PORT']}", ready


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


async def main_async(args: argparse.Namespace, api_url: str, rasa_url: str, tree: ProcessTree) -> list[Phase]:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    phases: list[Phase] = []
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        adapter, rasa = Adapter(client, api_url), StraightToRasa(client, rasa_url)
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


def report(
    runs: list[tuple[int, dict[str, float], list[Phase], dict[str, tuple[float, float]]]], args
) -> str:
    lines = [
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}; {args.users} users, "
        f"{args.duration:g} s per phase, {len(MESSAGES)} different messages in 8 languages",
        "",
        "| action workers | path | load | turns | p50 ms | p95 ms | turns/s | failed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workers, _, phases, _ in runs:
        lines += [f"| {workers} " + p.result.row(p.path, p.load) for p in phases]
    components = sorted({name for _, _, phases, _ in runs for p in phases for name in p.cpu_ms_per_turn})
    lines += [
        "",
        "CPU ms per answered turn, per process (utime + stime from /proc; workers counted with their"
        " component):",
        "",
        "| action workers | path | load | " + " | ".join(components) + " |",
        "|---|---|---|" + "---|" * len(components),
    ]
    for workers, _, phases, _ in runs:
        for p in phases:
            cells = " | ".join(f"{p.cpu_ms_per_turn.get(name, 0.0):.1f}" for name in components)
            lines.append(f"| {workers} | {p.path} | {p.load} | {cells} |")
    lines += ["", "Start (s until each component was ready) and memory (MB, RSS at the end / peak):", ""]
    for workers, ready, _, memory in runs:
        starts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in ready.items())
        rss = ", ".join(f"{name} {now:.0f}/{peak:.0f}" for name, (now, peak) in sorted(memory.items()))
        total = sum(now for now, _ in memory.values())
        lines.append(f"- {workers} action worker(s): start {starts}; RSS {rss}; whole stack {total:.0f} MB")
    for workers, _, phases, _ in runs:
        top = max(args.rates, default=None)
        bare = next((p for p in phases if p.path == "Rasa REST" and p.rate == top), None)
        full = next((p for p in phases if p.path == "adapter" and p.rate == top), None)
        if bare and full and bare.result.latencies and full.result.latencies:
            overhead = statistics.median(full.result.latencies) / statistics.median(bare.result.latencies) - 1
            lines.append(
                f"- {workers} action worker(s): adapter over Rasa REST at {bare.load}: {overhead:+.0%} (p50)"
            )
    return "\n".join(lines) + "\n"


def chart(
    runs: list[tuple[int, dict[str, float], list[Phase], dict[str, tuple[float, float]]]], target: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    for workers, _, phases, _ in runs:
        for path, colour in (("Rasa REST", "tab:blue"), ("adapter", "tab:orange")):
            points = sorted((p.rate, p.result) for p in phases if p.path == path and p.rate is not None)
            rates = [rate for rate, _ in points]
            style = "-" if workers == runs[0][0] else ":"
            for share, marker in ((0.5, "o"), (0.95, "^")):
                axis.plot(
                    rates,
                    [result.percentile(share) for _, result in points],
                    style,
                    marker=marker,
                    color=colour,
                    label=f"{path} p{int(share * 100)}, {workers} action worker(s)",
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
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "benchmarks")
    parser.add_argument(
        "--project", type=Path, default=ROOT, help="checkout whose assistant to measure (e.g. a 'before')"
    )
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",") if rate]  # "": saturation only
    # Stopped from outside: still stop the assistant it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    runs = []
    for workers in (int(w) for w in args.action_workers.split(",")):
        print(f"\n--- {workers} action worker(s)", flush=True)
        with tempfile.TemporaryDirectory() as workdir:
            process, api_url, rasa_url, ready = start_assistant(Path(workdir), workers, args.project)
            tree = ProcessTree(process.pid)
            try:
                phases = asyncio.run(main_async(args, api_url, rasa_url, tree))
                runs.append((workers, ready, phases, tree.memory()))
            finally:
                os.killpg(process.pid, signal.SIGINT)
                process.wait(timeout=60)
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(runs, args)
    (args.out / "telegram_throughput.md").write_text(text, encoding="utf-8")
    chart(runs, args.out / "telegram_throughput.png")
    print("\n" + text + f"\nwritten: {args.out / 'telegram_throughput.md'}, telegram_throughput.png")


if __name__ == "__main__":
    main()
