"""Texts of the statistics dashboard in German and English, and labels for recorded codes."""

from __future__ import annotations

from datetime import date

from referrals.statistics.models import ALL_CITIES, NO_CITY, OTHER_CITY
from referrals.topics import TOPICS

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Statistik",
        "view.overview": "Überblick",
        "view.people": "Sprachen, Themen, Orte",
        "view.needs": "Bedarf ohne Angebot",
        "view.understanding": "Verständnis",
        "view.organisations": "Organisationen",
        "view.handovers": "Anfragen an Beratende",
        "table.handovers_topic": "Anfragen an Beratende nach Thema",
        "table.handovers_language": "Anfragen an Beratende nach Sprache",
        "table.handovers_city": "Anfragen an Beratende nach Ort",
        "col.handovers": "Anfragen",
        "table.weekly": "Gespräche pro Woche",
        "table.hours": "Nachrichten nach Tageszeit",
        "table.language": "Nach Sprache",
        "table.topic": "Nach Thema",
        "table.cities": "Nach Ort (alle Orte, unabhängig vom Ortsfilter)",
        "table.needs": "Suchen ohne Angebot vor Ort, nach Thema und Ort",
        "table.fallback": "Nicht verstanden, pro Woche",
        "table.misunderstood_topics": "Häufigste Themen nicht verstandener Nachrichten",
        "table.misunderstood_intents": "Vermutetes Anliegen nicht verstandener Nachrichten",
        "table.intent": "Anliegen (erkannte Absicht)",
        "table.organisations": "Empfehlungen pro Organisation",
        "col.week": "Woche ab",
        "col.conversations": "Gespräche",
        "col.turns": "Nachrichten",
        "col.crisis": "Krisenhinweise",
        "col.hour": "Stunde",
        "col.language": "Sprache",
        "col.topic": "Thema",
        "col.city": "Ort",
        "col.intent": "Anliegen",
        "col.fallback": "Thema",
        "col.fallback_intent": "Vermutetes Anliegen",
        "col.searches": "Suchen",
        "col.without_local": "ohne Angebot vor Ort",
        "col.nothing_found": "davon gar nichts",
        "col.share_without_local": "Anteil ohne Angebot vor Ort",
        "col.not_understood": "nicht verstanden",
        "col.fallback_rate": "Anteil nicht verstanden",
        "col.organization": "Organisation",
        "col.shown": "gezeigt in Suchen",
        "filter.period": "Zeitraum",
        "filter.city": "Ort",
        "filter.from": "von",
        "filter.to": "bis",
        "filter.apply": "Anzeigen",
        "period.4w": "4 Wochen",
        "period.12w": "12 Wochen",
        "period.26w": "26 Wochen",
        "period.52w": "52 Wochen",
        "period.custom": "eigener Zeitraum",
        "csv": "CSV herunterladen",
        "totals": "{conversations} Gespräche, {turns} Nachrichten vom {start} bis {end}",
        "suppressed": "„<5“: Zahlen unter 5 werden nicht gezeigt (auch nicht im CSV), damit niemand "
        "erkennbar wird. „x“: zurückgehalten, weil sich sonst eine verborgene Zahl aus der Summe "
        "ausrechnen ließe.",
        "about": "Gezählt werden nur grobe Angaben je Nachricht: Tag und Stunde, Antwortsprache, Anliegen "
        "und Thema, Ort (nur Orte des Verzeichnisses), gezeigte Organisationen, nicht verstanden, "
        "Krisenhinweis. Kein Text, keine Telegram-Kennung, kein Name. Ein Gespräch wird je Tag "
        "gezählt: wer an drei Tagen schreibt, zählt dreimal, denn niemand wird über Tage hinweg "
        "wiedererkannt.",
        "empty": "Keine Daten in diesem Zeitraum.",
        "empty_period": "Vom {start} bis {end} gab es keine Gespräche.",
        "headline.title": "Auf einen Blick",
        "headline.conversations": "Gespräche",
        "headline.without_local": "Bedarf ohne Angebot vor Ort",
        "headline.fallback_rate": "Anteil nicht verstanden",
        "change.percent": "{change} % zum Zeitraum davor",
        "change.points": "{change} Prozentpunkte zum Zeitraum davor",
        "change.unknown": "kein Vergleich möglich",
        "city.all": "alle Orte",
        "city.none": "ohne Ortsangabe",
        "city.other": "andere Orte (nicht im Verzeichnis)",
        "topic.none": "kein Thema erkannt",
        "intent.none": "keine Vermutung",
        "language": "Sprache",
        "chart.none": "Diagramm: verborgene Werte (<5) fehlen.",
        "forbidden": "Kein Zugang: die Statistik ist nur für Koordination und Administration.",
        "password": "Passwort ändern",
        "logout": "Abmelden",
    },
    "en": {
        "title": "Statistics",
        "view.overview": "Overview",
        "view.people": "Languages, topics, places",
        "view.needs": "Needs without an offer",
        "view.understanding": "Understanding",
        "view.organisations": "Organisations",
        "view.handovers": "Questions to counsellors",
        "table.handovers_topic": "Questions to counsellors by topic",
        "table.handovers_language": "Questions to counsellors by language",
        "table.handovers_city": "Questions to counsellors by town",
        "col.handovers": "questions",
        "table.weekly": "Conversations per week",
        "table.hours": "Messages by time of day",
        "table.language": "By language",
        "table.topic": "By topic",
        "table.cities": "By place (all places, whatever the place filter)",
        "table.needs": "Searches without a local offer, by topic and place",
        "table.fallback": "Not understood, per week",
        "table.misunderstood_topics": "Most frequent topics of messages not understood",
        "table.misunderstood_intents": "Likely request of messages not understood",
        "table.intent": "Requests (recognised intent)",
        "table.organisations": "Referrals per organisation",
        "col.week": "Week of",
        "col.conversations": "Conversations",
        "col.turns": "Messages",
        "col.crisis": "Crisis answers",
        "col.hour": "Hour",
        "col.language": "Language",
        "col.topic": "Topic",
        "col.city": "Place",
        "col.intent": "Request",
        "col.fallback": "Topic",
        "col.fallback_intent": "Likely request",
        "col.searches": "Searches",
        "col.without_local": "without a local offer",
        "col.nothing_found": "of which nothing at all",
        "col.share_without_local": "Share without a local offer",
        "col.not_understood": "not understood",
        "col.fallback_rate": "Share not understood",
        "col.organization": "Organisation",
        "col.shown": "shown in searches",
        "filter.period": "Period",
        "filter.city": "Place",
        "filter.from": "from",
        "filter.to": "to",
        "filter.apply": "Show",
        "period.4w": "4 weeks",
        "period.12w": "12 weeks",
        "period.26w": "26 weeks",
        "period.52w": "52 weeks",
        "period.custom": "custom period",
        "csv": "Download CSV",
        "totals": "{conversations} conversations, {turns} messages from {start} to {end}",
        "suppressed": '"<5": counts below 5 are never shown (nor exported to CSV), so that nobody can be '
        'recognised. "x": withheld, because a hidden count could otherwise be worked out from a total.',
        "about": "Only coarse facts per message are counted: day and hour, reply language, request and "
        "topic, place (only places of the directory), organisations shown, not understood, crisis "
        "answer. No text, no Telegram id, no name. A conversation is counted per day: someone who "
        "writes on three days counts three times, because nobody is recognised from one day to the next.",
        "empty": "No data in this period.",
        "empty_period": "There were no conversations from {start} to {end}.",
        "headline.title": "At a glance",
        "headline.conversations": "Conversations",
        "headline.without_local": "Needs without a local offer",
        "headline.fallback_rate": "Share not understood",
        "change.percent": "{change} % against the period before",
        "change.points": "{change} percentage points against the period before",
        "change.unknown": "no comparison possible",
        "city.all": "all places",
        "city.none": "no place given",
        "city.other": "other places (not in the directory)",
        "topic.none": "no topic recognised",
        "intent.none": "no guess",
        "language": "Language",
        "chart.none": "Chart: hidden values (<5) are left out.",
        "forbidden": "No access: statistics are for coordinators and administrators only.",
        "password": "Change password",
        "logout": "Log out",
    },
}

LANGUAGE_NAMES = {
    "de": {
        "de": "Deutsch",
        "en": "Englisch",
        "ar": "Arabisch",
        "tr": "Türkisch",
        "ru": "Russisch",
        "uk": "Ukrainisch",
        "fa": "Persisch",
        "fr": "Französisch",
    },
    "en": {
        "de": "German",
        "en": "English",
        "ar": "Arabic",
        "tr": "Turkish",
        "ru": "Russian",
        "uk": "Ukrainian",
        "fa": "Persian",
        "fr": "French",
    },
}

INTENT_NAMES = {
    "de": {
        "request_referral": "Beratungsstelle suchen",
        "faq": "Informationsfrage",
        "greet": "Begrüßung",
        "goodbye": "Verabschiedung",
        "thanks": "Dank",
        "help": "Hilfe/Menü",
        "affirm": "Ja",
        "deny": "Nein",
        "bot_challenge": "Wer bist du?",
        "request_human": "Mensch gewünscht",
        "out_of_scope": "außerhalb des Angebots",
        "choose_language": "Sprache wählen",
        "inform_place": "Ortsangabe",
        "crisis_medical": "Notfall (medizinisch)",
        "crisis_violence": "Gewalt",
        "crisis_suicidal": "Suizidgedanken",
        "crisis_child_danger": "Kind in Gefahr",
    },
    "en": {
        "request_referral": "find a counselling point",
        "faq": "information question",
        "greet": "greeting",
        "goodbye": "goodbye",
        "thanks": "thanks",
        "help": "help/menu",
        "affirm": "yes",
        "deny": "no",
        "bot_challenge": "who are you?",
        "request_human": "asks for a person",
        "out_of_scope": "out of scope",
        "choose_language": "choose language",
        "inform_place": "place given",
        "crisis_medical": "medical emergency",
        "crisis_violence": "violence",
        "crisis_suicidal": "suicidal thoughts",
        "crisis_child_danger": "child in danger",
    },
}


def text(language: str, key: str, **values: object) -> str:
    texts = TEXTS.get(language, TEXTS["de"])
    return texts.get(key, TEXTS["en"].get(key, key)).format(**values)


def city_label(language: str, city: str) -> str:
    special = {ALL_CITIES: "city.all", NO_CITY: "city.none", OTHER_CITY: "city.other"}
    return text(language, special[city]) if city in special else city


def label(language: str, kind: str, value: object) -> str:
    """How a recorded code reads in `language` (kind: week, hour, language, topic, city, ...)."""
    if kind == "week" and isinstance(value, date):
        return value.isoformat()
    if kind == "hour":
        return f"{value}:00"
    if kind == "language":
        return LANGUAGE_NAMES[language].get(str(value), str(value))
    if kind in ("topic", "fallback"):
        return TOPICS[str(value)].label(language) if value in TOPICS else text(language, "topic.none")
    if kind == "city":
        return city_label(language, str(value))
    if kind in ("intent", "fallback_intent"):
        if not value:
            return text(language, "intent.none")
        return INTENT_NAMES[language].get(str(value), str(value))
    return str(value)
