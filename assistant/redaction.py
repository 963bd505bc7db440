"""Secrets never reach the console: log records, tracebacks and forwarded output are redacted.

The bot token is part of every Bot API URL, and libraries put it into what they print:
python-telegram-bot logs "Set Bot API URL: .../bot<token>" at DEBUG and raises
"The token `<token>` was rejected by the server." on a 401. Quieting those loggers is the first
line (`quiet_third_party_loggers`); the second is to replace every known secret in whatever is
printed anyway: a filter on the root handlers (records, their tracebacks), an excepthook for
crashes that reach the interpreter, and `Redactor.redact` for the lines the supervisor forwards
from its processes.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType

from assistant.settings import Settings

HIDDEN = "[hidden]"
MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words


class Redactor:
    """Replaces each secret (and, for a bot token, its secret part after the colon) by [hidden]."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        parts: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            parts.add(secret)
            # A bot token is "<bot id>:<secret>": the id is public, the rest must never show.
            parts.add(secret.partition(":")[2])
        # Longest first, so a token is replaced whole rather than leaving its bot id dangling.
        self.secrets = sorted((p for p in parts if len(p) >= MIN_SECRET_LENGTH), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, HIDDEN)
        return text


class RedactingFilter(logging.Filter):
    """A handler filter: the record's message, traceback and stack, with the secrets replaced."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: the redacted traceback is what prints.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


def settings_secrets(settings: Settings) -> list[str | None]:
    """Every secret the settings hold."""
    values = [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.pseudonym_key,
        settings.admin_secret_key,
        settings.rasa_token,
        settings.redis_url,
        settings.smtp_password,
    ]
    return [value.get_secret_value() if value is not None else None for value in values]


def quiet_third_party_loggers() -> None:
    """Whatever LOG_LEVEL says: PTB logs every call's parameters (chat ids, message texts) and the
    Bot API URL (with the token) at DEBUG, and httpx/httpcore log URLs. Call this before a Bot is
    created: its constructor logs the URL."""
    ptb = logging.getLogger("telegram")
    ptb.setLevel(max(logging.INFO, ptb.getEffectiveLevel()))
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def install(secrets: Iterable[str | None]) -> Redactor:
    """Redact the secrets in everything logged through the root handlers and in crashes."""
    quiet_third_party_loggers()
    redactor = Redactor(secrets)
    if not redactor.secrets:
        return redactor
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(redactor))

    def excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(redactor.redact("".join(traceback.format_exception(kind, error, tb))))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return redactor
