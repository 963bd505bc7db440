"""The run command's process supervision: deaths are reported, stopping leaves no orphans."""

import os
import signal
import sys
import uuid
from pathlib import Path

import pytest

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
