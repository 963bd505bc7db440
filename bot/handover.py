"""Handover to a person, the adapter's part: consent, the open thread, the counsellors' replies.

A "✉️ Write to <organisation>" button (payload `write:<ref>`, from the action server) first
shows what the user agrees to, in their language, with yes/no buttons; nothing is stored before
"yes". Then, while the chat's thread is open, its text messages go to the thread (the admin's
"Anfragen") instead of a Rasa turn, each answered with one line saying so. Every such message is
still checked by Rasa's NLU alone (/model/parse, nothing stored in the conversation): the
crisis phrase net and the sentence classifier decide as for any message, and a crisis intent is
then handed to Rasa as a normal turn, whose rules answer with the emergency numbers at once (the
same texts as everywhere, in the user's language). Where Rasa cannot be asked, the one line
names 112 / 110 anyway. "/stop" or the button ends the thread.

Counsellor replies are rows in the database until Telegram accepts them (`deliver_replies`,
a loop beside the inbox): a restart of the adapter or Telegram being away loses none.
Nothing of a message, and no chat id, is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError

from bot import texts
from bot.inbox import current_turn
from bot.relay import TurnRelay
from bot.services import Context
from referrals.cards import language_names
from referrals.directory.refs import resolve_ref
from referrals.handover import threads
from referrals.handover.models import Thread
from referrals.topics import TOPICS

log = logging.getLogger(__name__)

PREFIX = "write:"
YES, NO, STOP = "write:yes:", "write:no", "write:stop"
CRISIS_INTENTS = frozenset({"crisis_medical", "crisis_violence", "crisis_suicidal", "crisis_child_danger"})
DELIVERY_INTERVAL_SECONDS = 2.0


@dataclass
class Desk:
    """What the handover needs: the database and the retention period named in the consent."""

    sessions: sessionmaker[Session]
    retention_days: float

    async def run(self, work: Any, *args: Any) -> Any:
        """`work(session, *args)` in a thread, committed."""

        def call() -> Any:
            with self.sessions.begin() as session:
                return work(session, *args)

        return await asyncio.to_thread(call)

    async def check(self) -> None:
        """Raises when the handover tables are missing (the database is not migrated)."""
        await self.run(lambda session: session.scalar(select(Thread.id).limit(1)))


def _desk(context: Context) -> Desk:
    return context.bot_data.handover


def _relay(context: Context) -> TurnRelay:
    return context.bot_data.relay


def _chat_id(update: Update) -> int:
    if update.effective_chat is None:
        raise ValueError("an update without a chat reached a chat handler")
    return update.effective_chat.id


def stop_keyboard(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.text("handover_stop_button", language), callback_data=STOP)]]
    )


async def _language(update: Update, context: Context) -> str:
    code = update.effective_user.language_code if update.effective_user else None
    return await _relay(context).language(_chat_id(update), code)


async def button(update: Update, context: Context, data: str) -> None:
    """A tap on one of the handover's buttons: write (consent), yes, no, end."""
    query = update.callback_query
    if data.startswith((YES, NO)) and query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):  # consent is given once
            await query.edit_message_reply_markup(reply_markup=None)
    if data == STOP:
        await stop(update, context)
    elif data == NO:
        await context.bot.send_message(
            _chat_id(update), texts.text("handover_declined", await _language(update, context))
        )
    elif data.startswith(YES):
        await _start(update, context, data.removeprefix(YES))
    else:
        await _consent(update, context, data.removeprefix(PREFIX))


def _offer(session: Session, ref: str) -> threads.Offer | None:
    service_id = resolve_ref(session, ref)
    return threads.offer(session, service_id) if service_id else None


async def _consent(update: Update, context: Context, ref: str) -> None:
    """What the user agrees to, before anything is stored."""
    chat_id = _chat_id(update)
    language = await _language(update, context)
    offer = await _desk(context).run(_offer, ref)
    if offer is None:
        await context.bot.send_message(chat_id, texts.text("handover_unavailable", language))
        return
    slots = await _relay(context).rasa.slots(_relay(context).sender(chat_id))
    topic = TOPICS[slots["topic"]].label(language) if slots.get("topic") in TOPICS else "–"
    text = texts.text(
        "handover_consent",
        language,
        organisation=offer.organization,
        days=offer.answer_days,
        languages=language_names(offer.languages, language),
        topic=topic,
        town=slots.get("city") or "–",
        retention=f"{_desk(context).retention_days:g}",
    )
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.text("handover_yes", language), callback_data=YES + ref)],
            [InlineKeyboardButton(texts.text("handover_no", language), callback_data=NO)],
        ]
    )
    await context.bot.send_message(chat_id, text, reply_markup=keyboard)


async def _start(update: Update, context: Context, ref: str) -> None:
    """The user said yes: the thread exists from now on."""
    chat_id = _chat_id(update)
    language = await _language(update, context)
    relay = _relay(context)
    slots = await relay.rasa.slots(relay.sender(chat_id))
    topic = slots.get("topic") if slots.get("topic") in TOPICS else None
    town = str(slots["city"])[:100] if slots.get("city") else None

    def start(session: Session) -> str | None:
        offer = _offer(session, ref)
        if offer is None:
            return None
        threads.start_thread(session, relay.sender(chat_id), chat_id, offer.service_id, language, topic, town)
        return offer.organization

    organization = await _desk(context).run(start)
    if organization is None:
        await context.bot.send_message(chat_id, texts.text("handover_unavailable", language))
        return
    log.info("handover thread started")
    await context.bot.send_message(
        chat_id,
        texts.text("handover_started", language, organisation=organization),
        reply_markup=stop_keyboard(language),
    )


async def route(update: Update, context: Context, text: str) -> bool:
    """While the chat's thread is open: the message goes there (True); else False (a Rasa turn)."""
    chat_id = _chat_id(update)
    relay = _relay(context)
    sender = relay.sender(chat_id)
    stored = current_turn.get()

    def forward(session: Session) -> tuple[str, str] | None:
        thread = threads.active_thread(session, sender)
        if thread is None:
            return None
        threads.add_user_message(session, thread, text, stored.update_id if stored else None)
        return thread.language, threads.organization_name(session, thread)

    forwarded = await _desk(context).run(forward)
    if forwarded is None:
        return False
    language, organization = forwarded
    if await relay.rasa.intent(text) in CRISIS_INTENTS:
        # Rasa's crisis rules answer with the emergency numbers (as a turn of the conversation).
        code = update.effective_user.language_code if update.effective_user else None
        await relay.turn(context.bot, chat_id, text, code)
        log.info("crisis message inside a handover thread: emergency numbers sent")
    await context.bot.send_message(
        chat_id, texts.text("handover_forwarded", language, organisation=organization)
    )
    return True


async def stop(update: Update, context: Context) -> None:
    """/stop or the button: the thread closes, the assistant answers again."""
    chat_id = _chat_id(update)
    sender = _relay(context).sender(chat_id)

    def close(session: Session) -> str | None:
        thread = threads.active_thread(session, sender)
        if thread is None:
            return None
        threads.close(session, thread)
        return threads.organization_name(session, thread)

    organization = await _desk(context).run(close)
    language = await _language(update, context)
    if organization is None:
        await context.bot.send_message(chat_id, texts.text("handover_nothing_open", language))
        return
    log.info("handover thread ended by the user")
    await context.bot.send_message(
        chat_id, texts.text("handover_stopped", language, organisation=organization)
    )


async def forget(desk: Desk, sender: str) -> int:
    """/forget: the chat's threads and their texts, at once."""
    return int(await desk.run(threads.forget_chat, sender))


async def deliver_replies(bot: Bot, desk: Desk) -> int:
    """Send the counsellors' replies Telegram has not accepted yet, then tell users whose thread
    the counsellors or the idle rule closed; returns how many messages were sent."""
    sent = 0
    for reply in await desk.run(threads.undelivered_replies):
        header = html.escape(texts.text("handover_reply", reply.language, organisation=reply.organization))
        try:
            await bot.send_message(
                reply.telegram_chat_id,
                f"<b>{header}</b>\n{html.escape(reply.text)}",
                parse_mode=ParseMode.HTML,
                reply_markup=stop_keyboard(reply.language),
            )
        except Forbidden:
            log.info("user blocked the bot; a handover reply is dropped")
        except BadRequest as error:  # Telegram refuses it for good (chat gone): trying again won't help
            log.error("Telegram refused a handover reply (%s); dropped", error.message[:80])
        except NetworkError as error:  # Telegram away or limiting: the reply waits for the next round
            log.warning("handover reply not delivered yet: %s", type(error).__name__)
            return sent
        await desk.run(threads.mark_delivered, reply.message_id)
        sent += 1
    for closing in await desk.run(threads.closings_to_tell):
        text = texts.text("handover_closed", closing.language, organisation=closing.organization)
        try:
            await bot.send_message(closing.telegram_chat_id, text)
        except (Forbidden, BadRequest):
            log.info("a closed handover could not be told to its user; dropped")
        except NetworkError as error:
            log.warning("closed handover not told yet: %s", type(error).__name__)
            return sent
        await desk.run(threads.told, closing.thread_id)
        sent += 1
    if sent:
        log.info("%d handover replies and notices delivered", sent)
    return sent


async def delivery_loop(bot: Bot, desk: Desk, interval: float = DELIVERY_INTERVAL_SECONDS) -> None:
    """Until cancelled: deliver waiting replies every `interval` seconds; failures are retried."""
    while True:
        try:
            await deliver_replies(bot, desk)
        except Exception as error:  # noqa: BLE001 - the database may be away for a moment
            log.warning("handover delivery failed: %s; trying again", type(error).__name__)
        await asyncio.sleep(interval)
