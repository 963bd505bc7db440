"""kill -9 of the Telegram adapter in the middle of a burst, with real processes: the fake Bot
API server, the adapter (`python -m bot`) and a scripted Rasa as their own processes, the
inbox on SQLite and on PostgreSQL. Every message must be answered exactly once, in order
per chat, and Rasa must run each turn once."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest

from tests.e2e import local_bot_api
from tests.kill_burst import Burst, adapter_env, adapter_process, kill_9, rasa_process
from tests.support import free_port, processes_marked

CHATS, PER_CHAT = 6, 15


@pytest.mark.parametrize("kills", [2])
def test_kill_9_of_the_adapter_mid_burst_loses_nothing_and_runs_no_turn_twice(
    database_url: str, tmp_path: Path, kills: int
) -> None:
    marker = uuid.uuid4().hex
    rasa_port = free_port()
    rasa = rasa_process(rasa_port, marker)
    with local_bot_api(marker) as api_url:
        env = adapter_env(
            api_url, marker, [rasa_port], DATABASE_URL=database_url, PSEUDONYM_KEY=uuid.uuid4().hex
        )
        adapter = adapter_process(env)
        burst = Burst(api_url, CHATS, PER_CHAT)
        expected = burst.expected
        outputs = []
        try:
            burst.send_all()
            total = CHATS * PER_CHAT
            for kill in range(1, kills + 1):
                burst.wait_for(total * kill // (kills + 1), 120)
                kill_9(adapter)  # mid-burst: turns in flight everywhere
                outputs.append(adapter.output)
                adapter = adapter_process(env)
            burst.wait_for(total, 180)
            burst.wait_until_handled(database_url, 60)  # anything sent twice has come by then
            answered = burst.answered()
            turns = burst.client.get(f"http://127.0.0.1:{rasa_port}/fake/turns").json()
            outputs.append(adapter.output)
        finally:
            adapter.stop(signal.SIGTERM)
            rasa.stop(signal.SIGTERM)
    overall = burst.score(answered)
    # A reply is shown twice only when a kill falls between Telegram accepting it and the inbox
    # counting it (sendMessage cannot be made idempotent; README, "Not covered"): at most one per
    # kill. Every turn still runs once (below).
    assert overall.duplicated <= kills, answered
    assert overall.answered == CHATS * PER_CHAT
    assert "unfinished messages from before the restart taken up again" in "\n".join(outputs)
    assert sorted(turns) == sorted(k for keys in expected.values() for k in keys)  # each turn ran once
    assert processes_marked(marker) == []
