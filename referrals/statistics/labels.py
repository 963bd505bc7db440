"""How recorded codes read on the statistics pages: weeks, hours, reply languages, topics, places,
intents. The words come from the text catalogue of the pages (referrals.web_texts)."""

from __future__ import annotations

from datetime import date

from referrals.statistics.models import ALL_CITIES, NO_CITY, OTHER_CITY
from referrals.topics import TOPICS
from referrals.web_texts import catalogue, text

_SPECIAL_CITIES = {ALL_CITIES: "city.all", NO_CITY: "city.none", OTHER_CITY: "city.other"}


def city_label(language: str, city: str) -> str:
    return text(_SPECIAL_CITIES[city], language) if city in _SPECIAL_CITIES else city


def _named(language: str, family: str, code: str) -> str:
    """The catalogue's name of a code ("language.ar", "intent.greet"); a code recorded before the
    catalogue named it reads as itself."""
    return catalogue(language).get(f"{family}.{code}", code)


def label(language: str, kind: str, value: object) -> str:
    """How a recorded code reads in `language` (kind: week, hour, language, topic, city, ...)."""
    if kind == "week" and isinstance(value, date):
        return value.isoformat()
    if kind == "hour":
        return f"{value}:00"
    if kind == "language":
        return _named(language, "language", str(value))
    if kind in ("topic", "fallback"):
        return TOPICS[str(value)].label(language) if value in TOPICS else text("topic.none", language)
    if kind == "city":
        return city_label(language, str(value))
    if kind in ("intent", "fallback_intent"):
        return _named(language, "intent", str(value)) if value else text("intent.none", language)
    return str(value)
