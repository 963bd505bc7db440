"""Choose the reply language: explicit choice > detected language of the message >
Telegram client's language_code > German.

Detection is py3langid (models ship inside the package, no download), limited to
the languages we have content for. Short messages are ambiguous across our
languages ("merci", "سلام"), so they never switch an ongoing conversation.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from referrals.topics import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

REPLY_LANGUAGES = SUPPORTED_LANGUAGES
MIN_WORDS_TO_SWITCH = 3
MIN_CONFIDENCE = 0.8


@lru_cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(REPLY_LANGUAGES))
    return identifier


def detect(text: str) -> str | None:
    """The message's language if it is long and clear enough to act on, else None."""
    if text.startswith("/") or len(text.split()) < MIN_WORDS_TO_SWITCH:
        return None
    language, confidence = _identifier().classify(text)
    return language if confidence >= MIN_CONFIDENCE else None


def choose_reply_language(text: str, current: str | None, client_language_code: str | None) -> str:
    detected = detect(text)
    if detected:
        return detected
    if current in REPLY_LANGUAGES:
        return current
    client = (client_language_code or "").split("-")[0].lower()
    if client in REPLY_LANGUAGES:
        return client
    return DEFAULT_LANGUAGE
