"""Texts the action server sends: referral cards and short messages, in the reply language.

Plain text only; the chat adapters escape it for their markup.
"""

from __future__ import annotations

from babel import Locale

from referrals.content import text
from referrals.directory.search import Referral
from referrals.topics import TOPICS


def message(key: str, language: str, **values: str) -> str:
    return text("app", key, language, **values)


def language_names(codes: tuple[str, ...], language: str) -> str:
    names = Locale.parse(language).languages
    return ", ".join(names.get(code, code) for code in codes)


def header(topic: str, city: str, language: str) -> str:
    """What the bot understood, said before the results ("Kita, school, youth and family · Darmstadt:").

    The intent classifier can be confidently wrong on words it never saw, so every referral
    answer first says what it searched for; the user sees a misunderstanding at once and can
    correct it with "not what I meant".
    """
    return f"{TOPICS[topic].label(language)} · {city}:"


def card(referral: Referral, language: str) -> str:
    title = referral.name
    if referral.organization and referral.organization not in referral.name:
        title = f"{referral.name} ({referral.organization})"
    lines = [title]
    if referral.is_mso:
        lines.append(f"🤝 {message('mso', language)}")
    if referral.address:
        where = referral.address
        if referral.distance_km and referral.distance_km >= 1:
            where += f" ({message('km_away', language, km=str(round(referral.distance_km)))})"
        lines.append(f"📍 {where}")
        if referral.map_url:
            lines.append(f"🗺 {message('map', language)}: {referral.map_url}")
    elif referral.nationwide:
        lines.append(f"📍 {message('nationwide', language)}")
    lines.extend(f"☎️ {phone}" for phone in referral.phones)
    if hours := opening_line(referral, language):
        lines.append(f"🕒 {hours}")
    if referral.languages:
        lines.append(f"🗣 {message('languages', language)}: {language_names(referral.languages, language)}")
    if referral.url:
        lines.append(f"🔗 {referral.url}")
    return "\n".join(lines)


def opening_line(referral: Referral, language: str) -> str | None:
    """Today's opening hours, or why it is closed; None when the directory has no hours."""
    today = referral.today
    if today.temporarily_closed:
        return message("temporarily_closed", language)
    if not today.known:
        return None
    parts = []
    if today.slots:
        parts.append(", ".join(today.slots))
        if referral.open_now:
            parts.append(message("open_now", language))
    elif today.holiday:
        parts.append(f"{message('closed_today', language)} ({message('holiday', language)})")
    elif not today.appointment_only:
        parts.append(message("closed_today", language))
    if today.appointment_only:
        parts.append(message("by_appointment", language))
    return f"{message('today', language)}: " + " · ".join(parts)
