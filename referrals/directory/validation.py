"""Field validators shared by the importers (and later the admin forms).

Each returns the normalised value or raises FieldError: a code and values, which the text
catalogue (referrals.web_texts, key "error.<code>") turns into a message a counsellor can act on,
in the admin's language on its forms and in English in the import report.
"""

from __future__ import annotations

import re
from datetime import date, time

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from pydantic import HttpUrl, TypeAdapter, ValidationError

from referrals import web_texts
from referrals.topics import TOPICS

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
AREA_SCOPES = ("city", "district", "state", "nationwide")
_LANGUAGE_CODES = set(Locale("en").languages)
_url_adapter = TypeAdapter(HttpUrl)


class FieldError(ValueError):
    """A value refused: `code` names the text "error.<code>" of the catalogue, `values` fill it in;
    `detail` is the checking library's own explanation, in English, only for the import report."""

    def __init__(self, code: str, detail: str | None = None, **values: object) -> None:
        self.code, self.values, self.detail = code, values, detail
        super().__init__(self.text("en") + (f" ({detail})" if detail else ""))

    def text(self, language: str) -> str:
        return web_texts.text(f"error.{self.code}", language, **self.values)


def phone(value: str) -> str:
    """A German or international number in E.164 (+49...); service numbers like 116 117 stay as written."""
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"11\d{4}|11[0-9]|0800\d{4,8}", digits):  # short codes, free-phone numbers
        if digits.startswith("0800"):
            return phonenumbers.format_number(
                phonenumbers.parse(digits, "DE"), phonenumbers.PhoneNumberFormat.E164
            )
        return text
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException as error:
        raise FieldError("not_a_phone_number", str(error), value=text) from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError("invalid_phone_number", value=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164_or_short: str) -> str:
    """How a number is shown: international format, which Telegram turns into tap-to-call."""
    if not e164_or_short.startswith("+"):
        return e164_or_short
    number = phonenumbers.parse(e164_or_short)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def email(value: str) -> str:
    try:
        return validate_email(str(value).strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise FieldError("invalid_email", str(error), value=value) from None


def url(value: str) -> str:
    try:
        return str(_url_adapter.validate_python(str(value).strip()))
    except ValidationError:
        raise FieldError("invalid_url", value=value) from None


def postcode(value: str) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\d{5}", text):
        raise FieldError("invalid_postcode", value=text)
    return text


def country(value: str) -> str:
    """The directory lists places in Germany: ISO 3166-1 alpha-2 "DE" (or its name)."""
    text = str(value).strip()
    if text.upper() in ("DE", "DEU", "GERMANY", "DEUTSCHLAND"):
        return "DE"
    raise FieldError("country_outside_germany", value=text)


def topic(value: str) -> str:
    if value not in TOPICS:
        raise FieldError("unknown_topic", value=value, known=", ".join(TOPICS))
    return value


def language(value: str) -> str:
    code = str(value).strip().lower()
    if code not in _LANGUAGE_CODES or not 2 <= len(code) <= 3:
        raise FieldError("invalid_language_code", value=value)
    return code


def clock(value: str) -> time:
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError("invalid_time", value=value) from None


def day(value: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError("invalid_date", value=value) from None


def byday(value: str) -> str:
    days = [d.strip().upper() for d in str(value).split(",") if d.strip()]
    unknown = [d for d in days if d not in ICAL_DAYS]
    if not days or unknown:
        raise FieldError("invalid_days", allowed=",".join(ICAL_DAYS), value=value)
    return ",".join(days)


def one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise FieldError("not_one_of", value=value, allowed=", ".join(allowed))
    return value
