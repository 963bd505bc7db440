"""The directory's topic taxonomy: stable codes with labels in every supported language.

Codes are what NLU entities, button payloads and the database use; labels are what users see.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")
DEFAULT_LANGUAGE = "de"


@dataclass(frozen=True)
class Topic:
    code: str
    labels: dict[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels[DEFAULT_LANGUAGE]


TOPICS: dict[str, Topic] = {
    t.code: t
    for t in (
        Topic("health", {"de": "Gesundheit", "en": "Health"}),
        Topic(
            "youth_family",
            {"de": "Kita, Schule, Jugend und Familie", "en": "Kita, school, youth and family"},
        ),
        Topic(
            "citizen_office",
            {"de": "Bürgeramt und Dokumente", "en": "Citizen office (Bürgeramt) and documents"},
        ),
        Topic(
            "migration_counselling",
            {"de": "Migrations- und Asylberatung", "en": "Migration and asylum counselling"},
        ),
        Topic("women", {"de": "Frauen", "en": "Women"}),
        Topic("seniors_care", {"de": "Senioren und Pflege", "en": "Seniors and care"}),
        Topic("language_courses", {"de": "Sprachkurse", "en": "Language courses"}),
        Topic(
            "work_recognition",
            {
                "de": "Arbeit und Anerkennung von Abschlüssen",
                "en": "Work and recognition of qualifications",
            },
        ),
    )
}

# Topics offered as buttons: those the conversation answers today.
MENU_TOPICS = ("health", "youth_family", "citizen_office")
