"""kill -9 in the middle of a burst with two adapter workers and two Rasa instances, as real
processes on the real PostgreSQL: the fake Bot API, `python -m bot` twice (the first receives,
the second stands by to; both handle), and two scripted Rasas sharing one conversation store.
Killed in turn: the worker that only handles, one Rasa instance (restarted 2 s later, as the
supervisor would), and the worker that receives: the other must receive what is written after
that, before the killed one is restarted. Every message must be answered, in order per chat,
every turn run once; a reply may show twice at most once per kill, and in each chat at most once
per worker kill and never through the Rasa kill (README, "Not covered": only an adapter dying
between Telegram's accept and the inbox's count shows a reply twice).

The action server's kill needs the real Rasa: benchmarks/inbox_soak.py --rasa-instances 2."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e import local_bot_api
from tests.fake_rasa import shared_turns
from tests.kill_burst import (
    Burst,
    adapter_env,
    adapter_process,
    kill_9,
    paused,
    rasa_process,
    repeats_between_kills,
)
from tests.support import LoggedProcess, free_port, processes_marked

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CHATS, PER_CHAT = 8, 12


def test_kill_9_of_a_worker_a_rasa_instance_and_the_receiving_worker_mid_burst(
    database_url: str, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    tracker_file = tmp_path / "conversations.sqlite3"
    ports = [free_port(), free_port()]
    rasas = [rasa_process(port, marker, tracker_file) for port in ports]
    workers: list[LoggedProcess] = []
    with local_bot_api(marker) as api_url:
        env = adapter_env(
            api_url,
            marker,
            ports,
            DATABASE_URL=database_url,
            PSEUDONYM_KEY=uuid.uuid4().hex,
            ADAPTER_WORKERS="2",
        )
        workers = [adapter_process(env)]
        workers.append(adapter_process(env))  # started second: stands by to receive
        burst = Burst(api_url, CHATS, PER_CHAT)
        expected = burst.expected
        at_kills = []  # the replies each chat had got when each worker was killed
        try:
            burst.send_all()
            total = CHATS * PER_CHAT
            burst.wait_for(total // 4, 120)
            with paused([workers[0]]):  # the replies read are those sent before the kill
                kill_9(workers[1])  # the worker that only handles: the other takes its chats over
                at_kills.append(burst.answered_after_kill())
            workers[1] = adapter_process(env)
            burst.wait_for(total // 2, 120)
            kill_9(rasas[0])  # one Rasa instance, turns in flight on it
            time.sleep(2.0)
            rasas[0] = rasa_process(ports[0], marker, tracker_file)
            burst.wait_for(total * 3 // 4, 120)
            with paused([workers[1]]):
                kill_9(workers[0])  # the worker that receives (and handles): the other receives now
                at_kills.append(burst.answered_after_kill())
            for chat, keys in expected.items():
                keys.append(f"c{chat}-m{PER_CHAT:02d}")
                burst.send(chat, keys[-1])
            total += CHATS
            burst.wait_for(total, 120)  # all answered while nobody restarted it
            workers[0] = adapter_process(env)
            burst.wait_for(total, 180)
            burst.wait_until_handled(database_url, 60)  # anything sent twice has come by then
            answered = burst.answered()
        finally:
            for process in [*workers, *rasas]:
                process.stop(signal.SIGTERM)
    overall = burst.score(answered)
    # Per chat: none before the first worker kill, at most one from it to the second (the Rasa
    # kill between them may add none), at most one after the second (tests/test_inbox_crash.py).
    repeats_by_chat = repeats_between_kills(at_kills, answered)
    print(
        "\n2 workers x 2 Rasa, 3 kills:",
        overall,
        "repeats per chat before, between, after the worker kills:",
        repeats_by_chat,
    )
    assert overall.answered == total
    assert overall.duplicated <= 3, answered  # at most one per kill
    for chat, repeats in repeats_by_chat.items():
        assert repeats[0] == 0 and max(repeats[1:]) <= 1, (chat, repeats, answered[chat])
    turns = shared_turns(str(tracker_file))
    assert sorted(turns) == sorted(k for keys in expected.values() for k in keys)  # each turn ran once
    assert processes_marked(marker) == []
