"""`python -m bot`: run the Telegram adapter (long polling, or a webhook server when configured)."""

from __future__ import annotations

import asyncio
import logging

from assistant.settings import get_settings
from bot.app import WEBHOOK_PATH, Adapter, build_application


async def serve() -> None:
    settings = get_settings()
    log = logging.getLogger("bot")
    adapter = Adapter(build_application(settings), settings)
    await adapter.start()
    if settings.telegram_webhook_url:
        log.info(
            "Telegram adapter: webhook server on %s:%d/%s (Rasa at %s)",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
            WEBHOOK_PATH,
            settings.rasa_url,
        )
    else:
        log.info(
            "Telegram adapter polling %s (Rasa at %s)",
            settings.telegram_base_url.split("/bot")[0],
            settings.rasa_url,
        )
    try:
        await adapter.run_until_stopped()
    finally:
        await adapter.stop()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The inbox's database is migrated at start: Alembic's INFO lines (one per built-in plugin)
    # are console noise; its warnings and errors still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
