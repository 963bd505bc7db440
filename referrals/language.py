"""Choose the reply language: explicit choice > detected language of the message >
Telegram client's language_code > German.

Detection is py3langid (models ship inside the package, no download), limited to
the languages we have content for. Short messages are ambiguous across our
languages ("merci", "سلام"), so they never switch an ongoing conversation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from referrals.text import fold
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


# How people name the language they want to be helped in, inside a request ("türkçe konuşan
# doktor", "arabic speaking doctor", "русскоязычный врач", "دكتور بيحكي عربي"), as word
# beginnings, compared after referrals.text.fold (lower case, umlauts as "ue", no accents). German is
# left out: every place speaks it. A trailing "!" marks a whole word ("dari!", not "Dariusz").
SPOKEN_LANGUAGE_WORDS = {
    "en": ["englisch", "english", "anglais", "ingilizce", "англ", "انجليزي", "انكليزي", "إنجليزي", "انگلیسی"],
    "ar": ["arabisch", "arabic", "arabe", "arapca", "арабск", "عربي", "عربية", "عربی"],
    "tr": ["tuerkisch", "turkish", "turc!", "turque", "tuerkce", "turkce", "турецк", "تركي", "ترکی"],
    "ru": ["russisch", "russian", "russe", "rusca", "русск", "русскоязычн", "российск", "روسي", "روسی"],
    "uk": [
        "ukrainisch",
        "ukrainian",
        "ukrainien",
        "ukraynaca",
        "украинск",
        "українськ",
        "україномовн",
        "اوكراني",
        "اوکراینی",
    ],
    "fa": [
        "persisch",
        "farsi",
        "persian",
        "dari!",
        "persan",
        "farsca",
        "персидск",
        "фарси",
        "перськ",
        "فارسي",
        "فارسی",
        "دری",
    ],
    "fr": [
        "franzoesisch",
        "french",
        "francais",
        "fransizca",
        "fransızca",
        "французск",
        "французьк",
        "فرنسي",
        "فرانسوی",
    ],
}
# Word start, also after the Arabic article or a glued preposition (بالعربي, العربية).
_SPOKEN_PATTERNS = {
    code: re.compile(
        r"(?<!\w)(?:بال|ال|ب)?(?:"
        + "|".join(
            re.escape(fold(w[:-1])) + r"(?!\w)" if w.endswith("!") else re.escape(fold(w)) for w in words
        )
        + ")"
    )
    for code, words in SPOKEN_LANGUAGE_WORDS.items()
}


def requested_spoken_language(text: str) -> str | None:
    """The language a request asks the place to speak, if it names one (and only one)."""
    folded = fold(text)
    named = [code for code, pattern in _SPOKEN_PATTERNS.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None
