"""The directory's topic taxonomy: stable codes with labels in every supported language.

Codes are what NLU entities, button payloads and the database use; labels are what users see.
"""

from __future__ import annotations

import json
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
        Topic("health", {
            "de": "Gesundheit", "en": "Health", "ar": "الصحة", "tr": "Sağlık",
            "ru": "Здоровье", "uk": "Здоров'я", "fa": "سلامت", "fr": "Santé",
        }),
        Topic("youth_family", {
            "de": "Kita, Schule, Jugend und Familie", "en": "Kita, school, youth and family",
            "ar": "الحضانة (Kita) والمدرسة والشباب والأسرة", "tr": "Kreş (Kita), okul, gençlik ve aile",
            "ru": "Детский сад (Kita), школа, молодёжь и семья",
            "uk": "Дитячий садок (Kita), школа, молодь і сім'я",
            "fa": "مهدکودک (Kita)، مدرسه، جوانان و خانواده",
            "fr": "Crèche (Kita), école, jeunesse et famille",
        }),
        Topic("citizen_office", {
            "de": "Bürgeramt und Dokumente", "en": "Citizen office (Bürgeramt) and documents",
            "ar": "مكتب المواطنين (Bürgeramt) والوثائق", "tr": "Vatandaşlık bürosu (Bürgeramt) ve belgeler",
            "ru": "Бюргерамт (Bürgeramt) и документы", "uk": "Бюргерамт (Bürgeramt) і документи",
            "fa": "اداره شهروندی (Bürgeramt) و مدارک", "fr": "Bureau des citoyens (Bürgeramt) et documents",
        }),
        Topic("migration_counselling", {
            "de": "Migrations- und Asylberatung", "en": "Migration and asylum counselling",
            "ar": "استشارات الهجرة واللجوء", "tr": "Göç ve iltica danışmanlığı",
            "ru": "Консультации по миграции и убежищу", "uk": "Консультації з міграції та притулку",
            "fa": "مشاوره مهاجرت و پناهندگی", "fr": "Conseil en migration et asile",
        }),
        Topic("women", {
            "de": "Frauen", "en": "Women", "ar": "النساء", "tr": "Kadınlar",
            "ru": "Женщины", "uk": "Жінки", "fa": "زنان", "fr": "Femmes",
        }),
        Topic("seniors_care", {
            "de": "Senioren und Pflege", "en": "Seniors and care", "ar": "كبار السن والرعاية",
            "tr": "Yaşlılar ve bakım", "ru": "Пожилые люди и уход", "uk": "Літні люди та догляд",
            "fa": "سالمندان و مراقبت", "fr": "Personnes âgées et soins",
        }),
        Topic("language_courses", {
            "de": "Sprachkurse", "en": "Language courses", "ar": "دورات اللغة", "tr": "Dil kursları",
            "ru": "Языковые курсы", "uk": "Мовні курси", "fa": "کلاس‌های زبان", "fr": "Cours de langue",
        }),
        Topic("work_recognition", {
            "de": "Arbeit und Anerkennung von Abschlüssen",
            "en": "Work and recognition of qualifications",
            "ar": "العمل والاعتراف بالشهادات", "tr": "İş ve diplomaların tanınması",
            "ru": "Работа и признание дипломов", "uk": "Робота та визнання дипломів",
            "fa": "کار و به رسمیت شناختن مدارک تحصیلی",
            "fr": "Travail et reconnaissance des diplômes",
        }),
    )
}  # fmt: skip

# Topics offered as buttons: those the conversation answers today.
MENU_TOPICS = tuple(TOPICS)


# Endonyms on the language buttons: a user finds their language whatever the bot speaks now.
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
    "ru": "Русский",
    "uk": "Українська",
    "fa": "فارسی",
    "fr": "Français",
}


def choose_language_payload(code: str) -> str:
    """What a language button sends: Rasa's choose_language intent (fits Telegram's 64 bytes)."""
    return "/choose_language" + json.dumps({"language": code}, separators=(",", ":"))
