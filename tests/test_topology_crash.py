"""kill -9 in the middle of a burst with two adapter workers and two Rasa instances, as real
processes on the real PostgreSQL: the fake Bot API, `python -m bot` twice (the first receives,
the second stands by to; both handle), and two scripted Rasas sharing one conversation store.
Killed in turn: the worker that only handles, one Rasa instance (restarted 2 s later, as the
supervisor would), and the worker that receives: the other must receive what is written after
that, before the killed one is restarted. Every message must be answered, in order per chat,
every turn run once; a reply may show twice only once per kill (README, "Not covered").

The action server's kill needs the real Rasa: benchmarks/inbox_soak.py --rasa-instances 2."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.burst import Score, score
from tests.e2e import ROOT, local_bot_api
from tests.fake_rasa import TOKEN, shared_turns
from tests.support import LoggedProcess, free_port, processes_marked

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CHATS, PER_CHAT = 8, 12
ECHO = re.compile(r"^echo: (c\d+-m\d+)$")


def _rasa(port: int, tracker_file: Path, marker: str) -> LoggedProcess:
    argv = [sys.executable, "-m", "tests.fake_rasa", "--port", str(port), "--delay", "0.15"]
    process = LoggedProcess(
        [*argv, "--tracker-file", str(tracker_file)], {**os.environ, "TEST_RUN_MARKER": marker}, ROOT
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/actions/health")
            return process
        except httpx.HTTPError:
            assert time.monotonic() < deadline, process.output
            time.sleep(0.1)


def _worker(env: dict[str, str]) -> LoggedProcess:
    adapter = LoggedProcess([sys.executable, "-m", "bot"], env, ROOT)
    adapter.wait_for_line("Telegram adapter ready", 60)
    return adapter


def _answered(client: httpx.Client, api_url: str) -> dict[int, list[str]]:
    result = {}
    for chat in range(1, CHATS + 1):
        messages = client.get(f"{api_url}/local/messages", params={"chat_id": chat, "after": 0}).json()
        result[chat] = [m.group(1) for m in (ECHO.match(x["text"]) for x in messages) if m]
    return result


def _wait_for(client: httpx.Client, api_url: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sum(len(v) for v in _answered(client, api_url).values()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} answers after {timeout} s"
        time.sleep(0.2)


def _kill(process: LoggedProcess) -> None:
    os.kill(process.process.pid, signal.SIGKILL)
    process.process.wait(10)


def test_kill_9_of_a_worker_a_rasa_instance_and_the_receiving_worker_mid_burst(
    database_url: str, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    tracker_file = tmp_path / "conversations.sqlite3"
    ports = [free_port(), free_port()]
    rasas = [_rasa(port, tracker_file, marker) for port in ports]
    client = httpx.Client(timeout=10)
    workers: list[LoggedProcess] = []
    with local_bot_api(marker) as api_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADAPTER_", "RASA_"))},
            "TEST_RUN_MARKER": marker,
            "PYTHONUNBUFFERED": "1",
            "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN-NOT-REAL",
            "TELEGRAM_BASE_URL": f"{api_url}/bot",
            "RASA_URL": ",".join(f"http://127.0.0.1:{port}" for port in ports),
            "RASA_TOKEN": TOKEN,
            "ACTIONS_HEALTH_URL": f"http://127.0.0.1:{ports[0]}/actions/health",
            "DATABASE_URL": database_url,
            "PSEUDONYM_KEY": uuid.uuid4().hex,
            "ADAPTER_WORKERS": "2",
        }
        workers = [_worker(env)]
        workers.append(_worker(env))  # started second: stands by to receive
        try:
            expected = {chat: [f"c{chat}-m{n:02d}" for n in range(PER_CHAT)] for chat in range(1, CHATS + 1)}
            for n in range(PER_CHAT):  # interleaved, as many users write at once
                for chat in expected:
                    client.post(f"{api_url}/local/send", json={"chat_id": chat, "text": expected[chat][n]})
            total = CHATS * PER_CHAT
            _wait_for(client, api_url, total // 4, 120)
            _kill(workers[1])  # the worker that only handles: the other takes its chats over
            workers[1] = _worker(env)
            _wait_for(client, api_url, total // 2, 120)
            _kill(rasas[0])  # one Rasa instance, turns in flight on it
            time.sleep(2.0)
            rasas[0] = _rasa(ports[0], tracker_file, marker)
            _wait_for(client, api_url, total * 3 // 4, 120)
            _kill(workers[0])  # the worker that receives (and handles): the other receives now
            for chat, keys in expected.items():
                keys.append(f"c{chat}-m{PER_CHAT:02d}")
                client.post(f"{api_url}/local/send", json={"chat_id": chat, "text": keys[-1]})
            total += CHATS
            _wait_for(client, api_url, total, 120)  # all answered while nobody restarted it
            workers[0] = _worker(env)
            _wait_for(client, api_url, total, 180)
            time.sleep(1.0)  # anything sent twice would come now
            answered = _answered(client, api_url)
        finally:
            for process in [*workers, *rasas]:
                process.stop(signal.SIGTERM)
    overall = Score()
    for chat, keys in expected.items():
        result = score(keys, answered[chat])
        assert (result.lost, result.out_of_order) == (0, 0), (chat, answered[chat])
        overall.add(result)
    print("\n2 workers x 2 Rasa, 3 kills:", overall)
    assert overall.answered == total
    assert overall.duplicated <= 3, answered  # at most one per kill
    turns = shared_turns(str(tracker_file))
    assert sorted(turns) == sorted(k for keys in expected.values() for k in keys)  # each turn ran once
    assert processes_marked(marker) == []
