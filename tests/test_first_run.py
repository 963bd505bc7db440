"""The mistakes of a first run: each stops the run command within seconds, with one plain sentence,
a non-zero exit code, nothing left running, and never the token on the console.

None of these needs the Rasa model: the configuration is checked before training or loading it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import EXIT_CONFIGURATION
from tests.support import LoggedProcess, free_port, processes_marked, refusing_bot_api

ROOT = Path(__file__).resolve().parent.parent
WRONG_TOKEN = "987654:AAH-wrong-token-" + uuid.uuid4().hex
DEADLINE_SECONDS = 20


@pytest.fixture(scope="module")
def refusing_api() -> Iterator[str]:
    with refusing_bot_api() as url:
        yield url


def newcomer_env(tmp_path: Path, marker: str, **settings: str) -> dict[str, str]:
    """A first run: a fresh database, free ports, no token, plus the mistake under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_", "REDIS_"))}
    env.update(
        TEST_RUN_MARKER=marker,
        PYTHONUNBUFFERED="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'directory.sqlite3'}",
        PSEUDONYM_KEY=uuid.uuid4().hex,
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        LOCAL_CHAT_PORT=str(free_port()),
        ADMIN_PORT=str(free_port()),
    )
    env.update(settings)
    return env


def run_to_the_end(argv: list[str], env: dict[str, str]) -> tuple[int, str, float]:
    """Start the command, wait for it to end (at most DEADLINE_SECONDS); exit code, output, seconds."""
    started = time.monotonic()
    process = LoggedProcess(argv, env, ROOT)
    try:
        code = process.process.wait(DEADLINE_SECONDS)
    except Exception:
        process.stop(signal.SIGKILL)
        raise AssertionError(f"still running after {DEADLINE_SECONDS} s:\n{process.output}") from None
    process._reader.join(5)
    return code, process.output, time.monotonic() - started


def assert_stopped_with(code: int, output: str, seconds: float, marker: str, sentence: str) -> None:
    print(f"\n--- console ({seconds:.1f} s, exit code {code}) ---\n{output}")
    assert sentence in output, output
    assert code != 0
    assert seconds < DEADLINE_SECONDS
    assert processes_marked(marker) == []  # nothing it started is left running
    for started in ("started (pid", "training", "READY"):  # nothing heavy was begun
        assert started not in output, output


def run_command(tmp_path: Path, **settings: str) -> tuple[int, str, float, str]:
    marker = uuid.uuid4().hex
    env = newcomer_env(tmp_path, marker, **settings)
    code, output, seconds = run_to_the_end([sys.executable, "-m", "assistant", "run"], env)
    return code, output, seconds, marker


def test_a_wrong_token_is_named_at_once_and_never_printed(tmp_path, refusing_api) -> None:
    code, output, seconds, marker = run_command(
        tmp_path, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=refusing_api, LOG_LEVEL="DEBUG"
    )
    assert_stopped_with(code, output, seconds, marker, "Telegram refused the bot token")
    assert "@BotFather" in output and "TELEGRAM_BOT_TOKEN" in output
    assert code == EXIT_CONFIGURATION
    assert WRONG_TOKEN not in output and WRONG_TOKEN.partition(":")[2] not in output


def test_a_port_in_use_names_the_setting_to_change(tmp_path) -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        code, output, seconds, marker = run_command(tmp_path, RASA_PORT=str(port))
    assert_stopped_with(
        code,
        output,
        seconds,
        marker,
        f"Port {port} is in use by another program: set RASA_PORT to a free port",
    )


def test_two_settings_with_the_same_port_are_named(tmp_path) -> None:
    port = str(free_port())
    code, output, seconds, marker = run_command(tmp_path, ADMIN_PORT=port, ACTION_SERVER_PORT=port)
    assert_stopped_with(
        code,
        output,
        seconds,
        marker,
        f"ACTION_SERVER_PORT and ADMIN_PORT are both {port}: give each its own port",
    )


def test_an_unreachable_database_is_named(tmp_path) -> None:
    closed = free_port()  # nothing listens there
    url = f"postgresql+psycopg://wegweiser:s3cret-pw@127.0.0.1:{closed}/wegweiser"
    code, output, seconds, marker = run_command(tmp_path, DATABASE_URL=url)
    assert_stopped_with(
        code,
        output,
        seconds,
        marker,
        f"DATABASE_URL (postgresql+psycopg://wegweiser:***@127.0.0.1:{closed}/wegweiser) cannot be reached",
    )
    assert "start it or correct DATABASE_URL" in output
    assert "s3cret-pw" not in output


def test_every_problem_is_named_in_one_go(tmp_path, refusing_api) -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        code, output, seconds, marker = run_command(
            tmp_path,
            TELEGRAM_BOT_TOKEN=WRONG_TOKEN,
            TELEGRAM_BASE_URL=refusing_api,
            ADMIN_PORT=str(port),
            DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x",
        )
    assert_stopped_with(code, output, seconds, marker, "nothing was started: 3 problems")
    assert "set ADMIN_PORT" in output and "DATABASE_URL" in output and "refused the bot token" in output


def _path_without_python_3_10(folder: Path) -> str:
    """A PATH with the tools scripts/run.sh and setup.sh use and Python 3.11, but no Python 3.10."""
    folder.mkdir()
    for tool in ("bash", "dirname", "ls", "sort", "cut", "cat", "grep", "sha256sum", "env"):
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    (folder / f"python3.{sys.version_info.minor}").symlink_to(Path(sys.executable).resolve())
    return str(folder)


def test_missing_python_3_10_is_named_by_the_run_script(tmp_path) -> None:
    marker = uuid.uuid4().hex
    env = newcomer_env(tmp_path, marker)
    env.update(
        PATH=_path_without_python_3_10(tmp_path / "bin"),
        PYENV_ROOT=str(tmp_path / "no-pyenv"),
        HOME=str(tmp_path),
    )
    env.pop("VIRTUAL_ENV", None)
    code, output, seconds = run_to_the_end(["bash", str(ROOT / "scripts" / "run.sh")], env)
    assert_stopped_with(code, output, seconds, marker, "Rasa Open Source 3.6.21 needs Python 3.10")
    assert "pyenv install 3.10" in output


def test_a_rasa_environment_without_python_3_10_is_named(tmp_path) -> None:
    """The run command's own check: .venv-rasa gone, or its interpreter not (or no longer) 3.10."""
    from assistant import preflight

    [missing] = preflight.check_rasa_python(tmp_path / ".venv-rasa" / "bin" / "python")
    assert missing.startswith(
        "Rasa's environment .venv-rasa with Python 3.10 is missing: install Python 3.10"
    )
    wrong = tmp_path / "venv" / "bin" / "python"
    wrong.parent.mkdir(parents=True)
    wrong.write_text("#!/bin/sh\necho 3.9\n")
    wrong.chmod(0o755)
    [problem] = preflight.check_rasa_python(wrong)
    assert problem.startswith("Rasa needs Python 3.10, but venv has Python 3.9: install Python 3.10")
    assert preflight.check_rasa_python() == []  # this checkout's .venv-rasa is fine
