"""WTForms forms of the admin (CSRF token in every one, via starlette-wtf).

Entry forms carry no validators of their own: the edited entry is turned back into an HSDS
record and checked by the importer's validation (referrals.directory.hsds.parse_service, which uses
referrals.directory.validation); its problems are put next to the fields they concern.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from babel import Locale
from starlette_wtf import StarletteForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange

from referrals.directory.hsds import Problem
from referrals.directory.validation import ICAL_DAYS
from referrals.topics import SUPPORTED_LANGUAGES, TOPICS
from referrals.web_texts import text

# Offered as tick boxes; anything else goes in "other languages".
COMMON_LANGUAGES = (
    "de", "en", "ar", "tr", "ru", "uk", "fa", "fr", "ku", "ps", "prs", "ti", "so", "pl", "ro",
    "bg", "sq", "sr", "hr", "bs", "es", "it", "pt", "vi", "zh", "ur", "hi", "ta", "am", "sgn",
)  # fmt: skip
STATUSES = ("active", "temporarily closed", "inactive")
BLANK_SCHEDULE_ROWS = 2


def options(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Form) -> None:  # choices are checked by the import validation
        pass


class ActionForm(StarletteForm):
    """A button that changes something (verify, archive, restore, done): only the CSRF token."""


class LoginForm(StarletteForm):
    email = EmailField()
    password = PasswordField()


class PasswordForm(StarletteForm):
    password = PasswordField()
    repeat = PasswordField()


class UserForm(StarletteForm):
    email = EmailField()
    role = SelectField(choices=options((r, r) for r in ("counsellor", "coordinator", "admin")))
    organizations = MultiCheckboxField(choices=[])
    active = BooleanField(default=True)


class ListingRequestForm(StarletteForm):
    organization_name = StringField(render_kw={"maxlength": 300, "autocomplete": "organization"})
    is_mso = BooleanField()
    city = StringField(render_kw={"maxlength": 200})
    website = StringField(render_kw={"type": "url", "maxlength": 500})
    email = StringField(render_kw={"type": "email", "maxlength": 300})
    topics = MultiCheckboxField(choices=options((code, code) for code in TOPICS))
    message = TextAreaField(render_kw={"maxlength": 2000, "rows": 4})


class OrganizationForm(StarletteForm):
    name = StringField()
    website = StringField()
    email = StringField()
    is_mso = BooleanField()


class SlotForm(Form):
    # No ids in the browser: rows are matched to the entry's own rows by position.
    days = MultiCheckboxField(choices=options((d, d) for d in ICAL_DAYS))
    opens_at = StringField(render_kw={"type": "time"})
    closes_at = StringField(render_kw={"type": "time"})
    appointment_only = BooleanField()
    note = StringField()


class PhoneForm(Form):
    number = StringField(render_kw={"type": "tel", "autocomplete": "off"})
    note = StringField()


class ContactForm(Form):
    title = StringField()
    email = StringField(render_kw={"type": "email"})


class AddressForm(Form):
    street = StringField()
    postcode = StringField(render_kw={"inputmode": "numeric"})
    city = StringField()


class ServiceForm(StarletteForm):
    name = StringField()
    description = TextAreaField()
    url = StringField(render_kw={"type": "url"})
    email = StringField(render_kw={"type": "email"})
    status = SelectField(choices=options((s, s) for s in STATUSES))
    topics = MultiCheckboxField(choices=options((code, code) for code in TOPICS))
    languages = MultiCheckboxField(choices=[])
    other_languages = StringField()
    schedules = FieldList(FormField(SlotForm))
    phones = FieldList(FormField(PhoneForm))
    contacts = FieldList(FormField(ContactForm))
    locations = FieldList(FormField(AddressForm))
    general_errors: list[str]


class NewServiceForm(ServiceForm):
    """A new entry: the entry form plus the organisation it belongs to (the view checks that it
    is one of the user's own)."""

    organization = SelectField(choices=[], validate_choice=False)


def label_choices(form: ServiceForm, record: dict[str, Any], language: str) -> None:
    """Labels in the interface language; the entry's own languages are always offered."""
    names = Locale.parse(language).languages
    codes = list(COMMON_LANGUAGES) + [
        lang["code"] for lang in record.get("languages", []) if lang["code"] not in COMMON_LANGUAGES
    ]
    form.languages.choices = options((c, f"{names.get(c, c)} ({c})") for c in codes)
    form.topics.choices = options((code, topic.label(language)) for code, topic in TOPICS.items())
    statuses = list(STATUSES) + ([record["status"]] if record.get("status") not in STATUSES else [])
    form.status.choices = options((s, text(f"status_{s}", language)) for s in statuses)
    for entry in form.schedules.entries:
        entry.form.days.choices = options((day, text(f"day.{day}", language)) for day in ICAL_DAYS)


def form_data(record: dict[str, Any]) -> dict[str, Any]:
    """What the edit form shows for an HSDS record (with blank rows to add hours and phones)."""
    schedules = [
        {
            "days": (s.get("byday") or "").split(",") if s.get("byday") else [],
            "opens_at": s.get("opens_at") or "",
            "closes_at": s.get("closes_at") or "",
            "appointment_only": bool(s.get("x_appointment_only")),
            "note": s.get("description") or "",
        }
        for s in record.get("schedules", [])
    ]
    schedules += [{"days": [], "opens_at": "", "closes_at": ""}] * BLANK_SCHEDULE_ROWS
    phones = [{"number": p["number"], "note": p.get("description") or ""} for p in record.get("phones", [])]
    contacts = [{"title": c["title"], "email": c.get("email") or ""} for c in record.get("contacts", [])]
    locations = []
    for sal in record.get("service_at_locations", []):
        address = (sal["location"].get("addresses") or [{}])[0]
        locations.append(
            {
                "street": address.get("address_1") or "",
                "postcode": address.get("postal_code") or "",
                "city": address.get("city") or "",
            }
        )
    return {
        "name": record.get("name"),
        "description": record.get("description") or "",
        "url": record.get("url") or "",
        "email": record.get("email") or "",
        "status": record.get("status") or "active",
        "topics": [a["taxonomy_term"]["code"] for a in record.get("attributes", [])],
        "languages": [lang["code"] for lang in record.get("languages", [])],
        "other_languages": "",
        "schedules": schedules,
        "phones": phones + [{"number": "", "note": ""}],
        "contacts": contacts + [{"title": "", "email": ""}],
        "locations": locations + [{"street": "", "postcode": "", "city": ""}],  # a row to add one
    }


def _blank(*values: Any) -> bool:
    return all(not (v.strip() if isinstance(v, str) else v) for v in values)


def apply(form: ServiceForm, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The HSDS record with the form's values; and where each record row came from in the form.

    Ids of existing child rows come from the stored record (by position), never from the browser.
    """
    new = dict(record)
    new.update(
        name=form.name.data,
        description=form.description.data,
        url=form.url.data,
        email=form.email.data,
        status=form.status.data,
    )
    old_notes = {lang["code"]: lang.get("note") for lang in record.get("languages", [])}
    codes = list(form.languages.data or [])
    codes += [c for c in re.split(r"[\s,;]+", form.other_languages.data or "") if c]
    new["languages"] = [{"code": c, "note": old_notes.get(c)} for c in dict.fromkeys(codes)]
    new["attributes"] = [{"taxonomy_term": {"code": c}} for c in form.topics.data or []]

    where: dict[str, Any] = {"schedules": [], "phones": [], "contacts": []}
    old_schedules = record.get("schedules", [])
    schedules = []
    for index, entry in enumerate(form.schedules.entries):
        row = entry.form
        if _blank(row.days.data, row.opens_at.data, row.closes_at.data, row.appointment_only.data):
            continue
        old = old_schedules[index] if index < len(old_schedules) else {}
        schedules.append(
            {
                "id": old.get("id") or f"{record['id']}-schedule-{uuid.uuid4().hex[:8]}",
                "freq": "WEEKLY",
                "byday": ",".join(row.days.data or []),
                "opens_at": row.opens_at.data or None,
                "closes_at": row.closes_at.data or None,
                "valid_from": old.get("valid_from"),
                "valid_to": old.get("valid_to"),
                "description": row.note.data or None,
                "x_appointment_only": bool(row.appointment_only.data),
                "x_closed_on_public_holidays": old.get("x_closed_on_public_holidays", True),
            }
        )
        where["schedules"].append(index)
    new["schedules"] = schedules

    old_phones = record.get("phones", [])
    phones = []
    for index, entry in enumerate(form.phones.entries):
        if _blank(entry.form.number.data):
            continue
        old = old_phones[index] if index < len(old_phones) else {}
        phones.append(
            {
                "id": old.get("id") or f"{record['id']}-phone-{uuid.uuid4().hex[:8]}",
                "number": entry.form.number.data,
                "extension": old.get("extension"),
                # An existing row keeps its type (even none): saving unchanged must change nothing.
                "type": old.get("type") if old else "voice",
                "description": entry.form.note.data or None,
            }
        )
        where["phones"].append(index)
    new["phones"] = phones

    old_contacts = record.get("contacts", [])
    contacts = []
    for index, entry in enumerate(form.contacts.entries):
        if _blank(entry.form.title.data, entry.form.email.data):
            continue
        old = old_contacts[index] if index < len(old_contacts) else {}
        contacts.append(
            {
                "id": old.get("id") or f"{record['id']}-contact-{uuid.uuid4().hex[:8]}",
                "title": entry.form.title.data,
                "department": old.get("department"),
                "email": entry.form.email.data or None,
            }
        )
        where["contacts"].append(index)
    new["contacts"] = contacts

    links = []
    for index, sal in enumerate(record.get("service_at_locations", [])):
        if index >= len(form.locations.entries):
            links.append(sal)
            continue
        row = form.locations.entries[index].form
        location = dict(sal["location"])
        addresses = [dict(a) for a in location.get("addresses") or [{}]]
        first = addresses[0]
        moved = (first.get("address_1"), first.get("postal_code"), first.get("city")) != (
            row.street.data or None,
            row.postcode.data or None,
            row.city.data or None,
        )
        first.update(address_1=row.street.data, postal_code=row.postcode.data, city=row.city.data)
        location["addresses"] = addresses
        if moved:  # old coordinates no longer fit: the city's centre until exact ones are known
            location.update(latitude=None, longitude=None, x_coordinates_precision=None)
        links.append({**sal, "location": location})
    # Rows after the entry's own addresses add a location (a second place, or a new entry's first).
    for row in [entry.form for entry in form.locations.entries[len(links) :]]:
        if _blank(row.street.data, row.postcode.data, row.city.data):
            continue
        key = uuid.uuid4().hex[:8]
        links.append(
            {
                "id": f"{record['id']}-sal-{key}",
                "location": {
                    "id": f"{record['id']}-location-{key}",
                    "addresses": [
                        {
                            "id": f"{record['id']}-address-{key}",
                            "address_1": row.street.data or None,
                            "postal_code": row.postcode.data or None,
                            "city": row.city.data or None,
                        }
                    ],
                },
            }
        )
    new["service_at_locations"] = links
    return new, where


_LOCATION_FIELDS = {"address_1": "street", "postal_code": "postcode", "city": "city"}
_SCHEDULE_FIELDS = {"byday": "days", "opens_at": "opens_at", "closes_at": "closes_at", "description": "note"}


def attach(form: ServiceForm, problems: list[Problem], where: dict[str, Any], language: str) -> None:
    """Put each validation problem next to its field (or at the top when it has no field)."""
    form.general_errors = []
    for problem in problems:
        message = problem.text(language)
        target = _field_for(form, problem.field, where)
        if target is None:
            form.general_errors.append(f"{problem.field}: {message}")
        else:
            target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]


def _field_for(form: ServiceForm, name: str, where: dict[str, Any]) -> Any:
    simple = {"name", "description", "url", "email", "status"}
    if name in simple:
        return getattr(form, name)
    if name.startswith("attributes"):
        return form.topics
    if name.startswith("languages"):
        return form.other_languages
    match = re.match(r"(schedules|phones|contacts)\[(\d+)\]\.(\w+)", name)
    if match:
        kind, index, field = match.group(1), int(match.group(2)), match.group(3)
        rows = where.get(kind, [])
        if index >= len(rows):
            return None
        row = getattr(form, kind).entries[rows[index]].form
        if kind == "schedules":
            return getattr(row, _SCHEDULE_FIELDS.get(field, "opens_at"))
        if kind == "phones":
            return row.number
        return getattr(row, field, row.title)
    match = re.match(r"service_at_locations\[(\d+)\]\.location\.addresses(?:\[\d+\]\.(\w+))?", name)
    if match and int(match.group(1)) < len(form.locations.entries):
        row = form.locations.entries[int(match.group(1))].form
        return getattr(row, _LOCATION_FIELDS.get(match.group(2) or "city", "city"))
    return None


class WrittenQuestionsForm(StarletteForm):
    """A service's opt-in to questions in writing (the handover, referrals/handover)."""

    enabled = BooleanField()
    languages = MultiCheckboxField(choices=options((code, code) for code in SUPPORTED_LANGUAGES))
    answer_days = IntegerField(default=2, validators=[NumberRange(min=1, max=14)])


class ReplyForm(StarletteForm):
    text = TextAreaField(
        validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 5, "maxlength": 4000}
    )
