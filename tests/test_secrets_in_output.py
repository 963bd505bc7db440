"""The bot token never reaches the console, even at DEBUG and in a crash; a revoked token stops the
adapter with a sentence and is not retried; READY waits for the adapter's own first poll."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant import redaction
from assistant.__main__ import ADAPTER_READY
from assistant.model import rasa_environment
from assistant.settings import EXIT_CONFIGURATION
from assistant.supervisor import Component, Supervisor
from referrals.db import upgrade_database
from tests.e2e import local_bot_api
from tests.support import LoggedProcess, free_port, processes_marked, refusing_bot_api
from tests.test_first_run import WRONG_TOKEN, run_to_the_end

ROOT = Path(__file__).resolve().parent.parent
SECRET_PART = WRONG_TOKEN.partition(":")[2]


def adapter_env(tmp_path: Path, marker: str, base_url: str) -> dict[str, str]:
    database = f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    upgrade_database(database)  # the run command migrates before it starts the adapter
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TEST_RUN_MARKER": marker,
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "DEBUG",
        "TELEGRAM_BOT_TOKEN": WRONG_TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_URL": database,
        "PSEUDONYM_KEY": uuid.uuid4().hex,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
    }


@pytest.fixture(scope="module")
def refusing_api() -> Iterator[str]:
    with refusing_bot_api() as url:
        yield url


def assert_no_token(output: str) -> None:
    assert WRONG_TOKEN not in output and SECRET_PART not in output, output


def test_a_token_revoked_while_running_stops_the_adapter_with_a_sentence(tmp_path, refusing_api) -> None:
    marker = uuid.uuid4().hex
    env = adapter_env(tmp_path, marker, refusing_api)
    code, output, _seconds = run_to_the_end([sys.executable, "-m", "bot"], env)
    print(output)
    assert code == EXIT_CONFIGURATION  # the supervisor does not restart it
    assert "Telegram refused the bot token: copy it again from @BotFather" in output
    assert "Traceback" not in output and "Telegram adapter ready" not in output
    assert_no_token(output)
    assert processes_marked(marker) == []


def test_a_crash_at_debug_does_not_print_the_token(tmp_path) -> None:
    """Telegram unreachable: the adapter crashes with a traceback; PTB logged the Bot API URL
    (with the token) at DEBUG before the fix."""
    marker = uuid.uuid4().hex
    env = adapter_env(tmp_path, marker, f"http://127.0.0.1:{free_port()}/bot")
    code, output, _seconds = run_to_the_end([sys.executable, "-m", "bot"], env)
    print(output)
    assert code != 0 and "Traceback" in output and "NetworkError" in output
    assert " DEBUG " in output  # the level was really DEBUG
    assert_no_token(output)


def test_a_crash_carrying_the_token_prints_it_hidden(tmp_path) -> None:
    code = (
        "import logging, os\n"
        "from assistant import redaction\n"
        "from assistant.settings import get_settings\n"
        "logging.basicConfig(level=logging.DEBUG)\n"
        "redaction.install(redaction.settings_secrets(get_settings()))\n"
        "token = os.environ['TELEGRAM_BOT_TOKEN']\n"
        "try:\n"
        "    raise RuntimeError(f'The token `{token}` was rejected by the server.')\n"
        "except RuntimeError:\n"
        "    logging.getLogger('bot').exception('failed for %s', token)\n"
        "logging.getLogger('telegram.Bot').warning('Set Bot API URL: https://x/bot%s', token)\n"
        "raise RuntimeError(f'The token `{token}` was rejected by the server.')\n"
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": WRONG_TOKEN, "PYTHONUNBUFFERED": "1"}
    status, output, _seconds = run_to_the_end([sys.executable, "-c", code], env)
    print(output)
    assert status == 1
    assert output.count("The token `[hidden]` was rejected") == 2  # logged, then uncaught
    assert "failed for [hidden]" in output and "Set Bot API URL: https://x/bot[hidden]" in output
    assert_no_token(output)


def test_the_supervisor_hides_secrets_in_what_its_components_print(capsys) -> None:
    env = {**os.environ, "TOKEN": WRONG_TOKEN}
    talker = Component(
        "talker",
        [sys.executable, "-c", "import os, sys; print('url', os.environ['TOKEN']); sys.exit(78)"],
        env,
        "-",
    )
    code = asyncio.run(Supervisor([talker], cwd=str(ROOT), redactor=redaction.Redactor([WRONG_TOKEN])).run())
    out = capsys.readouterr().out
    assert code == EXIT_CONFIGURATION
    assert "[talker] url [hidden]" in out
    assert_no_token(out)


def test_a_configuration_error_is_never_restarted(caplog) -> None:
    env = dict(os.environ)
    refused = Component(
        "telegram-adapter",
        [
            sys.executable,
            "-c",
            f"import sys; print('Telegram refused the bot token'); sys.exit({EXIT_CONFIGURATION})",
        ],
        env,
        "-",
    )
    steady = Component("steady", [sys.executable, "-c", "import time; time.sleep(60)"], env, "-")
    ready_said: list[bool] = []
    supervisor = Supervisor([refused, steady], cwd=str(ROOT), on_ready=lambda: ready_said.append(True))
    with caplog.at_level(logging.INFO, logger="assistant"):
        code = asyncio.run(asyncio.wait_for(supervisor.run(), 30))
    assert code == EXIT_CONFIGURATION
    assert "telegram-adapter stopped on a configuration error" in caplog.text
    assert "not restarted" in caplog.text and "restarting" not in caplog.text
    assert ready_said == []


def test_ready_is_said_only_after_the_adapter_says_so_and_names_the_bot(capsys) -> None:
    env = dict(os.environ)
    slow = (
        "import time; print('starting', flush=True); time.sleep(1.5);"
        "print('INFO bot: Telegram adapter ready: @wegweiser_test_bot, polling', flush=True); time.sleep(60)"
    )
    adapter = Component("telegram-adapter", [sys.executable, "-c", slow], env, "-", ready_line=ADAPTER_READY)
    said: list[str] = []

    async def scenario() -> int:
        supervisor = Supervisor(
            [adapter], cwd=str(ROOT), on_ready=lambda: said.append(adapter.details["username"])
        )
        running = asyncio.create_task(supervisor.run())
        await asyncio.sleep(1.0)
        assert said == []  # alive, but not ready: no READY after a mere second any more
        for _ in range(100):
            if said:
                break
            await asyncio.sleep(0.1)
        supervisor._request_stop(2)
        return await running

    assert asyncio.run(scenario()) == 0
    assert said == ["wegweiser_test_bot"]


def test_the_adapter_says_ready_after_its_first_poll_naming_the_bot(tmp_path) -> None:
    marker = uuid.uuid4().hex
    with local_bot_api(marker) as api_url:
        env = adapter_env(tmp_path, marker, f"{api_url}/bot")
        # WARNING: the ready line shows whatever the level, or the run command would never say READY.
        env.update(TELEGRAM_BOT_TOKEN="123456:TEST-TOKEN-NOT-REAL", LOG_LEVEL="WARNING")
        adapter = LoggedProcess([sys.executable, "-m", "bot"], env, ROOT)
        try:
            line = adapter.wait_for_line("Telegram adapter ready", 60)
            calls = httpx.get(f"{api_url}/local/calls").json()
        finally:
            adapter.stop()
    match = ADAPTER_READY.search(line)
    assert match and match["username"] == "wegweiser_local_bot"
    assert {"getMe", "getUpdates"} <= set(calls)


@pytest.mark.parametrize(
    ("asked", "rasa_gets"), [("DEBUG", "INFO"), ("INFO", "INFO"), ("WARNING", "WARNING")]
)
def test_rasa_never_gets_debug(monkeypatch, asked: str, rasa_gets: str) -> None:
    """Rasa's DEBUG lines hold every message text and conversation id (issue 17): LOG_LEVEL=DEBUG
    reaches only the application's loggers."""
    monkeypatch.setenv("LOG_LEVEL", asked)
    monkeypatch.setenv("LOG_LEVEL_LIBRARIES", "DEBUG")
    environment = rasa_environment()
    assert environment["LOG_LEVEL"] == rasa_gets
    assert environment["LOG_LEVEL_LIBRARIES"] == "WARNING"


def test_the_adapter_at_debug_logs_no_text_id_name_or_pseudonym(tmp_path) -> None:
    """The adapter's part of issue 17 item 2, without the model: a scripted Rasa echoes the text, so
    the text also goes out in sendMessage (which PTB's DEBUG would log with the chat id)."""
    from bot.pseudonym import conversation_id
    from tests.e2e import Chat, text_of
    from tests.fake_rasa import TOKEN as RASA_TOKEN

    marker = uuid.uuid4().hex
    rasa_port = free_port()
    rasa = LoggedProcess(
        [sys.executable, "-m", "tests.fake_rasa", "--port", str(rasa_port)],
        {**os.environ, "TEST_RUN_MARKER": marker},
        ROOT,
    )
    chat_id, name, username, text = 734019283, "Zuleikha", "zuleikha_k93", "ruf mich an unter 0151 2345678"
    try:
        with local_bot_api(marker) as api_url:
            env = adapter_env(tmp_path, marker, f"{api_url}/bot")
            env.update(
                RASA_URL=f"http://127.0.0.1:{rasa_port}",
                RASA_TOKEN=RASA_TOKEN,
                ACTIONS_HEALTH_URL=f"http://127.0.0.1:{rasa_port}/actions/health",
            )
            adapter = LoggedProcess([sys.executable, "-m", "bot"], env, ROOT)
            try:
                adapter.wait_for_line("Telegram adapter ready", 60)
                user = {"id": chat_id, "is_bot": False, "first_name": name, "username": username}
                message = {
                    "message_id": 7,
                    "date": 1764000000,
                    "chat": {"id": chat_id, "type": "private", "first_name": name, "username": username},
                    "from": user,
                    "text": text,
                }
                assert text in text_of(Chat(api_url, chat_id=chat_id).send_update({"message": message}))
            finally:
                adapter.stop()
    finally:
        rasa.stop()
    output = adapter.output
    assert " DEBUG " in output
    pseudonym = conversation_id(env["PSEUDONYM_KEY"].encode(), chat_id)
    for value in (text, "0151", str(chat_id), name, username, pseudonym, env["PSEUDONYM_KEY"]):
        assert value not in output, value
    assert_no_token(output)
