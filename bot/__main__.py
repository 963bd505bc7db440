"""`python -m bot`: run the Telegram adapter (long polling, or a webhook server when configured)."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram.error import InvalidToken

from assistant import redaction
from assistant.preflight import BOTFATHER
from assistant.settings import EXIT_CONFIGURATION, get_settings
from bot import metrics
from bot.app import WEBHOOK_PATH, Adapter, ConfigurationError, build_application

log = logging.getLogger("bot")
# The ready line is what the supervisor waits for before READY: shown whatever LOG_LEVEL says.
ready_log = logging.getLogger("bot.ready")
ready_log.setLevel(logging.INFO)


async def serve() -> None:
    settings = get_settings()
    metrics.serve(settings.adapter_metrics_port)
    adapter = Adapter(build_application(settings), settings)
    await adapter.start()
    try:
        await adapter.wait_ready()
        # The supervisor reads this line (assistant/__main__.py, ADAPTER_READY) before saying READY.
        username = adapter.application.bot.username
        if not adapter.receiving:
            ready_log.info(
                "Telegram adapter ready: @%s, handling the shared inbox, %s (Rasa at %s)",
                username,
                "standing by to receive" if settings.adapter_intake else "never receiving",
                settings.rasa_url,
            )
        elif settings.telegram_webhook_url:
            ready_log.info(
                "Telegram adapter ready: @%s, webhook server on %s:%d/%s (Rasa at %s)",
                username,
                settings.telegram_webhook_listen,
                settings.telegram_webhook_port,
                WEBHOOK_PATH,
                settings.rasa_url,
            )
        else:
            ready_log.info(
                "Telegram adapter ready: @%s, polling %s (Rasa at %s)",
                username,
                settings.telegram_base_url.split("/bot")[0],
                settings.rasa_url,
            )
        await adapter.run_until_stopped()
    finally:
        await adapter.stop()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The inbox's database is migrated at start: Alembic's INFO lines (one per built-in plugin)
    # are console noise; its warnings and errors still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redaction.install(redaction.settings_secrets(settings))
    try:
        asyncio.run(serve())
    except InvalidToken:
        # PTB's message holds the token itself: our own sentence instead.
        log.error("Telegram refused the bot token: %s", BOTFATHER)
        sys.exit(EXIT_CONFIGURATION)
    except ConfigurationError as error:
        log.error("%s", error)
        sys.exit(EXIT_CONFIGURATION)


if __name__ == "__main__":
    main()
