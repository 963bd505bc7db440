"""Interface texts of the admin in German and English.

The language of a request (the user's choice, else the browser's, else German) is
referrals.web_language.language_of, shared with the statistics dashboard. Validation messages
come from referrals.directory.validation in English; `field_error` gives them in German for the
German interface.
"""

from __future__ import annotations

import re

from referrals.web_language import DEFAULT

TEXTS: dict[str, dict[str, str]] = {
    "app_name": {"de": "Wegweiser · Einträge", "en": "Wegweiser · Entries"},
    "login": {"de": "Anmelden", "en": "Log in"},
    "logout": {"de": "Abmelden", "en": "Log out"},
    "logout_everywhere": {"de": "Überall abmelden", "en": "Log out everywhere"},
    "email": {"de": "E-Mail", "en": "E-mail"},
    "password": {"de": "Passwort", "en": "Password"},
    "new_password": {"de": "Neues Passwort (mind. 10 Zeichen)", "en": "New password (10+ characters)"},
    "repeat_password": {"de": "Neues Passwort wiederholen", "en": "Repeat the new password"},
    "change_password": {"de": "Passwort ändern", "en": "Change password"},
    "must_change_password": {
        "de": "Ihr Passwort wurde zurückgesetzt. Bitte wählen Sie jetzt ein eigenes.",
        "en": "Your password was reset. Please choose your own now.",
    },
    "passwords_differ": {"de": "Die Passwörter sind verschieden.", "en": "The passwords differ."},
    "password_too_short": {
        "de": "Mindestens 10 Zeichen.",
        "en": "At least 10 characters.",
    },
    "password_changed": {"de": "Passwort geändert.", "en": "Password changed."},
    "login_failed": {
        "de": "E-Mail oder Passwort stimmt nicht.",
        "en": "E-mail or password is not right.",
    },
    "too_many_attempts": {
        "de": "Zu viele Anmeldeversuche. Bitte warten Sie 15 Minuten.",
        "en": "Too many login attempts. Please wait 15 minutes.",
    },
    "my_entries": {"de": "Meine Einträge", "en": "My entries"},
    "all_entries": {"de": "Alle Einträge", "en": "All entries"},
    "stale_entries": {
        "de": "Seit 6 Monaten nicht bestätigt",
        "en": "Not verified for 6 months",
    },
    "stale_none": {"de": "Alle Einträge sind aktuell bestätigt.", "en": "All entries are verified."},
    "reports": {"de": "Meldungen", "en": "Reports"},
    "nav_stale": {"de": "Zu prüfen", "en": "To verify"},
    "reports_none": {"de": "Keine offenen Meldungen.", "en": "No open reports."},
    "users": {"de": "Benutzer", "en": "Users"},
    "organizations": {"de": "Organisationen", "en": "Organisations"},
    "statistics": {"de": "Statistik", "en": "Statistics"},
    "search": {"de": "Suchen", "en": "Search"},
    "edit": {"de": "Bearbeiten", "en": "Edit"},
    "save": {"de": "Speichern", "en": "Save"},
    "saved": {"de": "Gespeichert. Der Bot zeigt es ab sofort.", "en": "Saved. The bot shows it now."},
    "not_saved": {
        "de": "Nicht gespeichert: bitte die markierten Felder prüfen.",
        "en": "Not saved: please check the marked fields.",
    },
    "verified_today": {"de": "Heute geprüft: alles stimmt", "en": "Verified today: all correct"},
    "verified_done": {"de": "Als heute geprüft markiert.", "en": "Marked as verified today."},
    "last_verified": {"de": "Zuletzt geprüft", "en": "Last verified"},
    "never": {"de": "nie", "en": "never"},
    "archive": {"de": "Archivieren (nicht mehr anzeigen)", "en": "Archive (no longer shown)"},
    "archived_done": {
        "de": "Archiviert: der Bot zeigt den Eintrag nicht mehr. Nichts ist gelöscht.",
        "en": "Archived: the bot no longer shows the entry. Nothing is deleted.",
    },
    "unarchive": {"de": "Wieder anzeigen", "en": "Show again"},
    "unarchived_done": {"de": "Der Bot zeigt den Eintrag wieder.", "en": "The bot shows the entry again."},
    "archived": {"de": "archiviert", "en": "archived"},
    "preview": {"de": "So sieht es im Bot aus", "en": "How it looks in the bot"},
    "history": {"de": "Verlauf", "en": "History"},
    "history_none": {"de": "Noch keine Änderungen.", "en": "No changes yet."},
    "restore": {"de": "Diese Fassung wiederherstellen", "en": "Restore this version"},
    "restored_done": {"de": "Frühere Fassung wiederhergestellt.", "en": "Earlier version restored."},
    "changed_fields": {"de": "Geändert", "en": "Changed"},
    "before": {"de": "vorher", "en": "before"},
    "after": {"de": "nachher", "en": "after"},
    "basics": {"de": "Angebot", "en": "Service"},
    "name": {"de": "Name", "en": "Name"},
    "description": {"de": "Beschreibung", "en": "Description"},
    "website": {"de": "Webseite", "en": "Web page"},
    "status": {"de": "Status", "en": "Status"},
    "status_active": {"de": "geöffnet", "en": "open"},
    "status_temporarily closed": {"de": "vorübergehend geschlossen", "en": "temporarily closed"},
    "status_inactive": {"de": "eingestellt", "en": "discontinued"},
    "status_defunct": {"de": "aufgelöst", "en": "defunct"},
    "topics": {"de": "Themen", "en": "Topics"},
    "languages": {"de": "Gesprochene Sprachen", "en": "Languages spoken"},
    "other_languages": {
        "de": "Weitere Sprachen (ISO-Codes, z. B. ku, ps, ti)",
        "en": "Other languages (ISO codes, e.g. ku, ps, ti)",
    },
    "hours": {"de": "Öffnungszeiten", "en": "Opening hours"},
    "hours_help": {
        "de": "Eine Zeile je Zeitfenster. Leere Zeilen werden ignoriert; zum Löschen alles leeren.",
        "en": "One row per time slot. Empty rows are ignored; clear a row to delete it.",
    },
    "days": {"de": "Tage", "en": "Days"},
    "opens_at": {"de": "von", "en": "from"},
    "closes_at": {"de": "bis", "en": "to"},
    "appointment_only": {"de": "nur mit Termin", "en": "by appointment only"},
    "note": {"de": "Hinweis", "en": "Note"},
    "phones": {"de": "Telefon", "en": "Phone"},
    "number": {"de": "Nummer", "en": "Number"},
    "contacts": {"de": "Ansprechstellen (nur Funktion, keine Namen)", "en": "Contacts (role only, no names)"},
    "role_title": {"de": "Funktion", "en": "Role"},
    "locations": {"de": "Adresse", "en": "Address"},
    "street": {"de": "Straße und Hausnummer", "en": "Street and number"},
    "postcode": {"de": "PLZ", "en": "Postcode"},
    "city": {"de": "Ort", "en": "City"},
    "organization": {"de": "Organisation", "en": "Organisation"},
    "is_mso": {"de": "Migrantenorganisation (MSO)", "en": "Migrant self-organisation (MSO)"},
    "role": {"de": "Rolle", "en": "Role"},
    "role_admin": {"de": "Administration", "en": "Admin"},
    "role_counsellor": {"de": "Beratung", "en": "Counsellor"},
    "role_coordinator": {"de": "Koordination", "en": "Coordinator"},
    "active": {"de": "aktiv", "en": "active"},
    "new_user": {"de": "Neuer Benutzer", "en": "New user"},
    "user_created": {
        "de": "Benutzer angelegt. Vorläufiges Passwort (nur jetzt sichtbar): {password}",
        "en": "User created. Temporary password (shown only now): {password}",
    },
    "reset_password": {"de": "Passwort zurücksetzen", "en": "Reset password"},
    "password_reset_done": {
        "de": "Neues vorläufiges Passwort (nur jetzt sichtbar): {password}",
        "en": "New temporary password (shown only now): {password}",
    },
    "email_taken": {"de": "Diese E-Mail ist schon vergeben.", "en": "This e-mail is already in use."},
    "memberships": {"de": "Organisationen (für Beratung)", "en": "Organisations (for counsellors)"},
    "report_reason": {"de": "Grund", "en": "Reason"},
    "reason_closed": {"de": "geschlossen", "en": "closed"},
    "reason_moved": {"de": "umgezogen", "en": "moved"},
    "reason_phone": {"de": "falsche Telefonnummer", "en": "wrong phone number"},
    "reason_language": {"de": "spricht meine Sprache nicht", "en": "does not speak my language"},
    "reported_at": {"de": "gemeldet", "en": "reported"},
    "mark_done": {"de": "Erledigt", "en": "Done"},
    "reports_closed_note": {
        "de": "Damit erledigte Meldungen aus dem Bot ({count})",
        "en": "Reports from the bot settled by this ({count})",
    },
    "reports_settled": {
        "de": "{count} offene Meldung(en) aus dem Bot damit erledigt (siehe Verlauf).",
        "en": "{count} open report(s) from the bot settled by this (see history).",
    },
    "open_reports": {"de": "offene Meldungen", "en": "open reports"},
    "with_open_reports": {"de": "Mit offenen Meldungen", "en": "With open reports"},
    "all": {"de": "Alle", "en": "All"},
    "report_done": {"de": "Meldung erledigt.", "en": "Report marked done."},
    "open_entry": {"de": "Eintrag öffnen", "en": "Open entry"},
    "forbidden": {
        "de": "Dafür haben Sie keine Berechtigung.",
        "en": "You are not allowed to do this.",
    },
    "not_found": {"de": "Nicht gefunden.", "en": "Not found."},
    "csrf_failed": {
        "de": "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu.",
        "en": "The form has expired or is not valid. Please reload the page.",
    },
    "coordinator_home": {
        "de": "Sie haben Lesezugriff auf die Statistik. Einträge bearbeiten die Beratungsstellen selbst.",
        "en": "You can read the statistics. Entries are edited by the counselling organisations.",
    },
    "statistics_missing": {
        "de": "Die Statistik ist noch nicht eingerichtet.",
        "en": "The statistics are not set up yet.",
    },
    "no_organization": {
        "de": "Ihr Konto ist noch keiner Organisation zugeordnet. Bitte fragen Sie die Administration.",
        "en": "Your account belongs to no organisation yet. Please ask an admin.",
    },
    "verified_by": {"de": "Geprüft von", "en": "Verified by"},
    "action_baseline": {"de": "Stand vor der ersten Änderung", "en": "As before the first change"},
    "action_edit": {"de": "bearbeitet", "en": "edited"},
    "action_verify": {"de": "als geprüft markiert", "en": "marked as verified"},
    "action_archive": {"de": "archiviert", "en": "archived"},
    "action_unarchive": {"de": "wieder angezeigt", "en": "shown again"},
    "action_restore": {"de": "frühere Fassung wiederhergestellt", "en": "earlier version restored"},
    "logged_in_as": {"de": "Angemeldet als", "en": "Logged in as"},
    "back": {"de": "Zurück", "en": "Back"},
    "create": {"de": "Anlegen", "en": "Create"},
    "form_error": {"de": "Bitte prüfen.", "en": "Please check."},
    "new_entry": {"de": "Neuer Eintrag", "en": "New entry"},
    "new_entry_help": {
        "de": "Ein neues Angebot Ihrer Organisation (z. B. ein Frauencafé am Dienstag) oder ein weiterer "
        "Standort. Es erscheint nach dem Anlegen sofort im Bot, als noch nicht geprüft.",
        "en": "A new service of your organisation (e.g. a Tuesday women's café) or another location. "
        "The bot shows it as soon as it is created, as not verified yet.",
    },
    "show_preview": {"de": "Vorschau im Bot", "en": "Preview in the bot"},
    "add_location": {
        "de": "Weiterer Standort (leer lassen, wenn es keinen gibt):",
        "en": "Another location (leave empty if there is none):",
    },
    "first_location": {"de": "Wo findet das Angebot statt?", "en": "Where does the service take place?"},
    "created": {
        "de": "Angelegt. Der Bot zeigt den Eintrag ab sofort (noch nicht geprüft).",
        "en": "Created. The bot shows the entry now (not verified yet).",
    },
    "action_create": {"de": "angelegt", "en": "created"},
    "new_organization": {"de": "Neue Organisation", "en": "New organisation"},
    "organization_created": {
        "de": "Organisation angelegt. Laden Sie jetzt eine Beratungsperson ein.",
        "en": "Organisation created. Now invite a counsellor.",
    },
    "invite_counsellor": {"de": "Beratungsperson einladen", "en": "Invite a counsellor"},
    "new_invitation": {"de": "Neuer Einladungslink", "en": "New invitation link"},
    "user_invited": {
        "de": "Einladungslink (nur jetzt sichtbar, einmal nutzbar, {hours} Stunden gültig): {link}",
        "en": "Invitation link (shown only now, works once, valid for {hours} hours): {link}",
    },
    "invitation_invalid": {
        "de": "Dieser Einladungslink ist abgelaufen oder wurde schon benutzt. Bitte fragen Sie die "
        "Administration nach einem neuen.",
        "en": "This invitation link has expired or was already used. Please ask an admin for a new one.",
    },
    "welcome_title": {"de": "Willkommen beim Wegweiser", "en": "Welcome to Wegweiser"},
    "invitation_intro": {
        "de": "Bitte wählen Sie Ihr eigenes Passwort für",
        "en": "Please choose your own password for",
    },
    "set_password": {"de": "Passwort festlegen und anmelden", "en": "Set password and log in"},
    "welcome": {"de": "Willkommen! Sie sind angemeldet.", "en": "Welcome! You are logged in."},
    "listing_requests": {"de": "Aufnahme-Anfragen", "en": "Listing requests"},
    "requests_none": {"de": "Keine offenen Anfragen.", "en": "No open requests."},
    "received_at": {"de": "eingegangen", "en": "received"},
    "accept_request": {"de": "Aufnehmen", "en": "Accept"},
    "reject_request": {"de": "Ablehnen (löschen)", "en": "Reject (delete)"},
    "request_accepted": {
        "de": "Organisation angelegt (noch ohne Angebote, der Bot zeigt nichts). Laden Sie jetzt "
        "eine Beratungsperson ein.",
        "en": "Organisation created (no services yet, the bot shows nothing). Now invite a counsellor.",
    },
    "request_rejected": {"de": "Anfrage gelöscht.", "en": "Request deleted."},
    "join_hint": {
        "de": "Ihre Organisation ist noch nicht dabei?",
        "en": "Your organisation is not listed yet?",
    },
    "join_link": {"de": "Aufnahme anfragen", "en": "Ask to be listed"},
    "join_title": {
        "de": "Unsere Organisation möchte aufgenommen werden",
        "en": "Our organisation wants to be listed",
    },
    "join_intro": {
        "de": "Beratungsstellen und Migrantenorganisationen können hier anfragen, im Wegweiser-Bot "
        "genannt zu werden. Die Administration prüft die Anfrage und meldet sich; veröffentlicht wird "
        "erst danach.",
        "en": "Counselling points and migrant organisations can ask here to be named by the Wegweiser "
        "bot. An admin checks the request and gets back to you; nothing is published before.",
    },
    "join_email": {"de": "E-Mail der Organisation", "en": "The organisation's e-mail"},
    "join_email_help": {
        "de": "Für die Antwort; bitte eine Adresse der Organisation (z. B. info@...).",
        "en": "For the reply; please an address of the organisation (e.g. info@...).",
    },
    "join_message": {"de": "Was bieten Sie an? (optional)", "en": "What do you offer? (optional)"},
    "join_message_help": {
        "de": "Bitte keine Daten von Ratsuchenden.",
        "en": "Please no data of people you counsel.",
    },
    "join_send": {"de": "Anfrage senden", "en": "Send request"},
    "join_privacy": {
        "de": "Gespeichert wird nur, was Sie hier eintragen, bis die Administration entschieden hat.",
        "en": "Only what you enter here is kept, until an admin has decided.",
    },
    "join_thanks": {
        "de": "Danke! Ihre Anfrage ist angekommen. Die Administration meldet sich per E-Mail.",
        "en": "Thank you! Your request has arrived. An admin will reply by e-mail.",
    },
    "not_sent": {
        "de": "Nicht gesendet: bitte die markierten Felder prüfen.",
        "en": "Not sent: please check the marked fields.",
    },
    "too_many_requests": {
        "de": "Zu viele Anfragen. Bitte versuchen Sie es später noch einmal.",
        "en": "Too many requests. Please try again later.",
    },
    # Handover: questions in writing (referrals/admin/inquiries.py)
    "inquiries": {"de": "Anfragen", "en": "Inquiries"},
    "inquiries_none": {"de": "Keine Anfragen in dieser Liste.", "en": "No inquiries in this list."},
    "inq_state_open": {"de": "Neu", "en": "New"},
    "inq_state_waiting_us": {"de": "Wartet auf uns", "en": "Waiting for us"},
    "inq_state_waiting_user": {"de": "Wartet auf die Person", "en": "Waiting for the user"},
    "inq_state_closed": {"de": "Geschlossen", "en": "Closed"},
    "inq_state": {"de": "Stand", "en": "State"},
    "inq_thread": {"de": "Anfrage", "en": "Inquiry"},
    "inq_topic": {"de": "Thema", "en": "Topic"},
    "inq_town": {"de": "Ort", "en": "Town"},
    "inq_language": {"de": "Sprache", "en": "Language"},
    "inq_last_activity": {"de": "zuletzt", "en": "last"},
    "inq_from_user": {"de": "Person", "en": "User"},
    "inq_from_us": {"de": "Wir", "en": "Us"},
    "inq_delivered": {"de": "zugestellt", "en": "delivered"},
    "inq_not_delivered": {"de": "wird zugestellt", "en": "being delivered"},
    "inq_reply": {"de": "Antwort", "en": "Answer"},
    "inq_reply_help": {
        "de": "Die Person erhält die Antwort im Chat, mit dem Namen Ihrer Organisation.",
        "en": "The user gets the answer in the chat, with your organisation's name.",
    },
    "inq_send": {"de": "Antwort senden", "en": "Send answer"},
    "inq_close": {"de": "Anfrage schließen", "en": "Close inquiry"},
    "inq_is_closed": {"de": "Diese Anfrage ist geschlossen.", "en": "This inquiry is closed."},
    "inq_privacy": {
        "de": "Sie sehen nur, was die Person nach ihrer Einwilligung geschrieben hat: keinen Namen, "
        "keine Telefonnummer, kein Telegram-Konto. Bitte fragen Sie nicht danach; für einen Termin "
        "genügt Ort und Zeit.",
        "en": "You see only what the user wrote after consenting: no name, phone number or Telegram "
        "account. Please do not ask for them; for an appointment, place and time are enough.",
    },
    "reply_sent": {
        "de": "Antwort gespeichert, sie wird zugestellt.",
        "en": "Answer saved; it is being delivered.",
    },
    "inquiry_closed": {"de": "Die Anfrage ist geschlossen.", "en": "The inquiry is closed."},
    "written_questions": {"de": "Fragen schriftlich", "en": "Questions in writing"},
    "written_explained": {
        "de": "Eingeschaltet zeigt der Bot unter diesem Eintrag „✉️ Schreiben an …“. Nachrichten "
        "kommen unter „Anfragen“ an; Sie erhalten eine E-Mail ohne den Text.",
        "en": "When on, the bot shows “✉️ Write to …” under this entry. Messages arrive under "
        "“Inquiries”; you get an e-mail without the text.",
    },
    "written_enabled": {"de": "Fragen schriftlich annehmen", "en": "Take questions in writing"},
    "written_languages": {"de": "Wir antworten auf", "en": "We answer in"},
    "written_answer_days": {"de": "Übliche Antwortzeit (Werktage)", "en": "Usual answer time (working days)"},
    "back_to_entry": {"de": "Zurück zum Eintrag", "en": "Back to the entry"},
    # The notification e-mail: never the message, the topic or the town (referrals/admin/notify.py).
    "mail_subject": {
        "de": "Neue Nachricht in einer Anfrage ({written_in})",
        "en": "New message in an inquiry ({written_in})",
    },
    "mail_body": {
        "de": "Über den Wegweiser hat Ihnen jemand geschrieben (Sprache: {written_in}). Lesen und "
        "antworten Sie in der Verwaltung unter „Anfragen“: {where}",
        "en": "Someone wrote to you through Wegweiser (language: {written_in}). Read and answer in "
        "the admin under “Inquiries”: {where}",
    },
}

# English validator messages (referrals.directory.validation, referrals.directory.hsds) -> German, by pattern.
_GERMAN_ERRORS = [
    (r"^missing$", "Pflichtfeld"),
    (r"^not a phone number: (.*?) \(.*\)$", r"keine Telefonnummer: \1"),
    (r"^not a valid phone number: (.*)$", r"keine gültige Telefonnummer: \1"),
    (r"^not a valid e-mail address: (.*?) \(.*\)$", r"keine gültige E-Mail-Adresse: \1"),
    (
        r"^not a valid web address \(http:// or https://\): (.*)$",
        r"keine gültige Webadresse (http:// oder https://): \1",
    ),
    (r"^a German postcode has 5 digits: (.*)$", r"eine deutsche Postleitzahl hat 5 Ziffern: \1"),
    (r"^unknown topic (.*?);.*$", r"unbekanntes Thema \1"),
    (r"^not an ISO 639 language code: (.*)$", r"kein ISO-639-Sprachcode: \1"),
    (r"^not a time of day \(HH:MM\): (.*)$", r"keine Uhrzeit (HH:MM): \1"),
    (r"^not a date \(YYYY-MM-DD\): (.*)$", r"kein Datum (JJJJ-MM-TT): \1"),
    (r"^days must be among .*$", "bitte mindestens einen Tag wählen"),
    (r"^must be later than opens_at$", "muss nach der Anfangszeit liegen"),
    (r"^must not be before valid_from$", "darf nicht vor dem Beginn liegen"),
    (r"^at least one topic is required$", "mindestens ein Thema wählen"),
    (r"^an address with a city is required$", "eine Adresse mit Ort ist nötig"),
    (r"^a service needs a location or a service area$", "eine Adresse oder ein Einzugsgebiet ist nötig"),
    (r"^(.*) is not one of: (.*)$", r"\1 ist keiner von: \2"),
    (r"^at most (\d+) characters$", r"höchstens \1 Zeichen"),
]
_ENGLISH_TWEAKS = [
    (r"^must be later than opens_at$", "must be later than the opening time"),
    (r"^days must be among .*$", "choose at least one day"),
]


def t(key: str, language: str, **values: str) -> str:
    texts = TEXTS.get(key)
    if texts is None:
        return key
    return (texts.get(language) or texts[DEFAULT]).format(**values)


def field_error(message: str, language: str) -> str:
    """A validator's message in the interface language."""
    table = _GERMAN_ERRORS if language == "de" else _ENGLISH_TWEAKS
    for pattern, replacement in table:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message
