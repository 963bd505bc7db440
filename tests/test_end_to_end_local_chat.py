"""End to end without a bot token: the local chat page, and a component that dies."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest

from tests.e2e import Chat, services_in, start_assistant, text_of
from tests.support import processes_marked

pytestmark = [pytest.mark.e2e, pytest.mark.model]


def _pids_running(marker: str, fragment: bytes) -> list[int]:
    pids = []
    for pid in processes_marked(marker):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if fragment in handle.read():
                    pids.append(pid)
        except OSError:
            pass
    return pids


def test_local_chat_page_survives_a_crashed_action_server(tmp_path, demo_services) -> None:
    marker = uuid.uuid4().hex
    process, env = start_assistant(tmp_path, marker)
    try:
        chat_url = f"http://127.0.0.1:{env['LOCAL_CHAT_PORT']}"
        assert f"chat with the assistant at {chat_url}" in process.output
        page = httpx.get(chat_url)
        assert page.status_code == 200 and "Wegweiser" in page.text

        chat = Chat(chat_url, chat_id=1, language_code="en")
        text = text_of(chat.say("I need a doctor in Berlin"))
        assert any(name in text for name in services_in(demo_services, "health", "Berlin")), text

        for pid in _pids_running(marker, b"referrals.actions"):
            os.kill(pid, signal.SIGKILL)
        process.wait_for_line("actions exited unexpectedly", timeout=20)
        process.wait_for_line("restarting actions", timeout=5)
        deadline_line = "actions ready on"
        # The first "ready" line is from the start-up; wait for the second one (a restart took
        # over 30 s on a loaded two-core machine).
        deadline = time.monotonic() + 120
        while process.output.count(deadline_line) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert process.output.count(deadline_line) >= 2, process.output[-3000:]

        text = text_of(chat.say("Ich suche eine Beratung zu Kita in Darmstadt"))
        assert any(name in text for name in services_in(demo_services, "youth_family", "Darmstadt")), text
    finally:
        code = process.stop(signal.SIGTERM, timeout=40)
    assert code == 0
    assert processes_marked(marker) == [], "orphaned processes after SIGTERM"
