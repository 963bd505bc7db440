"""Pseudonymous conversation ids: a keyed hash of the Telegram chat id.

Rasa (and everything behind it) sees only this id. Without the key, the id
cannot be linked back to a Telegram account; the key never leaves this process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings

KEY_FILE = PROJECT_ROOT / "var" / "pseudonym.key"


def load_key(settings: Settings, key_file: Path = KEY_FILE) -> bytes:
    """The key from PSEUDONYM_KEY, else from var/pseudonym.key (created once, mode 0600)."""
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def conversation_id(key: bytes, chat_id: int) -> str:
    return hmac.new(key, str(chat_id).encode(), hashlib.sha256).hexdigest()[:32]
