"""Recognise the directory's places in free text.

spaCy's PhraseMatcher finds exact mentions (any case, also with ae/oe/ue for
umlauts); rapidfuzz catches small typos. The place list comes from the
database, so a new city in the directory is understood without retraining.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable

import spacy
from rapidfuzz import fuzz, process
from spacy.matcher import PhraseMatcher

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_nlp = spacy.blank("xx")


def fold(text: str, expand_umlauts: bool = True) -> str:
    """Case- and accent-insensitive form: 'Köln' and 'koeln' both become 'koeln'
    (or 'koln', like a user who just drops the dots, with expand_umlauts=False)."""
    text = unicodedata.normalize("NFC", text).lower()
    if expand_umlauts:
        text = text.translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class PlaceMatcher:
    """Finds the first directory place mentioned in a message."""

    FUZZY_MIN_SCORE = 85
    FUZZY_MIN_LENGTH = 5  # shorter words are too easily confused ("Ulm" vs "um")

    def __init__(self, places: Iterable[str]) -> None:
        self._by_folded: dict[str, str] = {}
        for place in places:
            for variant in (fold(place), fold(place, expand_umlauts=False)):
                self._by_folded.setdefault(variant, place)
        self._matcher = PhraseMatcher(_nlp.vocab, attr="LOWER")
        for folded in self._by_folded:
            self._matcher.add(folded, [_nlp.make_doc(folded)])

    def find(self, text: str) -> str | None:
        folded = fold(text)
        matches = [
            m
            for variant in (folded, fold(text, expand_umlauts=False))
            for m in self._matcher(_nlp.make_doc(variant))
        ]
        if matches:
            match_id, _start, _end = min(matches, key=lambda m: m[1])
            return self._by_folded[_nlp.vocab.strings[match_id]]
        for word in re.findall(r"\w+", folded):
            if len(word) < self.FUZZY_MIN_LENGTH:
                continue
            best = process.extractOne(
                word, self._by_folded.keys(), scorer=fuzz.ratio, score_cutoff=self.FUZZY_MIN_SCORE
            )
            if best:
                return self._by_folded[best[0]]
        return None


class CachedPlaceMatcher:
    """A PlaceMatcher rebuilt from the directory at most every `ttl` seconds."""

    def __init__(self, load_places: Callable[[], list[str]], ttl: float = 60.0) -> None:
        self._load_places = load_places
        self._ttl = ttl
        self._matcher: PlaceMatcher | None = None
        self._loaded_at = 0.0

    def find(self, text: str) -> str | None:
        if self._matcher is None or time.monotonic() - self._loaded_at > self._ttl:
            self._matcher = PlaceMatcher(self._load_places())
            self._loaded_at = time.monotonic()
        return self._matcher.find(text)
