"""The action server's processes: rasa-sdk's primary only supervises, each Sanic worker
builds its own executor with every action (so the primary neither imports nor warms up
spaCy, the gazetteer and the database: a faster start and 90 MB less)."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time

from assistant.model import PROJECT_ROOT
from referrals.actions.server import SelectiveDomainExecutor
from tests.support import LoggedProcess, free_port

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


def test_a_stop_while_the_workers_start_ends_quietly(tmp_path) -> None:
    """The supervisor stops the server's whole process group; a stop that came while the workers
    were still loading the actions printed a traceback (Sanic's state manager had gone)."""
    server = LoggedProcess(
        [sys.executable, "-m", "referrals.actions", "-p", str(free_port())],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.db'}",
            "SANIC_HOST": "127.0.0.1",
            "ACTION_SERVER_SANIC_WORKERS": "2",
        },
        cwd=PROJECT_ROOT,
    )
    deadline = time.monotonic() + 60
    # The state manager and both workers are starting (children of the primary).
    while len(_children(server.process.pid)) < 3 and server.process.poll() is None:
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL, group=True)
            raise AssertionError("the workers never started")
        time.sleep(0.02)
    assert server.stop(signal.SIGTERM, timeout=60, group=True) == 0, server.output
    assert "Traceback" not in server.output
