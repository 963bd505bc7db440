"""Wiring of the python-telegram-bot Application: handlers, ordering, rate limits, start-up."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from assistant.settings import Settings
from bot import handlers
from bot.ordering import PerChatUpdateProcessor
from bot.pseudonym import load_key
from bot.rasa_client import RasaClient
from bot.rate_limit import ChatRateLimiter
from bot.relay import TurnRelay
from bot.texts import LANGUAGES, commands

# Only what the handlers below use: Telegram does not even send the rest (channel posts,
# inline queries, polls, chat member changes...).
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def quiet_third_party_loggers() -> None:
    """Whatever LOG_LEVEL says: PTB logs every call's parameters (chat ids, message texts) at
    DEBUG, and httpx/httpcore log URLs, which contain the bot token."""
    ptb = logging.getLogger("telegram")
    ptb.setLevel(max(logging.INFO, ptb.getEffectiveLevel()))
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _post_init(application: Application) -> None:
    # German is the default menu; every other supported language gets its own.
    for language in LANGUAGES:
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands(language)],
            language_code=None if language == "de" else language,
        )


async def _post_shutdown(application: Application) -> None:
    await application.bot_data["relay"].aclose()


def build_application(settings: Settings) -> Application:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .rate_limiter(ChatRateLimiter())
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds, token)
    application.bot_data["relay"] = TurnRelay(rasa, load_key(settings), settings.actions_health_url)
    application.bot_data["settings"] = settings
    add_handlers(application)
    quiet_third_party_loggers()
    return application


def add_handlers(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    message = filters.UpdateType.MESSAGE  # edits are answered only when they change text
    for name, callback in [
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("language", handlers.language_command),
        ("privacy", handlers.privacy),
        ("forget", handlers.forget),
    ]:
        application.add_handler(CommandHandler(name, callback, filters=private & message))
    # Groups: answer commands with a pointer to the private chat, stay quiet otherwise.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & message & filters.COMMAND, handlers.group_command)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text_message)
    )
    kinds = [
        (filters.LOCATION, handlers.location),
        (filters.Sticker.ALL, handlers.sticker),
        (filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.ANIMATION, handlers.media),
        (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE, handlers.voice),
        (filters.CONTACT, handlers.contact),
    ]
    for kind, callback in kinds:
        application.add_handler(MessageHandler(private & message & kind, callback))
    application.add_handler(
        MessageHandler(private & message & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.other)
    )
    application.add_error_handler(handlers.error_handler)
