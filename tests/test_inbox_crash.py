"""kill -9 of the Telegram adapter in the middle of a burst, with real processes: the fake Bot
API server, the adapter (`python -m bot`) and a scripted Rasa as their own processes, the
inbox on SQLite and on PostgreSQL. Every message must be answered exactly once, in order
per chat, and Rasa must run each turn once."""

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
from tests.fake_rasa import TOKEN
from tests.support import LoggedProcess, free_port, processes_marked

CHATS, PER_CHAT = 6, 15
ECHO = re.compile(r"^echo: (c\d+-m\d+)$")


def _start_adapter(env: dict[str, str]) -> LoggedProcess:
    adapter = LoggedProcess([sys.executable, "-m", "bot"], env, ROOT)
    adapter.wait_for_line("Telegram adapter ready", 60)
    return adapter


def _answered(client: httpx.Client, api_url: str) -> dict[int, list[str]]:
    """Per chat, the message keys the bot's replies echo, in the order they were posted."""
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


@pytest.mark.parametrize("kills", [2])
def test_kill_9_of_the_adapter_mid_burst_loses_nothing_and_runs_no_turn_twice(
    database_url: str, tmp_path: Path, kills: int
) -> None:
    marker = uuid.uuid4().hex
    rasa_port = free_port()
    rasa = LoggedProcess(
        [sys.executable, "-m", "tests.fake_rasa", "--port", str(rasa_port), "--delay", "0.15"],
        {**os.environ, "TEST_RUN_MARKER": marker},
        ROOT,
    )
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    client = httpx.Client(timeout=10)
    with local_bot_api(marker) as api_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TEST_RUN_MARKER": marker,
            "PYTHONUNBUFFERED": "1",
            "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN-NOT-REAL",
            "TELEGRAM_BASE_URL": f"{api_url}/bot",
            "RASA_URL": rasa_url,
            "RASA_TOKEN": TOKEN,
            "ACTIONS_HEALTH_URL": f"{rasa_url}/actions/health",
            "DATABASE_URL": database_url,
            "PSEUDONYM_KEY": uuid.uuid4().hex,
        }
        adapter = _start_adapter(env)
        outputs = []
        try:
            expected = {chat: [f"c{chat}-m{n:02d}" for n in range(PER_CHAT)] for chat in range(1, CHATS + 1)}
            for n in range(PER_CHAT):  # interleaved, as many users write at once
                for chat in expected:
                    client.post(f"{api_url}/local/send", json={"chat_id": chat, "text": expected[chat][n]})
            total = CHATS * PER_CHAT
            for kill in range(1, kills + 1):
                _wait_for(client, api_url, total * kill // (kills + 1), 120)
                os.kill(adapter.process.pid, signal.SIGKILL)  # mid-burst: turns in flight everywhere
                adapter.process.wait(10)
                outputs.append(adapter.output)
                adapter = _start_adapter(env)
            _wait_for(client, api_url, total, 180)
            time.sleep(1.0)  # anything sent twice would come now
            answered = _answered(client, api_url)
            turns = client.get(f"{rasa_url}/fake/turns").json()
            outputs.append(adapter.output)
        finally:
            adapter.stop(signal.SIGTERM)
            rasa.stop(signal.SIGTERM)
    overall = Score()
    for chat, keys in expected.items():
        result = score(keys, answered[chat])
        assert (result.lost, result.out_of_order) == (0, 0), (chat, answered[chat])
        overall.add(result)
    # A reply is shown twice only when a kill falls between Telegram accepting it and the inbox
    # counting it (sendMessage cannot be made idempotent; README, "Not covered"): at most one per
    # kill. Every turn still runs once (below).
    assert overall.duplicated <= kills, answered
    assert overall.answered == CHATS * PER_CHAT
    assert "unfinished messages from before the restart taken up again" in "\n".join(outputs)
    assert sorted(turns) == sorted(k for keys in expected.values() for k in keys)  # each turn ran once
    assert processes_marked(marker) == []
