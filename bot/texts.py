"""The adapter's own short replies (everything else comes from Rasa), by Telegram language.

The texts live in content/messages.yml (section `adapter`), reviewed with the rest.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

CONTENT = Path(__file__).resolve().parent.parent / "content" / "messages.yml"
LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")


@lru_cache
def _adapter_texts() -> dict[str, dict[str, str]]:
    return yaml.safe_load(CONTENT.read_text(encoding="utf-8"))["adapter"]


COMMANDS = ("start", "help", "language", "privacy", "forget", "stop")


def language_of(language_code: str | None) -> str:
    """A supported language from Telegram's language_code ("pt-br" -> German, "uk" -> "uk")."""
    language = (language_code or "de").split("-")[0].lower()
    return language if language in LANGUAGES else "de"


def text(key: str, language_code: str | None, **values: object) -> str:
    texts = _adapter_texts()[key]
    template = texts.get(language_of(language_code)) or texts["de"]
    return template.format(**values) if values else template


def commands(language: str) -> list[tuple[str, str]]:
    """The command menu (setMyCommands) in `language`."""
    return [(name, text(f"command_{name}", language)) for name in COMMANDS]
