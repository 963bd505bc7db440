"""Wiring of the python-telegram-bot Application."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from assistant.settings import Settings
from bot import handlers
from bot.pseudonym import load_key
from bot.rasa_client import RasaClient
from bot.texts import LANGUAGES, commands

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


async def _post_init(application: Application) -> None:
    # German is the default menu; every other supported language gets its own.
    for language in LANGUAGES:
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands(language)],
            language_code=None if language == "de" else language,
        )


async def _post_shutdown(application: Application) -> None:
    await application.bot_data["rasa"].aclose()


def build_application(settings: Settings) -> Application:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["rasa"] = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    application.bot_data["pseudonym_key"] = load_key(settings)

    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", handlers.start, filters=private))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text_message))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.not_text)
    )
    application.add_error_handler(handlers.error_handler)
    return application
