"""Rasa bot messages -> Telegram messages (HTML text + inline keyboard)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class OutgoingMessage:
    html_text: str
    keyboard: InlineKeyboardMarkup | None


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


def render(messages: list[dict[str, Any]]) -> list[OutgoingMessage]:
    """Escape everything Rasa or the directory wrote; buttons go under the last part."""
    outgoing: list[OutgoingMessage] = []
    for message in messages:
        text = str(message.get("text") or "")
        buttons = [_button(b) for b in message.get("buttons") or []]
        keyboard = InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None
        parts = split_text(html.escape(text, quote=False)) if text.strip() else []
        if not parts and keyboard:
            parts = ["…"]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            outgoing.append(OutgoingMessage(part, keyboard if last else None))
    return outgoing
