"""Rasa bot messages -> Telegram messages (HTML text + inline keyboard)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data


Keyboard = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class OutgoingMessage:
    html_text: str
    keyboard: Keyboard | None


def _button(button: dict[str, Any]) -> InlineKeyboardButton:
    title = str(button.get("title") or "…")[:64]
    payload = str(button.get("payload") or title)
    if len(payload.encode()) > MAX_CALLBACK_BYTES:
        # Rasa payloads are kept short by design; a long one falls back to its title,
        # which NLU understands as if the user had typed it.
        payload = title.encode()[:MAX_CALLBACK_BYTES].decode(errors="ignore")
    return InlineKeyboardButton(title, callback_data=payload)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries so each part fits Telegram's limit.

    Works on escaped HTML too: a hard cut never splits an entity such as &amp;.
    """
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
            entity_start = text.rfind("&", cut - 8, cut)
            if entity_start > 0 and ";" not in text[entity_start:cut]:
                cut = entity_start
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        parts.append(text)
    return parts


# A card's map line, "🗺 Map: https://…", becomes a short link: the long search URL is noise on a phone.
MAP_LINE = re.compile(r"^🗺 ([^:\n]{1,40}): (https://[^\s\"<>]+)$", re.MULTILINE)


def _link_map_lines(escaped: str) -> str:
    return MAP_LINE.sub(r'🗺 <a href="\2">\1</a>', escaped)


def location_keyboard(label: str) -> ReplyKeyboardMarkup:
    """Telegram's own "share my location" button (only reply keyboards can ask for it)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label[:64], request_location=True)]], resize_keyboard=True, one_time_keyboard=True
    )


def render(messages: list[dict[str, Any]]) -> list[OutgoingMessage]:
    """Escape everything Rasa or the directory wrote; buttons go under the last part.

    Consecutive texts are joined into one message until one carries buttons or the
    next would not fit.

    Custom payloads: {"request_location": "<button label>"} puts a location button
    under the previous text (or sends it with a pointing hand when there is none).
    """
    outgoing: list[OutgoingMessage] = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("request_location"), str):
            location = location_keyboard(custom["request_location"])
            if outgoing and outgoing[-1].keyboard is None:
                outgoing[-1].keyboard = location
            else:
                outgoing.append(OutgoingMessage("👇", location))
            continue
        text = str(message.get("text") or "")
        buttons = [_button(b) for b in message.get("buttons") or []]
        keyboard = InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None
        escaped = _link_map_lines(html.escape(text, quote=False).strip())
        previous = outgoing[-1] if outgoing else None
        if (
            escaped
            and previous is not None
            and previous.keyboard is None
            and previous.html_text != "👇"
            and len(previous.html_text) + 2 + len(escaped) <= MessageLimit.MAX_TEXT_LENGTH
        ):
            # One Telegram message for consecutive texts (e.g. header + cards): one notification
            # on the phone, and fewer sends against Telegram's 30 messages/s.
            previous.html_text += "\n\n" + escaped
            previous.keyboard = keyboard
            continue
        parts = split_text(escaped) if escaped else []
        if not parts and keyboard:
            parts = ["…"]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            outgoing.append(OutgoingMessage(part, keyboard if last else None))
    return outgoing
