"""What the adapter's handlers share: python-telegram-bot's `bot_data`, typed.

python-telegram-bot creates the instance itself (no arguments, `ContextTypes(bot_data=...)`);
`bot.app.build_application` fills it in once, before any update is handled. A typed object
instead of a dict of strings: a misspelt or missing service is a type error, not a KeyError in
the middle of a user's turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from assistant.settings import Settings
    from bot.handover import Desk
    from bot.inbox import InboxStore
    from bot.relay import TurnRelay


class Services:
    relay: TurnRelay
    settings: Settings
    inbox: InboxStore
    handover: Desk


# The context every handler gets (user and chat data stay plain dicts; the adapter keeps none).
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Services]
