"""Checks of the configuration before anything heavy starts: one plain sentence per problem.

Without them a mistyped token or a taken port showed only after a minute of model loading (or
ten of training), as a traceback, and the supervisor restarted the failing process six times.
Each check returns the sentences of the problems it found; none starts a process of the
assistant. The bot token is checked with one getMe through python-telegram-bot's Bot, so the
Bot API base URL is understood exactly as the adapter will understand it.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from assistant import topology
from assistant.conversations import tracker_store_url
from assistant.settings import PROJECT_ROOT, TELEGRAM_DEFAULT_BASE_URL, Settings

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
TOKEN_CHECK_SECONDS = 10.0
DATABASE_CHECK_SECONDS = 5
BOTFATHER = "copy it again from @BotFather (https://t.me/BotFather) into TELEGRAM_BOT_TOKEN"


@dataclass
class Outcome:
    problems: list[str]
    bot_username: str | None = None  # the bot's @username, when the token was checked


@dataclass(frozen=True)
class PortUse:
    setting: str
    host: str
    port: int


def ports_used(settings: Settings) -> list[PortUse]:
    """Every port the run command will listen on, with the setting that chooses it."""
    uses = [
        PortUse("RASA_PORT", "127.0.0.1", settings.rasa_port),
        *(
            PortUse(f"RASA_PORT (+{n}, RASA_INSTANCES)", "127.0.0.1", port)
            for n, port in enumerate(topology.rasa_ports(settings)[1:], start=1)
        ),
        PortUse("ACTION_SERVER_PORT", "127.0.0.1", settings.action_server_port),
        PortUse("ADMIN_PORT", settings.admin_host, settings.admin_port),
        *(
            PortUse(name, "127.0.0.1", port)
            for name, port in (
                ("ADAPTER_METRICS_PORT", settings.adapter_metrics_port),
                ("ACTIONS_METRICS_PORT", settings.actions_metrics_port),
            )
            if port is not None
        ),
    ]
    if settings.telegram_bot_token is None:
        uses.append(PortUse("LOCAL_CHAT_PORT", "127.0.0.1", settings.local_chat_port))
    elif settings.telegram_webhook_url:
        uses.append(
            PortUse("TELEGRAM_WEBHOOK_PORT", settings.telegram_webhook_listen, settings.telegram_webhook_port)
        )
    return uses


def _bind_error(host: str, port: int) -> int | None:
    """The errno of binding host:port as the servers do (SO_REUSEADDR), or None when it is free."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return errno.EADDRNOTAVAIL
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return error.errno
    return None


def _free_port_after(port: int, taken: set[int]) -> int | None:
    for candidate in range(port + 1, min(port + 50, 65536)):
        if candidate not in taken and _bind_error("127.0.0.1", candidate) is None:
            return candidate
    return None


def check_ports(settings: Settings) -> list[str]:
    problems = []
    uses = ports_used(settings)
    taken = {use.port for use in uses}
    seen: dict[int, PortUse] = {}
    for use in uses:
        if not 1 <= use.port <= 65535:
            problems.append(f"{use.setting}={use.port} is not a port number: set it to one of 1024-65535.")
            continue
        if use.port in seen:
            problems.append(
                f"{seen[use.port].setting} and {use.setting} are both {use.port}: give each its own port."
            )
            continue
        seen[use.port] = use
        failed = _bind_error(use.host, use.port)
        if failed == errno.EADDRINUSE:
            free = _free_port_after(use.port, taken)
            example = f", e.g. {use.setting}={free}" if free else ""
            problems.append(
                f"port {use.port} is in use by another program: set {use.setting} to a free port{example}."
            )
        elif failed == errno.EACCES:
            problems.append(f"port {use.port} needs root rights: set {use.setting} to a port above 1023.")
        elif failed is not None:
            setting = use.setting.rsplit("_PORT", 1)[0] + ("_LISTEN" if "WEBHOOK" in use.setting else "_HOST")
            problems.append(
                f"{use.host} is not an address of this machine ({use.setting} cannot be opened on it): "
                f"correct {setting}."
            )
    return problems


def _database_problem(setting: str, url: str) -> str | None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"{setting} is not a database URL: write it like postgresql+psycopg://user@host/database."
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            return None
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return (
                f"the folder of the SQLite file of {setting} ({folder}) cannot be created "
                f"({error.strerror}): correct {setting}."
            )
        args = {"timeout": DATABASE_CHECK_SECONDS}
    else:
        args = {"connect_timeout": DATABASE_CHECK_SECONDS}
    try:
        engine = create_engine(parsed, connect_args=args)
    except (ArgumentError, ImportError) as error:
        return (
            f"{setting} ({shown}) names a database driver that is not installed ({error}): "
            "use postgresql+psycopg:// or sqlite:///."
        )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        reason = reason.rsplit(" failed: ", 1)[-1][:200]
        return (
            f"the database of {setting} ({shown}) cannot be reached ({reason}): "
            f"start it or correct {setting}."
        )
    finally:
        engine.dispose()
    return None


def check_databases(settings: Settings) -> list[str]:
    problems = [_database_problem("DATABASE_URL", settings.database_url)]
    tracker = tracker_store_url(settings)
    if settings.tracker_store_url and tracker != settings.database_url:
        problems.append(_database_problem("TRACKER_STORE_URL", tracker))
    if settings.redis_url is not None:
        problems.append(_redis_problem(settings.redis_url.get_secret_value()))
    return [problem for problem in problems if problem]


def _redis_problem(url: str) -> str | None:
    """Only whether Redis listens: Rasa (not the application) talks to it."""
    try:
        parsed = make_url(url)
        host, port = parsed.host or "127.0.0.1", parsed.port or 6379
    except (ArgumentError, ValueError):
        return "REDIS_URL is not a Redis URL: write it like redis://localhost:6379/1."
    try:
        socket.create_connection((host, port), timeout=DATABASE_CHECK_SECONDS).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return f"Redis at {host}:{port} (REDIS_URL) cannot be reached ({reason}): start it or correct it."
    return None


def check_rasa_python(python: Path = RASA_PYTHON) -> list[str]:
    """Rasa runs in .venv-rasa on Python 3.10; its interpreter may be gone (pyenv uninstall)."""
    how = (
        "install Python 3.10 (pyenv install 3.10, or apt-get install python3.10 python3.10-venv), "
        "then run scripts/setup.sh"
    )
    if not python.exists():
        return [f"Rasa's environment {python.parent.parent.name} with Python 3.10 is missing: {how}."]
    try:
        found = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    if found != "3.10":
        have = f"Python {found}" if found else "no working Python"
        return [f"Rasa needs Python 3.10, but {python.parent.parent.name} has {have}: {how}."]
    return []


def check_model(settings: Settings) -> list[str]:
    if settings.rasa_model is not None and not settings.rasa_model.is_file():
        return [f"RASA_MODEL names {settings.rasa_model}, which does not exist: correct it or unset it."]
    return []


def check_webhook(settings: Settings) -> list[str]:
    if settings.telegram_bot_token is None or not settings.telegram_webhook_url:
        return []
    problems = []
    if not settings.telegram_webhook_url.startswith("https://"):
        problems.append("TELEGRAM_WEBHOOK_URL must start with https:// (Telegram posts only to HTTPS).")
    if settings.telegram_webhook_secret is None:
        problems.append("webhook mode needs TELEGRAM_WEBHOOK_SECRET: set it to 1-256 of A-Z a-z 0-9 _ -.")
    return problems


async def check_token(settings: Settings) -> tuple[list[str], str | None]:
    """One getMe with the token; returns the problems and the bot's username."""
    # Imported here: python-telegram-bot takes 0.45 s to import (2026-12-07, 2 busy cores), and
    # only `run` with a bot token checks one; `train`, `responses` and the local chat page never do.
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    if settings.telegram_bot_token is None:
        return [], None
    token = settings.telegram_bot_token.get_secret_value()
    if token != token.strip() or ":" not in token:
        return [f"TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters): {BOTFATHER}."], None
    where = settings.telegram_base_url.split("/bot")[0]
    seconds = TOKEN_CHECK_SECONDS
    request = HTTPXRequest(
        connect_timeout=seconds, read_timeout=seconds, write_timeout=seconds, pool_timeout=seconds
    )
    bot = Bot(token, base_url=settings.telegram_base_url, request=request)
    try:
        async with bot:  # initialize() is one getMe
            return [], bot.username
    except InvalidToken:
        own_server = settings.telegram_base_url != TELEGRAM_DEFAULT_BASE_URL
        custom = " (or TELEGRAM_BASE_URL is wrong)" if own_server else ""
        return [f"Telegram refused the bot token{custom}: {BOTFATHER}."], None
    except TelegramError as error:
        kind = type(error).__name__
        return [
            f"the Telegram Bot API at {where} could not be reached ({kind}): check the internet "
            "connection, or TELEGRAM_BASE_URL if you set it."
        ], None


def check(settings: Settings, rasa_python: Path = RASA_PYTHON) -> Outcome:
    """Every check; the token last (it is the only one that talks to the internet)."""
    problems = check_rasa_python(rasa_python) + check_model(settings) + check_webhook(settings)
    problems += topology.problems(settings) + check_ports(settings) + check_databases(settings)
    token_problems, username = asyncio.run(check_token(settings))
    return Outcome(problems + token_problems, username)
