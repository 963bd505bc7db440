"""Find a request to answer in another language in a message, by the words of
data/language_names.yml (the standard library and PyYAML only, so the application's tests can
check the matching without Rasa; nlu_components/language_request.py puts it into the pipeline).

The application reads the same file (referrals/language.py) but no code is shared between the two
sides: `fold` and the name pattern below are the application's (referrals/text.py,
referrals/language.py) written again, and tests/test_language_request.py checks that both sides
find the same language in the same messages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "language_names.yml"

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Persian present-tense prefix written apart or with a half-space ("می نویسی", "می‌نویسی"):
# joined, so that one word of the lists finds all three spellings.
_PERSIAN_MI = re.compile(r"(?<!\w)می\s+(?=\w)")
_WORDS = re.compile(r"\w+")
# The word a name begins and the word after it.
_AROUND_NAME = re.compile(r"(\w*)[\s\-]*(\w*)")
# "…" in a phrase: up to three words between its parts.
_GAP = r"(?:\s+\w+){0,3}\s+"


def fold(text: str) -> str:
    """Lower case, umlauts as "ue", no accents: referrals.text.fold, which the words were written for."""
    text = unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _alternatives(words: list[str]) -> str:
    """Word beginnings ("!" at the end: a whole word); a space matches spaces or a hyphen."""
    patterns = []
    for word in words:
        whole = word.endswith("!")
        parts = [
            r"[\s\-]+".join(re.escape(w) for w in part.split())
            for part in fold(word.removesuffix("!")).split("…")
        ]
        patterns.append(_GAP.join(p for p in parts if p) + (r"(?!\w)" if whole else ""))
    return "|".join(patterns)


def _name_pattern(words: list[str], not_names: list[str]) -> re.Pattern[str]:
    # Word start, also after the Arabic article or a glued preposition (بالعربي, العربية, للعربية); not
    # where a country's name begins the same ("Germany", "بألمانيا").
    return re.compile(
        r"(?<!\w)(?:بال|لل|ال|ب)?"
        + (f"(?!{_alternatives(not_names)})" if not_names else "")
        + f"(?:{_alternatives(words)})"
    )


def _word_pattern(words: list[str]) -> re.Pattern[str] | None:
    return re.compile(rf"(?<!\w)(?:{_alternatives(words)})") if words else None


@dataclass(frozen=True)
class LanguageRequest:
    """The language a message asks the assistant to answer in, and why it counts as asking."""

    language: str
    because: str  # the word that asks ("antworten"), or "name only" ("english please")


class LanguageWords:
    """The language words of data/language_names.yml, as a message is matched against them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data  # as read from the file: stored in the model as it is
        not_names = [str(w) for w in data.get("not_names") or []]
        self._names = {
            code: _name_pattern(
                list(dict.fromkeys(str(w) for words in entry["names"].values() for w in words)), not_names
            )
            for code, entry in data["languages"].items()
        }
        requests = data.get("requests") or {}

        def pooled(kind: str) -> list[str]:
            # The message's language is not known here: every language's words count.
            return list(dict.fromkeys(str(w) for words in requests.values() for w in words.get(kind) or []))

        self._reply = _word_pattern(pooled("reply"))
        self._not_a_request = _word_pattern(pooled("not_a_request"))
        self._speaking = [fold(w) for w in pooled("speaking")]
        self._polite = {word for w in pooled("polite") for word in _WORDS.findall(fold(w))}

    @classmethod
    def from_file(cls, path: Path = DATA_FILE) -> LanguageWords:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    @staticmethod
    def _normal(text: str) -> str:
        return _PERSIAN_MI.sub("می", fold(text).replace("\u200c", " "))

    def _named(self, folded: str) -> dict[str, list[re.Match[str]]]:
        named = {code: list(pattern.finditer(folded)) for code, pattern in self._names.items()}
        return {code: found for code, found in named.items() if found}

    def named(self, text: str) -> str | None:
        """The one language a message names, German included, else None (as named_language of
        referrals/language.py)."""
        named = self._named(self._normal(text))
        return next(iter(named)) if len(named) == 1 else None

    def only_names(self, text: str) -> bool:
        """Whether `text` holds nothing but language names and the words of `polite`
        ("auf Deutsch bitte", "زبان آلمانی")."""
        folded = self._normal(text)
        spans = [m.span() for found in self._named(folded).values() for m in found]
        return bool(spans) and self._rest_is_polite(folded, spans)

    def _rest_is_polite(self, folded: str, spans: list[tuple[int, int]]) -> bool:
        rest = [
            word.group()
            for word in _WORDS.finditer(folded)
            if not any(word.start() <= start < word.end() for start, _ in spans)
        ]
        return all(word in self._polite for word in rest)

    def request(self, text: str) -> LanguageRequest | None:
        """The language `text` asks the assistant to answer in, by its words alone, else None."""
        folded = self._normal(text)
        named = self._named(folded)
        if len(named) != 1:
            return None  # none, or several ("Arabisch oder Deutsch?"): DIET decides
        [(language, found)] = named.items()
        if any(self._speaker_or_course(folded, m) for m in found):
            return None
        if self._not_a_request is not None and self._not_a_request.search(folded):
            return None
        if self._rest_is_polite(folded, [m.span() for m in found]):
            return LanguageRequest(language, "name only")
        cue = self._reply.search(folded) if self._reply is not None else None
        if cue is None:
            return None
        return LanguageRequest(language, cue.group())

    def _speaker_or_course(self, folded: str, name: re.Match[str]) -> bool:
        """A word of `speaking` in one word with the name or right after it ("türkischsprachig",
        "arabic speaking", "türkçe konuşan", "فارسی زبان", "Deutschkurs")."""
        around = _AROUND_NAME.match(folded, name.start())
        word, after = around.groups() if around else ("", "")
        return any(w in word or after.startswith(w) for w in self._speaking)
