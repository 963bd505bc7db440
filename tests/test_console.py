"""The run command's console: third-party noise filtered, warnings that matter kept, training
progress shown, and a quiet end when Ctrl-C also ended whatever read the console."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from assistant import __main__ as run_command
from assistant import model
from assistant.console import NoiseFilter, TrainingProgress
from assistant.model import run_training

ROOT = Path(__file__).resolve().parent.parent
RASA_ENV = "/srv/x/.venv-rasa/lib/python3.10/site-packages"
PROJECT = "/srv/x/nlu_components"

# Lines as Rasa's environment printed them at a start (paths shortened).
THIRD_PARTY_DEPRECATIONS = [
    f"{RASA_ENV}/rasa/shared/utils/validation.py:134: DeprecationWarning: pkg_resources is deprecated.",
    "  import pkg_resources",
    f"{RASA_ENV}/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to "
    "`pkg_resources.declare_namespace('ruamel')`.",
    "Implementing implicit namespace packages (as specified in PEP 420) is preferred to "
    "`pkg_resources.declare_namespace`.",
    "  declare_namespace(pkg)",
    f"{RASA_ENV}/matplotlib/fontconfig_pattern.py:66: PyparsingDeprecationWarning: 'setParseAction' "
    "deprecated - use 'set_parse_action'",
    "  ).setParseAction(self._family)",
    f"{RASA_ENV}/rasa/core/tracker_store.py:1044: MovedIn20Warning: Deprecated API features detected!",
    "  Base: DeclarativeMeta = declarative_base()",
    f"\x1b[93m{RASA_ENV}/keras/utils/data_utils.py:206: DeprecationWarning: invalid escape sequence\x1b[0m",
    '  """Downloads a file from a URL if it not already in the cache.',
]


def kept(lines: list[str]) -> list[str]:
    noise = NoiseFilter()
    return [line for line in lines if noise.keep(line)]


def test_third_party_deprecation_warnings_are_dropped_with_their_lines() -> None:
    assert kept(THIRD_PARTY_DEPRECATIONS) == []


def test_warnings_that_matter_and_log_records_are_kept() -> None:
    lines = [
        "2026-12-06 11:03:12 INFO     rasa.core.processor  - Loading model models/x.tar.gz...",
        f"{RASA_ENV}/rasa/shared/utils/io.py:99: UserWarning: Intent 'greet' has only 2 training examples",
        "  More info at https://rasa.com/docs/rasa/training-data-format",
        f"{PROJECT}/sentence_classifier.py:80: DeprecationWarning: our own deprecated call",
        "  self.old()",
        "2026-12-06 11:03:13 ERROR    rasa.core.actions.action  - Failed to run custom action",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ValueError: broken",
    ]
    assert kept(lines) == lines


def test_a_record_right_after_a_dropped_warning_is_kept() -> None:
    """A warning printed without its source line must not swallow what follows."""
    lines = [
        f"{RASA_ENV}/sanic_cors/extension.py:39: DeprecationWarning: distutils Version is deprecated.",
        "2026-12-06 11:03:11 INFO     root  - Starting Rasa server on http://127.0.0.1:5005",
        f"{RASA_ENV}/jax/x.py:1: FutureWarning: something",
        "Traceback (most recent call last):",
    ]
    assert kept(lines) == [lines[1], lines[3]]


HOOKS = "2026-12-06 10:50:02 INFO     rasa.engine.training.hooks  - "


def test_training_shows_one_progress_line_per_component_and_its_warnings() -> None:
    now = [0.0]
    progress = TrainingProgress(clock=lambda: now[0])
    user_warning = f"{RASA_ENV}/rasa/shared/utils/io.py:99: UserWarning: Found 3 examples of one intent"
    encoder_warning = "2026-12-06 10:56:00 WARNING  nlu_components.sentence_classifier  - encoder unavailable"
    output = [  # (seconds since the start, line)
        *((1.0, line) for line in THIRD_PARTY_DEPRECATIONS),
        (2.0, HOOKS + "Restored component 'WhitespaceTokenizer' from cache."),
        (42.4, HOOKS + "Starting to train component 'DIETClassifier'."),
        (90.0, "2026-12-06 10:51:30 INFO     rasa.nlu.classifiers.diet_classifier  - some detail of DIET"),
        (91.0, user_warning),
        (100.0, HOOKS + "Finished training component 'DIETClassifier'."),
        (150.0, HOOKS + "Starting to train component 'SentenceClassifier'."),
        (160.0, encoder_warning),
    ]
    shown = []
    for now[0], line in output:
        if (result := progress.line(line)) is not None:
            shown.append(result)
    assert [s.text for s in shown if s.progress] == [
        "training DIETClassifier (component 2, 42 s)",
        "training SentenceClassifier (component 3, 2 min 30 s)",
    ]
    assert [s.text for s in shown if not s.progress] == [user_warning, encoder_warning]


def test_a_silence_gets_a_line_saying_what_still_trains() -> None:
    now = [0.0]
    progress = TrainingProgress(clock=lambda: now[0])
    now[0] = 50.0
    assert progress.still() == ("still training (50 s in all)", True)  # reading the data
    progress.line(HOOKS + "Starting to train component 'DIETClassifier'.")
    now[0] = 50.0 + 12 * 60 + 59
    assert progress.still().text == "still training DIETClassifier (12 min so far, 13 min in all)"
    progress.line(HOOKS + "Finished training component 'DIETClassifier'.")
    now[0] = 50.0 + 25 * 60  # featurizing for the next component: no component is training
    assert progress.still().text == "still training (25 min in all)"


def _fake_rasa(tmp_path: Path, lines: list[str], code: int) -> list[str]:
    script = tmp_path / "rasa.py"
    script.write_text(f"import sys\nfor line in {lines!r}:\n    print(line)\nsys.exit({code})\n")
    return [sys.executable, str(script)]


def test_a_training_prints_its_progress(tmp_path, caplog, capsys) -> None:
    lines = [
        *THIRD_PARTY_DEPRECATIONS,
        HOOKS + "Starting to train component 'DIETClassifier'.",
        HOOKS + "some chatter",
    ]
    with caplog.at_level(logging.INFO, logger="assistant.model"):
        run_training(_fake_rasa(tmp_path, lines, 0), env=dict(os.environ))
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["training DIETClassifier"]
    assert capsys.readouterr().out == ""


def test_a_component_that_trains_without_a_line_gets_progress_lines(tmp_path, monkeypatch, caplog) -> None:
    """DIET prints nothing for many minutes: the console must not look stuck meanwhile."""
    monkeypatch.setattr(model, "STILL_SECONDS", 0.2)
    go_on = tmp_path / "go-on"
    script = tmp_path / "rasa.py"
    started = HOOKS + "Starting to train component 'DIETClassifier'."
    finished = HOOKS + "Finished training component 'DIETClassifier'."
    # The fake training stays silent until the test has seen a progress line (or 60 s passed).
    script.write_text(
        "import os, time\n"
        f"print({started!r})\n"
        "deadline = time.monotonic() + 60\n"
        f"while not os.path.exists({str(go_on)!r}) and time.monotonic() < deadline:\n"
        "    time.sleep(0.02)\n"
        f"print({finished!r})\n"
    )
    said = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("still training"):
                said.set()

    watch = Watch()
    logging.getLogger("assistant.model").addHandler(watch)
    training = threading.Thread(target=run_training, args=([sys.executable, str(script)], dict(os.environ)))
    try:
        with caplog.at_level(logging.INFO, logger="assistant.model"):
            training.start()
            assert said.wait(30), "no progress line during the silence"
            go_on.touch()
            training.join(30)
    finally:
        go_on.touch()
        logging.getLogger("assistant.model").removeHandler(watch)
    assert not training.is_alive()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("training DIETClassifier (component 1, ")
    assert re.fullmatch(r"still training DIETClassifier \(\d+ s so far, \d+ s in all\)", messages[1])


def test_a_failed_training_prints_its_output_unfiltered(tmp_path, capsys) -> None:
    lines = [
        "2026-12-06 10:50:03 INFO     rasa.engine.training.hooks  - some chatter",
        "InvalidConfigException: the pipeline is wrong",
    ]
    with pytest.raises(subprocess.CalledProcessError):
        run_training(_fake_rasa(tmp_path, lines, 1), env=dict(os.environ))
    out = capsys.readouterr().out
    assert "rasa train failed (exit code 1)" in out
    assert all(line in out for line in lines)


def test_ctrl_c_while_preparing_ends_without_a_traceback(monkeypatch, caplog) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "ensure_model", interrupted)
    with caplog.at_level(logging.INFO, logger="assistant"):
        assert run_command.main(["train"]) == 130
    assert "interrupted" in caplog.text


SUPERVISED = textwrap.dedent(
    """
    import asyncio, os, sys
    from assistant.console import configure_logging
    from assistant.supervisor import Component, Supervisor

    NOISY = {noisy!r}
    configure_logging("INFO")
    component = Component("noisy", [sys.executable, "-c", NOISY], dict(os.environ), where="nowhere")
    sys.exit(asyncio.run(Supervisor([component], cwd=".").run()))
    """
)
NOISY = "\n".join(
    [
        "import signal, sys, time",
        # Output while stopping, after the console is gone (test below).
        "signal.signal(signal.SIGTERM, lambda *_: (print('stopping', flush=True), sys.exit(0)))",
        f"print('\\n'.join({THIRD_PARTY_DEPRECATIONS!r}))",
        f"print({PROJECT!r} + '/x.py:3: UserWarning: a warning that matters')",
        "print('done', flush=True)",
        "time.sleep(600)",
    ]
)


def _supervise(stderr: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", SUPERVISED.format(noisy=NOISY)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def _read_until(process: subprocess.Popen[str], fragment: str) -> list[str]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # ends at EOF if the process dies, so the test cannot hang
        lines.append(line.rstrip("\n"))
        if fragment in line:
            return lines
    raise AssertionError(f"no {fragment!r} in:\n" + "\n".join(lines))


def test_the_supervisor_passes_warnings_that_matter_and_drops_third_party_noise() -> None:
    process = _supervise(subprocess.STDOUT)
    try:
        lines = _read_until(process, "[noisy] done")
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    output = "\n".join(lines) + rest
    assert "[noisy] " + PROJECT + "/x.py:3: UserWarning: a warning that matters" in output
    assert "Deprecat" not in output and "declare_namespace" not in output
    assert process.returncode == 0 and "all components stopped" in output
    assert "Traceback" not in output


def test_sigint_after_the_console_reader_died_ends_with_exit_0_and_no_traceback() -> None:
    """`scripts/run.sh | tee run.log` and Ctrl-C: tee dies first, the supervisor writes on."""
    process = _supervise(subprocess.PIPE)
    try:
        _read_until(process, "[noisy] done")
        assert process.stdout is not None
        process.stdout.close()  # the reader is gone: every later write meets a broken pipe
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr is not None
        errors = process.stderr.read()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
