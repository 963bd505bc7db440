"""What the kill -9 tests (tests/test_inbox_crash.py, tests/test_topology_crash.py) share: the
adapter and the scripted Rasa as processes of their own, killed with SIGKILL and started again,
and a burst written to the fake Bot API process (tests/e2e.py, local_bot_api) and read back.

Each key a chat sends is c<chat>-m<nn>; the scripted Rasa echoes it, so what the replies show
tells which messages were answered, how often and in which order (tests/burst.py scores it).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.burst import Score, score, unfinished_updates
from tests.e2e import ROOT
from tests.fake_rasa import TOKEN
from tests.support import LoggedProcess

ECHO = re.compile(r"^echo: (c\d+-m\d+)$")


def adapter_env(api_url: str, marker: str, rasa_ports: list[int], **settings: str) -> dict[str, str]:
    """The environment of `python -m bot` against the fake Bot API and the scripted Rasas (the
    first one's action health check). The caller's TELEGRAM_, ADAPTER_ and RASA_ settings are left
    out, so that a developer's own configuration cannot change what the test runs."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADAPTER_", "RASA_"))}
    return {
        **kept,
        "TEST_RUN_MARKER": marker,
        "PYTHONUNBUFFERED": "1",
        "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN-NOT-REAL",
        "TELEGRAM_BASE_URL": f"{api_url}/bot",
        "RASA_URL": ",".join(f"http://127.0.0.1:{port}" for port in rasa_ports),
        "RASA_TOKEN": TOKEN,
        "ACTIONS_HEALTH_URL": f"http://127.0.0.1:{rasa_ports[0]}/actions/health",
        **settings,
    }


def adapter_process(env: dict[str, str]) -> LoggedProcess:
    """`python -m bot`, returned once it polls (or fails the test after 60 s)."""
    adapter = LoggedProcess([sys.executable, "-m", "bot"], env, ROOT)
    adapter.wait_for_line("Telegram adapter ready", 60)
    return adapter


def rasa_process(port: int, marker: str, tracker_file: Path | None = None) -> LoggedProcess:
    """The scripted Rasa (0.15 s a turn) as a process, returned once it answers. With a
    tracker_file, several of them share one conversation store, as Rasa instances do."""
    argv = [sys.executable, "-m", "tests.fake_rasa", "--port", str(port), "--delay", "0.15"]
    if tracker_file is not None:
        argv += ["--tracker-file", str(tracker_file)]
    process = LoggedProcess(argv, {**os.environ, "TEST_RUN_MARKER": marker}, ROOT)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/actions/health")
            return process
        except httpx.HTTPError:
            assert time.monotonic() < deadline, process.output
            time.sleep(0.1)


def kill_9(process: LoggedProcess) -> None:
    """SIGKILL: no handler runs, whatever was in flight stays where it was."""
    os.kill(process.process.pid, signal.SIGKILL)
    process.process.wait(10)


@contextlib.contextmanager
def paused(processes: list[LoggedProcess]) -> Iterator[None]:
    """SIGSTOP `processes` for the block and SIGCONT them after it, also when it fails. While a
    worker is killed and the replies are read, the surviving workers send nothing: what the read
    shows was sent before the kill, and whatever the kill makes them send again comes after it."""
    for process in processes:
        os.kill(process.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for process in processes:
            os.kill(process.process.pid, signal.SIGCONT)


class Burst:
    """Messages of chats 1..`chats`, sent to the fake Bot API at `api_url` and read back."""

    def __init__(self, api_url: str, chats: int, per_chat: int) -> None:
        self.api_url = api_url
        self.per_chat = per_chat
        self.client = httpx.Client(timeout=10)
        self.expected = {chat: [f"c{chat}-m{n:02d}" for n in range(per_chat)] for chat in range(1, chats + 1)}

    def send(self, chat: int, key: str) -> None:
        self.client.post(f"{self.api_url}/local/send", json={"chat_id": chat, "text": key})

    def send_all(self) -> None:
        """Every expected message, interleaved, as many users write at once."""
        for n in range(self.per_chat):
            for chat, keys in self.expected.items():
                self.send(chat, keys[n])

    def answered(self) -> dict[int, list[str]]:
        """Per chat, the message keys the bot's replies echo, in the order they were posted."""
        result = {}
        for chat in self.expected:
            messages = self.client.get(
                f"{self.api_url}/local/messages", params={"chat_id": chat, "after": 0}
            ).json()
            result[chat] = [m.group(1) for m in (ECHO.match(x["text"]) for x in messages) if m]
        return result

    def answered_after_kill(self) -> dict[int, list[str]]:
        """`answered` right after a kill -9 (before the restart, any other worker `paused`):
        once two reads 0.3 s apart agree, so that a reply the killed adapter had sent is counted
        even when the Bot API finished taking it after the kill."""
        seen = self.answered()
        while True:
            time.sleep(0.3)
            again = self.answered()
            if again == seen:
                return seen
            seen = again

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while sum(len(v) for v in self.answered().values()) < count:
            assert time.monotonic() < deadline, f"fewer than {count} answers after {timeout} s"
            time.sleep(0.2)

    def wait_until_handled(self, database_url: str, timeout: float) -> None:
        """Until every stored update is done (tests/burst.py, unfinished_updates)."""
        deadline = time.monotonic() + timeout
        while left := unfinished_updates(database_url):
            assert time.monotonic() < deadline, f"{left} updates unfinished after {timeout} s"
            time.sleep(0.1)

    def score(self, answered: dict[int, list[str]]) -> Score:
        """The burst's score over every chat, failing at the first chat with a lost message or an
        answer out of order: no kill may cause either (only a reply shown twice, README)."""
        overall = Score()
        for chat, keys in self.expected.items():
            result = score(keys, answered[chat])
            assert (result.lost, result.out_of_order) == (0, 0), (chat, answered[chat])
            overall.add(result)
        return overall


def repeats_between_kills(
    at_kills: list[dict[int, list[str]]], answered: dict[int, list[str]]
) -> dict[int, list[int]]:
    """Per chat, how many replies showed again (a message key answered before) before the first
    kill, then between each kill and the next, and after the last one: `at_kills` are what
    `Burst.answered_after_kill` read after each kill, `answered` what had come in the end."""
    repeats = {}
    for chat, keys in answered.items():
        for at_kill in at_kills:  # what the Bot API shows is only ever added to
            assert keys[: len(at_kill[chat])] == at_kill[chat], (chat, at_kill[chat], keys)
        cuts = [0, *(len(at_kill[chat]) for at_kill in at_kills), len(keys)]
        repeats[chat] = [
            sum(1 for n in range(start, end) if keys[n] in keys[:n])
            for start, end in itertools.pairwise(cuts)
        ]
    return repeats
