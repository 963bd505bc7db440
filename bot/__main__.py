"""`python -m bot`: run the Telegram adapter (long polling)."""

from __future__ import annotations

import logging

from assistant.settings import get_settings
from bot.app import ALLOWED_UPDATES, build_application


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(settings)
    logging.getLogger("bot").info(
        "Telegram adapter polling %s (Rasa at %s)",
        settings.telegram_base_url.split("/bot")[0],
        settings.rasa_url,
    )
    application.run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    main()
