"""The adapter's own short replies (everything else comes from Rasa), by Telegram language."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "unavailable": {
        "de": "Entschuldigung, ich bin gerade nicht erreichbar. Bitte schreiben Sie in ein paar "
        "Minuten noch einmal. Im Notfall: 112.",
        "en": "Sorry, I can't answer right now. Please write again in a few minutes. "
        "In an emergency: 112.",
    },
    "text_only": {
        "de": "Ich kann nur Textnachrichten lesen. Schreiben Sie z. B. „Kita in Darmstadt“ "
        "oder /help für die Themen.",
        "en": 'I can only read text messages. Write e.g. "doctor in Berlin", or /help for '
        "the topics.",
    },
}
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "de": [("start", "Neu beginnen"), ("help", "Themen zeigen")],
    "en": [("start", "Start again"), ("help", "Show the topics")],
}


def text(key: str, language_code: str | None) -> str:
    language = (language_code or "de").split("-")[0].lower()
    return TEXTS[key].get(language) or TEXTS[key]["de"]
