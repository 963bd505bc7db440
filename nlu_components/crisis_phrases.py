"""Find the crisis phrases of content/crisis_keywords.yml in a message (the standard library and
PyYAML only, so the application's tests can check the matching without Rasa)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

KEYWORDS_FILE = Path(__file__).resolve().parent.parent / "content" / "crisis_keywords.yml"

_LETTERS = str.maketrans(
    {
        "ı": "i",  # Turkish dotless i: typed as i without a Turkish keyboard
        "ß": "ss",
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian and Arabic yeh and kaf are typed interchangeably
        "ک": "ك",
        "ة": "ه",
        "ـ": "",  # tatweel
        "\u200c": "",  # Persian half-space: "می‌خواهم" = "میخواهم"
    }
)
# German umlauts typed as two letters ("schlaegt" = "schlägt", folded to "schlagt").
_UMLAUT_PAIRS = re.compile(r"(?<=[a-z])([aou])e|^([aou])e")
# Persian present-tense prefix written apart ("می خوام بمیرم"): joined like the half-space.
_PERSIAN_MI = re.compile(r"(?<!\w)مي\s+(?=\w)")
# Word start, or after one glued Arabic conjunction/preposition (وبدي, فخنقني, بالسكين).
_WORD_START = r"(?:(?<!\w)|(?<=(?<!\w)[وفبل]))"


def fold(text: str) -> str:
    """Lower case without accents, umlaut dots or Arabic-script spelling variants."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _UMLAUT_PAIRS.sub(lambda m: m.group(1) or m.group(2), text)
    return _PERSIAN_MI.sub("مي", unicodedata.normalize("NFC", text))


class CrisisPhrases:
    """Which crisis intent, if any, a message's wording demands."""

    def __init__(self, phrases_by_intent: dict[str, list[str]]) -> None:
        self.phrases_by_intent = phrases_by_intent
        self._patterns = [
            (
                intent,
                re.compile(
                    "|".join(_WORD_START + re.escape(fold(p)).replace(r"\ ", r"\s+") for p in phrases)
                ),
            )
            for intent, phrases in phrases_by_intent.items()
            if phrases
        ]

    @classmethod
    def from_file(cls, path: Path = KEYWORDS_FILE) -> CrisisPhrases:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            {
                crisis["intent"]: [str(p) for phrases in crisis["phrases"].values() for p in phrases]
                for crisis in data["crises"]
            }
        )

    def intent(self, text: str) -> str | None:
        """The crisis intent of the first kind (file order) whose phrase occurs in `text`."""
        folded = fold(text)
        return next((intent for intent, pattern in self._patterns if pattern.search(folded)), None)
