"""Telegram update handlers. They decide nothing about meaning: Rasa does.

The adapter's own replies (commands, stickers, errors) come from content/messages.yml
in the conversation's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from assistant.conversations import delete_conversation
from bot import handover, texts
from bot.inbox import current_turn
from bot.relay import TurnRelay
from bot.services import Context
from referrals.topics import LANGUAGE_NAMES, choose_language_payload

log = logging.getLogger(__name__)

FORGET_YES, FORGET_NO = "forget:yes", "forget:no"


def _relay(context: Context) -> TurnRelay:
    return context.bot_data.relay


def _chat_id(update: Update) -> int:
    # Every handler is registered for messages and button taps, which always come from a chat.
    if update.effective_chat is None:
        raise ValueError("an update without a chat reached a chat handler")
    return update.effective_chat.id


def _language_code(update: Update) -> str | None:
    return update.effective_user.language_code if update.effective_user else None


async def _language(update: Update, context: Context) -> str:
    return await _relay(context).language(_chat_id(update), _language_code(update))


async def _turn(update: Update, context: Context, text: str) -> None:
    await _relay(context).turn(context.bot, _chat_id(update), text, _language_code(update))


async def _reply(update: Update, context: Context, key: str, **values: object) -> None:
    language = await _language(update, context)
    await context.bot.send_message(_chat_id(update), texts.text(key, language, **values))


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language, two per row; the payload is Rasa's choose_language intent."""
    buttons = [
        InlineKeyboardButton(name, callback_data=choose_language_payload(code))
        for code, name in LANGUAGE_NAMES.items()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def start(update: Update, context: Context) -> None:
    """/start: a short welcome and the language buttons."""
    language = await _language(update, context)
    await context.bot.send_message(
        _chat_id(update), texts.text("welcome", language), reply_markup=language_keyboard()
    )


async def help_command(update: Update, context: Context) -> None:
    """/help: the topic menu (from Rasa)."""
    await _turn(update, context, "/help")


async def language_command(update: Update, context: Context) -> None:
    """/language: the language buttons."""
    language = await _language(update, context)
    await context.bot.send_message(
        _chat_id(update), texts.text("choose_language", language), reply_markup=language_keyboard()
    )


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored, for how long, who sees statistics."""
    settings = context.bot_data.settings
    hours, days = settings.conversation_retention_hours, settings.handover_retention_days
    await _reply(update, context, "privacy", hours=f"{hours:g}", handover_days=f"{days:g}")


async def forget(update: Update, context: Context) -> None:
    """/forget: ask before deleting the conversation."""
    language = await _language(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.text("forget_yes", language), callback_data=FORGET_YES)],
            [InlineKeyboardButton(texts.text("forget_no", language), callback_data=FORGET_NO)],
        ]
    )
    await context.bot.send_message(
        _chat_id(update), texts.text("forget_confirm", language), reply_markup=keyboard
    )


async def _answer_forget(update: Update, context: Context, confirmed: bool) -> None:
    """The confirmation button of /forget: delete in Rasa's store, the inbox and the adapter's memory."""
    chat_id = _chat_id(update)
    language = await _language(update, context)  # asked before the language is deleted too
    query = update.callback_query
    if query is not None and query.message is not None:  # the buttons must not be pressed twice
        with contextlib.suppress(BadRequest):  # already removed by an attempt before a restart
            await query.edit_message_reply_markup(reply_markup=None)
    if not confirmed:
        await context.bot.send_message(chat_id, texts.text("forget_kept", language))
        return
    relay = _relay(context)
    settings = context.bot_data.settings
    sender = relay.sender(chat_id)
    deleted = await asyncio.to_thread(delete_conversation, sender, settings)
    stored = current_turn.get()
    inbox = context.bot_data.inbox
    await asyncio.to_thread(inbox.forget, sender, stored.update_id if stored else None)
    threads = await handover.forget(context.bot_data.handover, sender)
    relay.forget(chat_id)
    log.info(
        "conversation forgotten on request (%d stored events, %d handover threads deleted)", deleted, threads
    )
    await context.bot.send_message(chat_id, texts.text("forgotten", language))


async def button(update: Update, context: Context) -> None:
    """A tapped inline button: the adapter's own (/forget) or a Rasa payload as the user's turn."""
    query = update.callback_query
    if query is None:
        return
    # Too late for a tap handled after a restart or a long outage (Telegram allows seconds):
    # the spinner on the button is cosmetic, the tap itself must still be handled.
    with contextlib.suppress(BadRequest):
        await query.answer()
    if query.data in (FORGET_YES, FORGET_NO):
        await _answer_forget(update, context, query.data == FORGET_YES)
    elif query.data and query.data.startswith(handover.PREFIX):
        await handover.button(update, context, query.data)
    elif query.data:
        await _turn(update, context, query.data)


async def text_message(update: Update, context: Context) -> None:
    """A text message, or a corrected (edited) one: one Rasa turn, or to the open handover thread."""
    message = update.effective_message
    if message and message.text and not await handover.route(update, context, message.text):
        await _turn(update, context, message.text)


async def location(update: Update, context: Context) -> None:
    """A shared location: the nearest places for the current topic.

    Rounded to two decimals (about 1 km) before it leaves the adapter: enough to find
    the nearest counselling point, too coarse to find a home.
    """
    message = update.effective_message
    if message is None or message.location is None:
        return
    point = message.location
    entities = {"latitude": round(point.latitude, 2), "longitude": round(point.longitude, 2)}
    await _turn(update, context, f"/inform_place{json.dumps(entities)}")


async def sticker(update: Update, context: Context) -> None:
    """A sticker: a friendly nudge towards text."""
    await _reply(update, context, "sticker")


async def media(update: Update, context: Context) -> None:
    """A photo, document or video: cannot be read, and documents should not be sent."""
    await _reply(update, context, "media")


async def voice(update: Update, context: Context) -> None:
    """A voice note, audio or round video: not understood yet."""
    await _reply(update, context, "voice")


async def contact(update: Update, context: Context) -> None:
    """A shared contact: not needed, and not stored."""
    await _reply(update, context, "contact")


async def other(update: Update, context: Context) -> None:
    """Anything else (polls, dice, games…): only text is understood."""
    await _reply(update, context, "text_only")


async def group_command(update: Update, context: Context) -> None:
    """A command in a group: point to the private chat (nothing else is answered in groups)."""
    await context.bot.send_message(_chat_id(update), texts.text("private_only", _language_code(update)))


def _passing(error: BaseException | None) -> bool:
    """A failure that passes (Telegram unreachable or still limiting, the database busy):
    the update is handled again later rather than answered with an apology."""
    if isinstance(error, BadRequest):  # a NetworkError subclass, but Telegram said no
        return False
    return isinstance(error, NetworkError | RetryAfter | SQLAlchemyError)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure without the update's content, tell the user; the bot keeps running.

    A passing failure leaves the update in the inbox, to be handled again (bot/dispatch.py)."""
    error = context.error
    stored = current_turn.get()
    if stored is not None and _passing(error):
        stored.retry = True
        log.warning("delivery failed: %s; the update will be handled again", type(error).__name__)
        return
    log.error(
        "handler failed: %s",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        with contextlib.suppress(Exception):  # the failure may be Telegram itself
            await context.bot.send_message(
                _chat_id(update), texts.text("unavailable", _language_code(update))
            )
