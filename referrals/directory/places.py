"""Recognise the directory's places in free text.

spaCy's PhraseMatcher finds exact mentions (any case, also with ae/oe/ue for
umlauts); rapidfuzz catches small typos. The place list comes from the
database, so a new city in the directory is understood without retraining.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from anyascii import anyascii
from rapidfuzz import fuzz, process

from referrals.gazetteer import Place, gazetteer, tokenizer
from referrals.text import fold


class PlaceMatcher:
    """Finds the first directory place mentioned in a message."""

    FUZZY_MIN_SCORE = 85
    FUZZY_MIN_LENGTH = 5  # shorter words are too easily confused ("Ulm" vs "um")

    def __init__(self, places: Iterable[str]) -> None:
        self._by_folded: dict[str, str] = {}
        for place in places:
            for variant in (fold(place), fold(place, expand_umlauts=False)):
                self._by_folded.setdefault(variant, place)
        from spacy.matcher import PhraseMatcher  # spaCy on first use (referrals.gazetteer.tokenizer)

        self._matcher = PhraseMatcher(tokenizer().vocab, attr="LOWER")
        for folded in self._by_folded:
            self._matcher.add(folded, [tokenizer().make_doc(folded)])

    def find(self, text: str) -> str | None:
        folded = fold(text)
        matches = [
            m
            for variant in (folded, fold(text, expand_umlauts=False))
            for m in self._matcher(tokenizer().make_doc(variant))
        ]
        if matches:
            match_id, _start, _end = min(matches, key=lambda m: m[1])
            return self._by_folded[tokenizer().vocab.strings[match_id]]
        # Typos, also in other scripts once transliterated ("бочум" -> "bochum").
        for word in re.findall(r"\w+", folded):
            word = fold(anyascii(word))
            if len(word) < self.FUZZY_MIN_LENGTH:
                continue
            best = process.extractOne(
                word, self._by_folded.keys(), scorer=fuzz.ratio, score_cutoff=self.FUZZY_MIN_SCORE
            )
            if best:
                return self._by_folded[best[0]]
        return None


POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


class PlaceResolver:
    """Turns what a user wrote into a Place with coordinates.

    In order: a postcode (via the directory's own postcodes); a place of the directory
    (with typo tolerance); any German town in any language the gazetteer knows.
    Places the directory knows keep the directory's spelling ("München", not "Munich").
    """

    def __init__(
        self,
        directory_places: list[str],
        postcode_lookup: Callable[[str], tuple[str, float, float] | None],
    ) -> None:
        self._matcher = PlaceMatcher(directory_places)
        self._postcode_lookup = postcode_lookup
        self._directory_name: dict[tuple[float, float], str] = {}
        for name in directory_places:
            known = gazetteer().lookup(name)
            if known is not None:
                self._directory_name.setdefault((known.latitude, known.longitude), name)

    def find(self, text: str) -> Place | None:
        if match := POSTCODE.search(text):
            found = self._postcode_lookup(match.group(1))
            if found is not None:
                city, lat, lon = found
                known = gazetteer().lookup(city)
                return Place(city, lat, lon, known.state if known else None)
        if name := self._matcher.find(text):
            return self.named(name)
        place = gazetteer().find_in_text(text)
        if place is not None:
            name = self._directory_name.get((place.latitude, place.longitude), place.name)
            return Place(name, place.latitude, place.longitude, place.state, place.population)
        return None

    def at(self, latitude: float, longitude: float) -> Place | None:
        """A shared location: the user's own point, named after the nearest town."""
        town = gazetteer().nearest(latitude, longitude)
        if town is None:
            return None  # outside Germany (or the sea): the directory has nothing there
        name = self._directory_name.get((town.latitude, town.longitude), town.name)
        return Place(name, latitude, longitude, town.state, town.population)

    def named(self, name: str) -> Place | None:
        """The Place of a name the directory or the gazetteer knows."""
        known = gazetteer().lookup(name)
        if known is None:
            return None
        # Keep the directory's spelling, else the gazetteer's ("دارمشتات" -> "Darmstadt").
        canonical = self._directory_name.get((known.latitude, known.longitude), known.name)
        if canonical == known.name and fold(name) in {fold(n) for n in self._directory_name.values()}:
            canonical = name
        return Place(canonical, known.latitude, known.longitude, known.state, known.population)


class CachedPlaceResolver:
    """A PlaceResolver rebuilt from the directory at most every `ttl` seconds, so new
    places in the directory are understood without a restart."""

    def __init__(self, build: Callable[[], PlaceResolver], ttl: float = 60.0) -> None:
        self._build = build
        self._ttl = ttl
        self._resolver: PlaceResolver | None = None
        self._built_at = 0.0

    def get(self) -> PlaceResolver:
        if self._resolver is None or time.monotonic() - self._built_at > self._ttl:
            self._resolver = self._build()
            self._built_at = time.monotonic()
        return self._resolver
