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


def text(key: str, language_code: str | None) -> str:
    language = (language_code or "de").split("-")[0].lower()
    texts = _adapter_texts()[key]
    return texts.get(language) or texts["de"]


def commands(language: str) -> list[tuple[str, str]]:
    """The command menu (setMyCommands) in `language`."""
    return [("start", text("command_start", language)), ("help", text("command_help", language))]
