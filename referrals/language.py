"""Choose the reply language: explicit choice > detected language of the message (Arabic,
Persian, Russian and Ukrainian typed in Latin letters included: referrals/romanized.py) >
Telegram client's language_code > German.

Detection is py3langid (models ship inside the package, no download), limited to
the languages we have content for. Short messages are ambiguous across our
languages ("merci", "سلام"), so they never switch an ongoing conversation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from referrals.romanized import romanized_language
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


# Letters only one of two languages sharing a script uses (the detector is unsure on a word or two).
_PERSIAN_LETTERS = set("پچژگیک")
_ARABIC_LETTERS = set("يكةىأإؤ")
_UKRAINIAN_LETTERS = set("іїєґ")
_RUSSIAN_LETTERS = set("ыэъё")
_TURKISH_LETTERS = set("şğı")
# Greetings, thanks, goodbyes and questions to the assistant ("r u a bot", "neler yapabiliyorsun")
# typed in Latin letters that name their language (first messages only), compared after
# referrals.text.fold without punctuation ("Merhaba!", "gunaydin" without ü and ı).
# Words of two languages name neither ("selam alaikum": Turkish "selam", Arabic "alaikum"), and
# words several languages write alike are left out ("salam", "tamam", "ok", "bot", "robot").
_LATIN_WORDS = {
    "ar": set(
        "marhaba marhaban shukran ahlan assalamu salamu alaikum alaykum kifak kifik keefak shlonak "
        "shlonik yislamo yeslamo mashkoor ma3a ma3salama ma3salameh m3salama salameh inta enta inti "
        "enti shu sho".split()
    ),
    "fa": set(
        "dorood dorud mamnoon mamnun kheili kheyli khubi khoobi chetori chetorin mochakeram mersi sepas "
        "sepasgozaram khaste khasteh nabashid khodahafez khodafez khodanegahdar bedrood ghorbanet "
        "ghorboonet hasti hastin hastid chikar".split()
    ),
    "tr": set(
        "merhaba merhabalar mrb mrhb selam selamlar slm gunaydin iyi tesekkurler tesekkur tsk tskler "
        "sagol sagolun eyvallah nasilsin nasilsiniz naber gelsin hosca hoscakal hoscakalin gorusuruz "
        "gorusmek misin musun misiniz musunuz kimsin nesin neler yapabilirsin yapabiliyorsun "
        "peki".split()
    ),
    "ru": set(
        "privet privetik spasibo zdravstvuyte zdravstvuite zdravstvujte zdrastvuyte zdraste poka "
        "svidaniya svidanya kto".split()
    ),
    "uk": set("pryvit dyakuyu dyakuju diakuyu diakuiu djakuju vitayu buvai buvay pobachennya khto".split()),
    "fr": set(
        "bonjour salut coucou bonsoir merci bcp svp stp slt bjr revoir bientot bonne journee soiree "
        "vous etes quoi".split()
    ),
}
# English greetings, thanks, goodbyes and questions to the assistant name English only where the
# app's language is German, English or not known: a German app says nothing of its user's own
# language, and whoever writes "hello" or "are you a bot?" to it reads English. With an app in
# Arabic, Persian ... the app's language is the better guess: migrants greet in English or German
# ("hallo") whatever their own language.
_ENGLISH_WORDS = set(
    "hi hello hey hiya thanks thank thx cheers morning evening goodbye you u are who what".split()
)
_APPS_THAT_SAY_NOTHING = {"", "de", "en"}
# The same for Cyrillic words without a telling letter ("привет" is Russian, "дякую" Ukrainian):
# the detector's ranking of such a word is a coin toss between the two.
_CYRILLIC_WORDS = {
    "ru": {
        "привет",
        "спасибо",
        "здравствуйте",
        "пожалуйста",
        "пока",
        "добрый",
        "помогите",
        "свидания",
        "кто",
    },
    "uk": {"дякую", "добрий", "допоможіть", "ласка", "вітаю", "привіт", "бувай", "побачення", "хто", "ти"},
}
# The same for Arabic-script words without a telling letter: pronouns, greetings and thanks only one
# of the two languages uses ("انت روبوت؟" is Arabic: Persian says "تو" or "شما"; "ممنون" is Persian).
_ARABIC_SCRIPT_WORDS = {
    "ar": {
        "انت",
        "أنت",
        "إنت",
        "انتي",
        "أنتي",
        "انتم",
        "أنتم",
        "انا",
        "أنا",
        "مرحبا",
        "مرحباً",
        "شكرا",
        "شكراً",
    },
    "fa": {
        "تو",
        "شما",
        "است",
        "هست",
        "هستم",
        "هستید",
        "ممنون",
        "مرسی",
        "مرسي",
        "ربات",
        "دارم",
        "خوبم",
        "خداحافظ",
        "خدافظ",
    },
}


def _script(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    if any("\u0600" <= c <= "\u06ff" for c in letters):
        return "arabic"
    if any("\u0400" <= c <= "\u04ff" for c in letters):
        return "cyrillic"
    return "latin"


def _named_by(words: set[str], known_words: dict[str, set[str]]) -> str | None:
    """The one language whose known greetings or thanks the words contain, else None."""
    named = [code for code, known in known_words.items() if words & known]
    return named[0] if len(named) == 1 else None


def _likelier(text: str, first: str, second: str) -> str:
    """Of two languages sharing a script, the one the detector ranks higher, however unsure."""
    ranks = dict(_identifier().rank(text))
    return second if ranks.get(second, 0.0) > ranks.get(first, 0.0) else first


def short_message_language(text: str, current: str | None, client: str | None) -> str | None:
    """The language of a message too short for the detector, where its letters tell it.

    "مرحبا" is Arabic and "سلام" is Arabic or Persian; "привіт" is Ukrainian, "привет" Russian.
    A conversation already in one of the languages a script allows stays in it; otherwise, without
    such letters, the detector's likelier one of the two, even where it is too unsure to switch.
    """
    if text.startswith("/"):
        return None
    letters = set(text.lower())
    script = _script(text)
    if script == "arabic":
        if letters & _PERSIAN_LETTERS:
            return "fa"
        if letters & _ARABIC_LETTERS:
            return "ar"
        return (
            next((c for c in (current, client) if c in ("ar", "fa")), None)
            or _named_by(set(re.findall(r"\w+", text)), _ARABIC_SCRIPT_WORDS)
            or _likelier(text, "ar", "fa")
        )
    if script == "cyrillic":
        if letters & _UKRAINIAN_LETTERS:
            return "uk"
        if letters & _RUSSIAN_LETTERS:
            return "ru"
        return (
            next((c for c in (current, client) if c in ("ru", "uk")), None)
            or _named_by(set(re.findall(r"\w+", text.lower())), _CYRILLIC_WORDS)
            or _likelier(text, "ru", "uk")
        )
    if script == "latin" and current is None:
        if letters & _TURKISH_LETTERS:
            return "tr"
        words = set(re.findall(r"[a-z0-9']+", fold(text)))
        if (named := _named_by(words, _LATIN_WORDS)) is not None:
            return named
        return "en" if words & _ENGLISH_WORDS and (client or "") in _APPS_THAT_SAY_NOTHING else None
    return None


def choose_reply_language(text: str, current: str | None, client_language_code: str | None) -> str:
    client = (client_language_code or "").split("-")[0].lower()
    # Arabizi, Finglish and transliterated Russian and Ukrainian first: the detector takes them for
    # some other Latin-script language.
    romanized = None if text.startswith("/") else romanized_language(text, current, client)
    detected = romanized or detect(text) or short_message_language(text, current, client)
    if detected:
        return detected
    if current in REPLY_LANGUAGES:
        return current
    if client in REPLY_LANGUAGES:
        return client
    return DEFAULT_LANGUAGE


# How people name a language, in the 8 languages (data/language_names.yml, which the Rasa pipeline
# reads too: nlu_components/language_request.py). Word beginnings, compared after
# referrals.text.fold (lower case, umlauts as "ue", no accents); a trailing "!" marks a whole word
# ("dari!", not "Dariusz").
LANGUAGE_NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "language_names.yml"


def _flat(words_by_language: dict[str, list[str]]) -> list[str]:
    """The words of every writing language, each once, folded."""
    return list(dict.fromkeys(fold(str(w)) for words in words_by_language.values() for w in words))


_LANGUAGE_NAMES = yaml.safe_load(LANGUAGE_NAMES_FILE.read_text(encoding="utf-8"))
# Every language, German included, for a request to switch the conversation's language
# ("auf Deutsch bitte").
LANGUAGE_NAME_WORDS = {code: _flat(entry["names"]) for code, entry in _LANGUAGE_NAMES["languages"].items()}
# How people name the language they want to be helped in, inside a request ("türkçe konuşan
# doktor", "arabic speaking doctor", "русскоязычный врач", "دكتور بيحكي عربي"). German is left
# out (`spoken: false`): every place speaks it.
SPOKEN_LANGUAGE_WORDS = {
    code: words
    for code, words in LANGUAGE_NAME_WORDS.items()
    if _LANGUAGE_NAMES["languages"][code].get("spoken", True)
}
# Words that begin like a name but name a country ("Germany", "ألمانيا"): no language.
NOT_LANGUAGE_NAMES = [fold(str(w)) for w in _LANGUAGE_NAMES.get("not_names") or []]


def _alternatives(words: list[str]) -> str:
    return "|".join(
        re.escape(fold(w[:-1])) + r"(?!\w)" if w.endswith("!") else re.escape(fold(w)) for w in words
    )


def _name_pattern(words: list[str], not_names: list[str] = NOT_LANGUAGE_NAMES) -> re.Pattern[str]:
    # Word start, also after the Arabic article or a glued preposition (بالعربي, العربية, للعربية); not
    # where a country's name begins the same ("Germany", "بألمانيا").
    return re.compile(
        r"(?<!\w)(?:بال|لل|ال|ب)?"
        + (f"(?!{_alternatives(not_names)})" if not_names else "")
        + f"(?:{_alternatives(words)})"
    )


_SPOKEN_PATTERNS = {code: _name_pattern(words) for code, words in SPOKEN_LANGUAGE_WORDS.items()}
_NAME_PATTERNS = {code: _name_pattern(words) for code, words in LANGUAGE_NAME_WORDS.items()}


def _only_one(patterns: dict[str, re.Pattern[str]], text: str) -> str | None:
    folded = fold(text)
    named = [code for code, pattern in patterns.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None


def requested_spoken_language(text: str) -> str | None:
    """The language a request asks the place to speak, if it names one (and only one)."""
    return _only_one(_SPOKEN_PATTERNS, text)


def named_language(text: str) -> str | None:
    """The language a message names, German included, if it names one (and only one): what a
    request to switch languages asks for when the NLU found no `language` entity in it."""
    return _only_one(_NAME_PATTERNS, text)
