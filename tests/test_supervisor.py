"""The run command's process supervision: deaths are reported, stopping leaves no orphans."""

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import supervisor
from tests.support import LoggedProcess, processes_marked

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def supervised() -> tuple[LoggedProcess, str]:
    marker = uuid.uuid4().hex
    env = {**os.environ, "TEST_RUN_MARKER": marker, "PYTHONUNBUFFERED": "1"}
    code = (
        "import logging, runpy, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout);"
        "runpy.run_module('tests.supervised_dummy', run_name='__main__')"
    )
    process = LoggedProcess([sys.executable, "-c", code], env, ROOT)
    yield process, marker
    process.stop(signal.SIGKILL)
    # A killed supervisor cannot stop its components (its own stop is what the SIGINT/SIGTERM
    # test checks): what it started is ended here, not left sleeping for ten minutes.
    for pid in processes_marked(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_dying_component_is_reported_and_restarted(supervised) -> None:
    process, _marker = supervised
    process.wait_for_line("flaky exited unexpectedly with code 3", timeout=15)
    process.wait_for_line("restarting flaky in 1 s", timeout=5)
    process.wait_for_line("restarting flaky in 2 s", timeout=15)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_stops_every_process_including_workers(supervised, signum) -> None:
    process, marker = supervised
    process.wait_for_line("steady started", timeout=15)
    assert len(processes_marked(marker)) >= 3  # supervisor, steady, steady's worker
    assert process.stop(signum) == 0
    assert processes_marked(marker) == []
    assert "all components stopped" in process.output


def test_a_slow_component_is_waited_for_after_the_warning(monkeypatch, caplog) -> None:
    """A model load slower than the warning time (a busy machine) still ends in 'ready'."""
    loaded = threading.Event()

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200 if loaded.is_set() else 503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(supervisor, "READY_WARNING_SECONDS", 0.3)
    component = supervisor.Component(
        "slow", [], {}, "somewhere", ready_url=f"http://127.0.0.1:{server.server_address[1]}/"
    )

    warned = threading.Event()

    class WarningSeen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "not ready after" in record.getMessage():
                warned.set()

    logging.getLogger("assistant").addHandler(seen := WarningSeen())

    async def scenario() -> None:
        waiting = asyncio.create_task(supervisor.Supervisor([component], ".")._wait_ready(component))
        assert await asyncio.to_thread(warned.wait, 10)
        assert not component.ready.is_set()
        loaded.set()
        await asyncio.wait_for(waiting, timeout=10)

    try:
        with caplog.at_level("INFO", logger="assistant"):
            asyncio.run(scenario())
    finally:
        server.shutdown()
        logging.getLogger("assistant").removeHandler(seen)
    assert component.ready.is_set()
    assert "slow ready on somewhere" in caplog.text
