"""Wiring of the python-telegram-bot Application: handlers, rate limits, inbox, start-up.

Updates do not come through PTB's Updater: bot/intake.py stores them in the durable inbox
first, and bot/dispatch.py hands them to the Application's handlers one chat at a time.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiohttp import web
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from assistant.redaction import quiet_third_party_loggers
from assistant.settings import Settings
from bot import handlers, handover
from bot.claims import ChatClaims, shares_inbox
from bot.dispatch import Dispatcher
from bot.inbox import open_store
from bot.intake import POLL_TIMEOUT_SECONDS, Intake, poll, webhook_app
from bot.pseudonym import load_key
from bot.rasa_client import RasaClient
from bot.rate_limit import ChatRateLimiter
from bot.relay import TurnRelay
from bot.services import Services
from bot.texts import LANGUAGES, commands
from referrals.db import make_engine

# Only what the handlers below use: Telegram does not even send the rest (channel posts,
# inline queries, polls, chat member changes...).
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
WEBHOOK_PATH = "telegram"
log = logging.getLogger(__name__)
MAX_CONCURRENT_TURNS = 16
# Several workers: the claim of the one that receives (pseudonyms are hex, so no chat has this
# key), and how often a standing-by worker checks whether it is free.
INTAKE_CLAIM = "adapter-intake"
ELECTION_SECONDS = 1.0


class ConfigurationError(Exception):
    """The adapter cannot work with this configuration: restarting it would not help."""


async def set_commands(application: Application) -> None:
    # German is the default menu; every other supported language gets its own.
    for language in LANGUAGES:
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands(language)],
            language_code=None if language == "de" else language,
        )


def build_application(settings: Settings) -> Application:
    if settings.telegram_bot_token is None:
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
    quiet_third_party_loggers()  # before the Bot exists: its constructor logs the URL with the token
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .rate_limiter(ChatRateLimiter())
        .updater(None)  # bot/intake.py receives updates, after storing them
        .context_types(ContextTypes(bot_data=Services))
        .build()
    )
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds, token)
    application.bot_data.relay = TurnRelay(rasa, load_key(settings), settings.actions_health_url)
    application.bot_data.settings = settings
    application.bot_data.inbox = open_store(settings.database_url)
    application.bot_data.handover = handover.Desk(
        sessionmaker(make_engine(settings.database_url), expire_on_commit=False),
        settings.handover_retention_days,
    )
    add_handlers(application)
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
        ("stop", handover.stop),
    ]:
        application.add_handler(CommandHandler(name, callback, filters=private & message))
    # Groups: answer commands with a pointer to the private chat, stay quiet otherwise.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & message & filters.COMMAND, handlers.group_command)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text_message))
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


class Adapter:
    """The running adapter: unfinished updates taken up again, then polling or the webhook server."""

    def __init__(self, application: Application, settings: Settings) -> None:
        self.application = application
        self.settings = settings
        self.store = application.bot_data.inbox
        self.claims = (
            ChatClaims(settings.database_url, MAX_CONCURRENT_TURNS)
            if settings.adapter_workers > 1 and shares_inbox(settings.database_url)
            else None
        )
        self.dispatcher = Dispatcher(application, self.store, MAX_CONCURRENT_TURNS, self.claims)
        relay: TurnRelay = application.bot_data.relay
        self.intake = Intake(self.store, relay.sender, self.dispatcher.submit)
        self._polling: asyncio.Task[None] | None = None
        self._election: asyncio.Task[None] | None = None  # standing by to receive (several workers)
        self._intake_claim: Connection | None = None
        self._delivery: asyncio.Task[None] | None = None  # counsellors' replies (bot/handover.py)
        self._webhook: web.AppRunner | None = None
        self._ready = asyncio.Event()  # set after the first poll, or once the webhook is registered

    async def start(self, poll_seconds: int = POLL_TIMEOUT_SECONDS) -> None:
        try:
            await asyncio.to_thread(self.store.next_offset)
            await self.application.bot_data.handover.check()
        except SQLAlchemyError as error:
            raise ConfigurationError(
                f"the inbox or handover tables are missing or unreadable ({type(error).__name__}): "
                "run `python -m referrals migrate` (the run command does)"
            ) from None
        await self.application.initialize()
        settings = self.settings
        if self.claims is None:
            if not settings.adapter_intake:
                raise ConfigurationError(
                    "ADAPTER_INTAKE=false needs ADAPTER_WORKERS > 1 and a PostgreSQL DATABASE_URL "
                    "(a worker that only handles updates shares the inbox through PostgreSQL)"
                )
            await self.dispatcher.recover()  # before anything new, so each chat stays in order
            await self._start_intake(poll_seconds)
            return
        # One of several workers: all handle what the shared inbox holds; one receives at a time,
        # the one holding the intake claim. The others stand by and take over when it dies.
        await self.dispatcher.recover()
        if settings.adapter_intake and await self._claim_intake():
            await self._start_intake(poll_seconds)
            return
        if settings.adapter_intake:
            self._election = asyncio.create_task(self._receive_when_elected(poll_seconds), name="intake")
        self._ready.set()

    @property
    def receiving(self) -> bool:
        return self._intake_claim is not None or self.claims is None

    async def _claim_intake(self) -> bool:
        assert self.claims is not None
        try:
            self._intake_claim = await asyncio.to_thread(self.claims.try_claim, INTAKE_CLAIM)
        except SQLAlchemyError as error:
            log.warning("intake claim not checked (%s)", type(error).__name__)
        return self._intake_claim is not None

    async def _receive_when_elected(self, poll_seconds: int) -> None:
        """Standing by: take over receiving when the worker that receives is gone; then run it
        (raises what stops polling for good, like the first worker's polling)."""
        while not await self._claim_intake():  # noqa: ASYNC110 - the claim is PostgreSQL's: nothing to await but time
            await asyncio.sleep(ELECTION_SECONDS)
        log.info("this adapter worker receives the updates now")
        await self._start_intake(poll_seconds)
        if self._polling:
            await self._polling

    async def _start_intake(self, poll_seconds: int) -> None:
        await set_commands(self.application)
        # Counsellors' replies go out from the worker that receives: one sender at a time.
        self._delivery = asyncio.create_task(
            handover.delivery_loop(self.application.bot, self.application.bot_data.handover),
            name="handover-delivery",
        )
        if self.settings.telegram_webhook_url:
            await self.start_webhook()
            return
        self._polling = asyncio.create_task(
            poll(
                self.application.bot,
                self.intake,
                ALLOWED_UPDATES,
                self.settings.telegram_drop_pending_updates,
                poll_seconds=poll_seconds,
                on_first_poll=self._ready.set,
            ),
            name="polling",
        )

    async def wait_ready(self) -> None:
        """Until Telegram answered the first poll (or took the webhook); raises what stopped polling."""
        ready = asyncio.create_task(self._ready.wait())
        waiting: list[asyncio.Task[Any]] = [ready, *([self._polling] if self._polling else [])]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._polling and self._polling.done():
            self._polling.result()

    async def start_webhook(self) -> None:
        settings = self.settings
        if settings.telegram_webhook_secret is None:
            raise ConfigurationError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode")
        assert settings.telegram_webhook_url is not None
        secret = settings.telegram_webhook_secret.get_secret_value()
        self._webhook = web.AppRunner(
            webhook_app(self.application.bot, self.intake, secret, "/" + WEBHOOK_PATH), access_log=None
        )
        await self._webhook.setup()
        await web.TCPSite(
            self._webhook, settings.telegram_webhook_listen, settings.telegram_webhook_port
        ).start()
        await self.application.bot.set_webhook(
            settings.telegram_webhook_url.rstrip("/") + "/" + WEBHOOK_PATH,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=settings.telegram_drop_pending_updates,
        )
        self._ready.set()

    async def run_until_stopped(self) -> None:
        """Until SIGINT/SIGTERM, or until polling stops for good (wrong token, another adapter)."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        waiting: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
        receiving = self._polling or self._election
        if receiving:
            waiting.append(receiving)
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if receiving and receiving.done():
            receiving.result()  # raises what stopped it

    async def stop_intake(self) -> None:
        if self._election:
            self._election.cancel()
            await asyncio.gather(self._election, return_exceptions=True)
            self._election = None
        if self._polling:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None
        if self._webhook:
            await self._webhook.cleanup()
            self._webhook = None
        if self._intake_claim is not None and self.claims is not None:
            await asyncio.to_thread(self.claims.release, self._intake_claim)  # a standby takes over now
            self._intake_claim = None

    async def stop(self) -> None:
        await self.stop_intake()
        if self._delivery:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
        await self.dispatcher.stop()
        if self.claims is not None:
            self.claims.dispose()
        await self.application.bot_data.relay.aclose()
        await self.application.shutdown()
