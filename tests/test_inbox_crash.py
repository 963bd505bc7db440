"""kill -9 of the Telegram adapter in the middle of a burst, with real processes: the fake Bot
API server, the adapter (`python -m bot`) and a scripted Rasa as their own processes, the
inbox on SQLite and on PostgreSQL. Every message must be answered, in order per chat, and Rasa
must run each turn once; a reply may show twice only as the README allows (below)."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest

from tests.e2e import local_bot_api
from tests.kill_burst import Burst, adapter_env, adapter_process, kill_9, rasa_process, repeats_between_kills
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
        at_kills = []  # the replies each chat had got when each kill had happened
        try:
            burst.send_all()
            total = CHATS * PER_CHAT
            for kill in range(1, kills + 1):
                burst.wait_for(total * kill // (kills + 1), 120)
                kill_9(adapter)  # mid-burst: turns in flight everywhere
                at_kills.append(burst.answered_after_kill())
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
    # counting it (sendMessage cannot be made idempotent; README, "Not covered"): at most once in
    # each chat per kill, as each chat has one update in flight and its replies go out one by one;
    # never without a kill. Every turn still runs once (below).
    repeats_by_chat = repeats_between_kills(at_kills, answered)
    print(
        f"\nadapter kill -9 x {kills}:",
        overall,
        "repeats per chat before, between, after the kills:",
        repeats_by_chat,
    )
    for chat, repeats in repeats_by_chat.items():
        assert repeats[0] == 0 and max(repeats[1:]) <= 1, (chat, repeats, answered[chat])
    assert overall.answered == CHATS * PER_CHAT
    assert "unfinished messages from before the restart taken up again" in "\n".join(outputs)
    assert sorted(turns) == sorted(k for keys in expected.values() for k in keys)  # each turn ran once
    assert processes_marked(marker) == []


def test_a_repeat_counts_for_the_kill_before_it() -> None:
    answered = {1: ["m0", "m1", "m1", "m2", "m3", "m3"], 2: ["m0", "m0", "m1"]}
    at_kills = [{1: ["m0", "m1"], 2: ["m0", "m0"]}, {1: ["m0", "m1", "m1", "m2", "m3"], 2: ["m0", "m0"]}]
    # chat 1: m1 again after the first kill, m3 after the second; chat 2: m0 again before any kill
    assert repeats_between_kills(at_kills, answered) == {1: [0, 1, 1], 2: [1, 0, 0]}
