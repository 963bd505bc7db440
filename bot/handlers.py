"""Telegram update handlers. They decide nothing about meaning: Rasa does."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from bot import texts
from bot.pseudonym import conversation_id
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rendering import render

log = logging.getLogger(__name__)

# Longer messages are cut before NLU: the request is at the start, and Rasa's
# featurizers slow down on huge inputs.
MAX_TEXT_TO_RASA = 2000


async def _relay(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Send `text` to Rasa as this chat's turn and post Rasa's replies."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return
    language_code = user.language_code if user else None
    rasa: RasaClient = context.bot_data["rasa"]
    sender = conversation_id(context.bot_data["pseudonym_key"], chat.id)
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    try:
        replies = await rasa.send(sender, text[:MAX_TEXT_TO_RASA], {"language_code": language_code})
    except RasaUnavailable as error:
        log.warning("Rasa unavailable (%s); told the user to retry", error)
        await context.bot.send_message(chat.id, texts.text("unavailable", language_code))
        return
    for message in render(replies):
        await context.bot.send_message(
            chat.id,
            message.html_text,
            parse_mode=ParseMode.HTML,
            reply_markup=message.keyboard,
            disable_web_page_preview=True,
        )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: greeting and the topic menu."""
    await _relay(update, context, "/greet")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the topic menu."""
    await _relay(update, context, "/help")


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: one Rasa turn."""
    if update.effective_message and update.effective_message.text:
        await _relay(update, context, update.effective_message.text)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped inline button: its payload is the user's turn."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.data:
        await _relay(update, context, query.data)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, documents...: say that only text is understood."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        await context.bot.send_message(chat.id, texts.text("text_only", user.language_code if user else None))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without the update's content; the bot keeps running."""
    error = context.error
    log.error(
        "handler failed: %s",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
