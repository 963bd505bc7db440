"""The action server's processes: rasa-sdk's primary only supervises, each Sanic worker
builds its own executor with every action (so the primary neither imports nor warms up
spaCy, the gazetteer and the database: a faster start and 90 MB less)."""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import time
import uuid
from types import FrameType

import pytest
from sanic.worker.manager import WorkerManager

from assistant.model import PROJECT_ROOT
from referrals.actions import server as action_server
from referrals.actions.server import SelectiveDomainExecutor
from tests.support import LoggedProcess, free_port, processes_marked

DOMAIN_ACTIONS = {
    "action_extract_language_and_place",
    "action_topic_menu",
    "action_ask_topic",
    "action_ask_city",
    "validate_referral_form",
    "action_find_referrals",
    "action_answer_faq",
    "action_offer_referral",
    "action_accept_offer",
    "action_confirm_language",
    "action_report_problem",
}


def test_a_worker_gets_every_action_the_primary_has_none() -> None:
    primary = SelectiveDomainExecutor()
    assert primary.actions == {}
    worker = pickle.loads(pickle.dumps(primary))  # what Sanic does to start a worker
    assert isinstance(worker, SelectiveDomainExecutor)
    assert DOMAIN_ACTIONS <= set(worker.actions)


def test_the_primary_imports_neither_spacy_nor_alembic() -> None:
    code = (
        "import sys, referrals.actions.server; "
        "print(sorted(m for m in ('spacy', 'alembic', 'referrals.gazetteer') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _children(pid: int) -> list[str]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return listing.read().split()


def _spawned(pid: int) -> list[int]:
    """The primary's children started by multiprocessing's spawn, oldest first: Sanic's state
    manager, then the workers (the resource tracker is not one of them)."""
    pids = []
    for child in _children(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                if b"spawn_main" in cmdline.read():
                    pids.append(int(child))
        except OSError:
            continue
    return pids


def _start_server(tmp_path, marker: str) -> LoggedProcess:
    return LoggedProcess(
        [sys.executable, "-m", "referrals.actions", "-p", str(free_port())],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.db'}",
            "SANIC_HOST": "127.0.0.1",
            "ACTION_SERVER_SANIC_WORKERS": "2",
            "TEST_RUN_MARKER": marker,
        },
        cwd=PROJECT_ROOT,
    )


def _nothing_left(marker: str) -> list[int]:
    deadline = time.monotonic() + 10
    while (left := processes_marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0])
def test_a_stop_while_the_workers_start_ends_quietly(tmp_path, delay: float) -> None:
    """The supervisor stops the server's whole process group; a stop that came while the workers
    were still loading the actions printed a traceback (Sanic's state manager had gone). At 0 s
    the primary is still starting the second worker, later it waits for both to load."""
    marker = uuid.uuid4().hex
    server = _start_server(tmp_path, marker)
    deadline = time.monotonic() + 60
    # The resource tracker, the state manager and a first worker are there (children of the primary).
    while len(_children(server.process.pid)) < 3 and server.process.poll() is None:
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL, group=True)
            raise AssertionError("the workers never started")
        time.sleep(0.02)
    time.sleep(delay)
    assert server.stop(signal.SIGTERM, timeout=60, group=True) == 0, server.output
    assert "Traceback" not in server.output
    assert _nothing_left(marker) == []


@pytest.mark.parametrize("moment", ["storing a worker's state", "waiting for the workers"])
def test_a_stop_during_a_call_to_the_state_manager_ends_quietly(tmp_path, moment: str) -> None:
    """The second race, made certain: the stop reaches the primary while one of its calls to Sanic's
    state manager is under way (the manager is held with SIGSTOP), so Sanic's stop handler reads the
    interrupted call's answer ("TypeError: 'NoneType' object is not a mapping" while a worker's
    state is stored, 'list' while the workers' states are read). The manager gets its SIGTERM last,
    as it may from a group stop on a busy machine."""
    marker = uuid.uuid4().hex
    server = _start_server(tmp_path, marker)
    pid = server.process.pid
    # Storing: the first worker was just spawned, the primary records its state and starts the
    # second. Waiting: both were spawned, the primary reads every worker's state each 0.1 s.
    wanted = 2 if moment == "storing a worker's state" else 3
    deadline = time.monotonic() + 60
    while len(spawned := _spawned(pid)) < wanted and server.process.poll() is None:
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL, group=True)
            raise AssertionError(f"the workers never started; output:\n{server.output[-3000:]}")
        time.sleep(0.005)
    manager = spawned[0]
    if moment == "waiting for the workers":
        time.sleep(0.5)
    os.kill(manager, signal.SIGSTOP)
    try:
        time.sleep(0.3)  # the primary's next call to the manager waits for its answer
        for process in [pid, *_spawned(pid)[1:]]:  # the primary and the workers, not the manager
            os.kill(process, signal.SIGTERM)
        time.sleep(0.3)  # the primary's stop handler sent its own call on the same connection
    finally:
        os.kill(manager, signal.SIGCONT)
    time.sleep(0.3)
    try:
        os.kill(manager, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        code = server.process.wait(60)  # no second signal: one that comes while Python exits kills
    finally:
        server.stop(signal.SIGKILL, group=True)  # only if it hung; collects the output
    assert code == 0, server.output
    assert "Traceback" not in server.output, server.output
    assert _nothing_left(marker) == []


@pytest.fixture
def main_in_process(monkeypatch) -> None:
    """`main` run in the test process: without its logging set-up, with its filter on Sanic's
    error log and its wrap of Sanic's stop handler undone afterwards."""
    monkeypatch.setattr(action_server.utils, "configure_colored_logging", lambda level: None)
    monkeypatch.setattr(action_server.utils, "update_sanic_log_level", lambda *args: None)
    monkeypatch.setattr(logging.getLogger("sanic.error"), "filters", [])
    monkeypatch.setattr(WorkerManager, "shutdown_signal", WorkerManager.shutdown_signal)
    monkeypatch.setattr(action_server, "_stop_signals", [])


def test_an_exception_after_a_stop_signal_is_the_stop_and_quiet(main_in_process, monkeypatch, caplog) -> None:
    def sanic_handler(manager: WorkerManager, signum: int, frame: FrameType | None) -> None:
        raise TypeError("'NoneType' object is not a mapping")  # what the race above does

    def serve(*args: object) -> None:
        try:
            WorkerManager.shutdown_signal(None, signal.SIGTERM, None)  # type: ignore[arg-type]
        except TypeError:
            logging.getLogger("sanic.error").error("Experienced exception while trying to serve")
            raise

    monkeypatch.setattr(WorkerManager, "shutdown_signal", sanic_handler)
    monkeypatch.setattr(action_server, "run", serve)
    with caplog.at_level(logging.INFO):
        action_server.main([])
    assert action_server._stop_signals == [signal.SIGTERM]
    assert "Experienced exception" not in caplog.text
    assert "stopped (signal 15) while starting or stopping: TypeError" in caplog.text


def test_without_a_stop_signal_an_exception_stays_loud(main_in_process, monkeypatch, caplog) -> None:
    def serve(*args: object) -> None:
        try:
            raise BrokenPipeError("the state manager is gone")
        except BrokenPipeError:
            logging.getLogger("sanic.error").error("Experienced exception while trying to serve")
            raise

    monkeypatch.setattr(action_server, "run", serve)
    with pytest.raises(BrokenPipeError):
        action_server.main([])
    assert "Experienced exception while trying to serve" in caplog.text
