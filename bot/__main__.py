"""`python -m bot`: run the Telegram adapter (long polling, or a webhook server when configured)."""

from __future__ import annotations

import logging

from assistant.settings import get_settings
from bot.app import ALLOWED_UPDATES, build_application


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    application = build_application(settings)
    log = logging.getLogger("bot")
    if settings.telegram_webhook_url:
        if settings.telegram_webhook_secret is None:
            raise SystemExit("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode")
        url_path = "telegram"
        log.info(
            "Telegram adapter: webhook server on %s:%d/%s (Rasa at %s)",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
            url_path,
            settings.rasa_url,
        )
        # PTB's webhook server answers 403 to any request without the right secret header.
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=url_path,
            webhook_url=settings.telegram_webhook_url.rstrip("/") + "/" + url_path,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=settings.telegram_drop_pending_updates,
        )
        return
    log.info(
        "Telegram adapter polling %s (Rasa at %s)",
        settings.telegram_base_url.split("/bot")[0],
        settings.rasa_url,
    )
    application.run_polling(
        allowed_updates=ALLOWED_UPDATES, drop_pending_updates=settings.telegram_drop_pending_updates
    )


if __name__ == "__main__":
    main()
