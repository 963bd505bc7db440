"""Scripts run in the Rasa environment (the NLU components are Rasa GraphComponents, which the
application's environment cannot import); a test reads the JSON its script printed last.

Importing the components pulls in TensorFlow: 10-20 s of CPU per process. So the scripts of all
collected modules (registered with `in_rasa` when their module is imported) run together in one
process, once per test run: under pytest-xdist the first worker that needs a result runs them
all and leaves the results in the run's shared directory, where the other worker reads them
(pytest-xdist's recipe for work done once per run: a file lock in the base temp's parent).
Where a selected test needs them, they start in the background with the session
(`prefetch`), so that no worker sits idle waiting for them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.model import PROJECT_ROOT, RASA_BIN, rasa_environment

RASA_PYTHON = RASA_BIN.parent / "python"
SCRIPT_TIMEOUT = 600  # seconds for all scripts, the imports included
REPLY = "@@rasa-scripts@@ "  # marks the runner's answer among whatever else reaches stdout

# Reads {key: script} on stdin, runs each in a namespace of its own and answers with one REPLY
# line: per key what the script printed, or its traceback.
RUNNER = f"""
import contextlib, io, json, sys, traceback
replies = {{}}
for key, script in json.load(sys.stdin).items():
    printed = io.StringIO()
    replies[key] = {{}}
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(script, "<test script>", "exec"), {{"__name__": "__script__"}})
    except BaseException:
        replies[key]["error"] = traceback.format_exc()
    replies[key]["printed"] = printed.getvalue()
print({REPLY!r} + json.dumps(replies), flush=True)
"""

_SCRIPTS: dict[str, str] = {}  # key -> script, of every module imported so far


def _key(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()[:16]


def in_rasa(script: str) -> str:
    """Register `script` (call it at import, so that it runs with the others); returns it."""
    _SCRIPTS[_key(script)] = script
    return script


class RasaScripts:
    """The results of the registered scripts; `shared` is the directory xdist workers share
    (None without xdist: the results then live in this process only)."""

    def __init__(self, shared: Path | None) -> None:
        self._shared = shared
        self._results: dict[str, dict[str, str]] = {}
        self._prefetch: threading.Thread | None = None
        self._failure: BaseException | None = None  # of the prefetch, raised to the first test

    def prefetch(self) -> None:
        """Run the scripts (or wait for another worker's results) in the background."""
        if self._prefetch is None:
            self._prefetch = threading.Thread(target=self._fetch, name="rasa-scripts", daemon=True)
            self._prefetch.start()

    def _fetch(self) -> None:
        try:
            self._results.update(self._all())
        except BaseException as error:  # noqa: BLE001 - a skip included: raised in the test
            self._failure = error

    def wait(self) -> None:
        """Until the prefetch has ended."""
        if self._prefetch is not None:
            self._prefetch.join()

    def result(self, script: str) -> Any:
        """The JSON `script` (registered with in_rasa) printed last."""
        key = _key(script)
        assert key in _SCRIPTS, "register the script with in_rasa when the module is imported"
        self.wait()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if key not in self._results:
            self._results.update(self._all())
        reply = self._results[key]
        if "error" in reply:
            raise AssertionError(f"the script failed in the Rasa environment:\n{reply['error']}")
        return json.loads(reply["printed"].strip().splitlines()[-1])

    def _all(self) -> dict[str, dict[str, str]]:
        if self._shared is None:
            return _run(_SCRIPTS)
        with open(self._shared / "rasa-scripts.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits, then reads
            stored = self._shared / "rasa-scripts.json"
            results = json.loads(stored.read_text()) if stored.exists() else {}
            missing = {key: script for key, script in _SCRIPTS.items() if key not in results}
            if missing:
                results.update(_run(missing))
                stored.write_text(json.dumps(results))
        return results


def _run(scripts: dict[str, str]) -> dict[str, dict[str, str]]:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment is not set up (scripts/setup.sh)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", RUNNER],
        input=json.dumps(scripts),
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
    )
    replies = [line for line in done.stdout.splitlines() if line.startswith(REPLY)]
    if done.returncode != 0 or not replies:
        raise AssertionError(
            f"the Rasa environment's Python failed ({done.returncode}):\n{done.stderr[-6000:]}"
        )
    results: dict[str, dict[str, str]] = json.loads(replies[-1].removeprefix(REPLY))
    return results
