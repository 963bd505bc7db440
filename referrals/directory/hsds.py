"""Import and export services in Open Referral HSDS 3.0 form: services with nested
organization, service_at_locations (location + addresses), phones, schedules,
languages, contacts, service_areas and topic attributes. Our own fields carry an
`x_` prefix.

Import validates every record first and reports every problem with the record
number and field; only a file without problems is written, in one transaction.
Re-importing the same ids updates the entries in place. Files come in through
referrals.directory.hsds_read (import_file) and go out through referrals.directory.hsds_publish
(export_json).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from referrals import web_texts
from referrals.directory import search_index
from referrals.directory import validation as v
from referrals.directory.geocoding import fill_coordinates
from referrals.directory.models import (
    Address,
    Contact,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTopic,
)
from referrals.topics import TOPICS

TAXONOMY = "wegweiser-topics"


@dataclass(frozen=True)
class Problem:
    """What is wrong where: `code` and `values` make the text "error.<code>" of the catalogue
    (referrals.web_texts); `detail`, a checking library's explanation, is for the report only."""

    record: str  # "service #3 (svc-id)" or "line 7"
    field: str
    code: str
    values: Mapping[str, object] = dataclasses.field(default_factory=dict)  # `field` is taken here
    detail: str | None = None

    @classmethod
    def of(cls, record: str, name: str, error: v.FieldError) -> Problem:
        return cls(record, name, error.code, error.values, error.detail)

    def text(self, language: str) -> str:
        return web_texts.text(f"error.{self.code}", language, **self.values)

    @property
    def message(self) -> str:
        """The English text, as the import report (command line, log) shows it."""
        return self.text("en") + (f" ({self.detail})" if self.detail else "")

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


class DirectoryImportError(ValueError):
    """The file has problems; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Checker:
    record: str
    problems: list[Problem] = field(default_factory=list)

    def __call__(
        self,
        name: str,
        value: Any,
        check: Callable[[Any], Any] | None = None,
        required: bool = False,
    ) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append(Problem(self.record, name, "missing"))
            return None
        if check is None:
            return value.strip() if isinstance(value, str) else value
        try:
            return check(value)
        except v.FieldError as error:
            self.problems.append(Problem.of(self.record, name, error))
            return None


def _records(items: Any) -> list[dict[str, Any]]:
    return [item for item in items or [] if isinstance(item, dict)]


def _id(record: dict[str, Any]) -> Any:
    """A record's id here: our own id where our export replaced it by a UUID (x_id), else its id."""
    return record.get("x_id") or record.get("id")


def _text_of(value: Any) -> Any:
    """A number where we keep text (a phone extension typed as a number in HSDS)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def parse_service(record: dict[str, Any], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one HSDS service; returns normalised values and the problems found."""
    c = _Checker(where)
    org = _mapping(record.get("organization"))
    if not org:
        c.problems.append(Problem(where, "organization", "missing"))
    sid = c("id", _id(record), required=True)
    out: dict[str, Any] = {
        "id": sid,
        "name": c("name", record.get("name"), required=True),
        "alternate_name": c("alternate_name", record.get("alternate_name")),
        "description": c("description", record.get("description")),
        "url": c("url", record.get("url"), v.url),
        "email": c("email", record.get("email"), v.email),
        "status": c("status", record.get("status") or "active", lambda s: v.one_of(s, v.SERVICE_STATUSES)),
        "eligibility_description": c("eligibility_description", record.get("eligibility_description")),
        "fees_description": c("fees_description", record.get("fees_description")),
        "application_process": c("application_process", record.get("application_process")),
        "assured_date": c("assured_date", record.get("assured_date"), v.day),
        "assurer_email": c("assurer_email", record.get("assurer_email"), v.email),
        "archived": bool(record.get("x_archived")),
        "source_url": c("x_source", record.get("x_source"), v.url),
        "organization": {
            "id": c("organization.id", _id(org), required=True),
            "name": c("organization.name", org.get("name"), required=True),
            "alternate_name": c("organization.alternate_name", org.get("alternate_name")),
            "description": c("organization.description", org.get("description")),
            "website": c("organization.website", org.get("website"), v.url),
            "email": c("organization.email", org.get("email"), v.email),
            "is_mso": bool(org.get("x_is_mso")),
        },
    }
    topics = []
    for i, attribute in enumerate(_records(record.get("attributes"))):
        term = _mapping(attribute.get("taxonomy_term"))
        vocabulary = term.get("taxonomy")
        if vocabulary not in (None, TAXONOMY) and term.get("code") not in TOPICS:
            c.problems.append(
                Problem(
                    where,
                    f"attributes[{i}].taxonomy_term",
                    "foreign_taxonomy_term",
                    {"term": term.get("code") or term.get("name"), "vocabulary": vocabulary},
                )
            )
            continue
        code = c(f"attributes[{i}].taxonomy_term.code", term.get("code"), v.topic, required=True)
        if code:
            topics.append(code)
    if not topics and not any(p.field.startswith("attributes") for p in c.problems):
        c.problems.append(Problem(where, "attributes", "no_topic"))
    out["topics"] = list(dict.fromkeys(topics))
    out["languages"] = {}
    for i, lang in enumerate(_records(record.get("languages"))):
        code = c(f"languages[{i}].code", lang.get("code"), v.language, required=True)
        if code:
            out["languages"][code] = c(f"languages[{i}].note", lang.get("note"))
    out["phones"] = [
        {
            "id": _id(p) or f"{sid}-phone-{i}",
            "number": c(f"phones[{i}].number", p.get("number"), v.phone, required=True),
            "extension": c(f"phones[{i}].extension", _text_of(p.get("x_extension") or p.get("extension"))),
            "type": c(f"phones[{i}].type", p.get("type")),
            "description": c(f"phones[{i}].description", p.get("description")),
        }
        for i, p in enumerate(_records(record.get("phones")))
    ]
    out["contacts"] = [
        {
            "id": _id(p) or f"{sid}-contact-{i}",
            "title": c(f"contacts[{i}].title", p.get("title"), required=True),
            "department": c(f"contacts[{i}].department", p.get("department")),
            "email": c(f"contacts[{i}].email", p.get("email"), v.email),
        }
        for i, p in enumerate(_records(record.get("contacts")))
    ]
    out["schedules"] = [
        _schedule(c, f"schedules[{i}]", s, f"{sid}-schedule-{i}")
        for i, s in enumerate(_records(record.get("schedules")))
    ]
    out["service_areas"] = [
        {
            "id": _id(a) or f"{sid}-area-{i}",
            "name": c(f"service_areas[{i}].name", a.get("name"), required=True),
            "description": c(f"service_areas[{i}].description", a.get("description")),
            "scope": c(
                f"service_areas[{i}].x_scope",
                a.get("x_scope") or "city",
                lambda s: v.one_of(s, v.AREA_SCOPES),
            ),
        }
        for i, a in enumerate(_records(record.get("service_areas")))
    ]
    out["locations"] = []
    for i, sal in enumerate(_records(record.get("service_at_locations"))):
        loc = _mapping(sal.get("location"))
        prefix = f"service_at_locations[{i}].location"
        addresses = []
        # x_partial_addresses: addresses our export could not write as HSDS ones (no postcode ...)
        for j, a in enumerate(_records(loc.get("addresses")) + _records(loc.get("x_partial_addresses"))):
            ap = f"{prefix}.addresses[{j}]"
            addresses.append(
                {
                    "id": _id(a) or f"{_id(loc)}-address-{j}",
                    "address_1": c(f"{ap}.address_1", a.get("address_1")),
                    "address_2": c(f"{ap}.address_2", a.get("address_2")),
                    "city": c(f"{ap}.city", a.get("city"), required=True),
                    "region": c(f"{ap}.region", a.get("region")),
                    "state_province": c(f"{ap}.state_province", a.get("state_province")),
                    "postal_code": c(f"{ap}.postal_code", a.get("postal_code"), v.postcode),
                    "country": c(f"{ap}.country", a.get("country") or "DE", v.country),
                    "address_type": a.get("address_type") or "physical",
                }
            )
        if not addresses:
            c.problems.append(Problem(where, f"{prefix}.addresses", "no_address"))
        lat = c(f"{prefix}.latitude", loc.get("latitude"), _latitude)
        lon = c(f"{prefix}.longitude", loc.get("longitude"), _longitude)
        out["locations"].append(
            {
                "link_id": _id(sal) or f"{sid}-at-{_id(loc)}",
                "id": c(f"{prefix}.id", _id(loc), required=True),
                "location_type": loc.get("location_type") or "physical",
                "name": c(f"{prefix}.name", loc.get("name")),
                "description": c(f"{prefix}.description", loc.get("description")),
                "latitude": lat,
                "longitude": lon,
                "coordinates_precision": loc.get("x_coordinates_precision") or ("exact" if lat else None),
                "addresses": addresses,
            }
        )
    if not out["locations"] and not out["service_areas"]:
        c.problems.append(Problem(where, "service_at_locations", "no_location"))
    return out, c.problems


def _schedule(c: _Checker, prefix: str, s: dict[str, Any], default_id: str) -> dict[str, Any]:
    appointment_only = bool(s.get("x_appointment_only"))
    row = {
        "id": _id(s) or default_id,
        "freq": c(f"{prefix}.freq", s.get("freq") or "WEEKLY", lambda f: v.one_of(f, ("WEEKLY",))),
        "byday": c(f"{prefix}.byday", s.get("byday"), v.byday, required=not appointment_only),
        "opens_at": c(f"{prefix}.opens_at", s.get("opens_at"), v.clock, required=not appointment_only),
        "closes_at": c(f"{prefix}.closes_at", s.get("closes_at"), v.clock, required=not appointment_only),
        "valid_from": c(f"{prefix}.valid_from", s.get("valid_from"), v.day),
        "valid_to": c(f"{prefix}.valid_to", s.get("valid_to"), v.day),
        "description": c(f"{prefix}.description", s.get("description")),
        "appointment_only": appointment_only,
        "closed_on_public_holidays": s.get("x_closed_on_public_holidays", True) is not False,
    }
    if row["opens_at"] and row["closes_at"] and row["opens_at"] >= row["closes_at"]:
        c.problems.append(Problem(c.record, f"{prefix}.closes_at", "closes_before_opens"))
    if row["valid_from"] and row["valid_to"] and row["valid_from"] > row["valid_to"]:
        c.problems.append(Problem(c.record, f"{prefix}.valid_to", "ends_before_start"))
    return row


def _latitude(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise v.FieldError("not_a_number", value=value) from None
    if not 47.0 <= number <= 55.2:
        raise v.FieldError("coordinate_outside_germany", value=number)
    return number


def _longitude(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise v.FieldError("not_a_number", value=value) from None
    if not 5.8 <= number <= 15.1:
        raise v.FieldError("coordinate_outside_germany", value=number)
    return number


def validate_all(
    records: Iterable[tuple[str, dict[str, Any]]], known_problems: Iterable[Problem] = ()
) -> list[dict[str, Any]]:
    """Validate every record; raise DirectoryImportError listing all problems, if any
    (with `known_problems` found while reading the file)."""
    parsed, problems = [], list(known_problems)
    seen: dict[tuple[str, str], str] = {}  # (kind, id) -> record that used it first
    for where, record in records:
        values, found = parse_service(record, where)
        child_ids = [("service", "id", values["id"])]
        child_ids += [("phone", f"phones[{i}].id", p["id"]) for i, p in enumerate(values["phones"])]
        child_ids += [("schedule", f"schedules[{i}].id", r["id"]) for i, r in enumerate(values["schedules"])]
        child_ids += [("contact", f"contacts[{i}].id", r["id"]) for i, r in enumerate(values["contacts"])]
        child_ids += [
            ("area", f"service_areas[{i}].id", r["id"]) for i, r in enumerate(values["service_areas"])
        ]
        child_ids += [
            ("link", f"service_at_locations[{i}].id", r["link_id"]) for i, r in enumerate(values["locations"])
        ]
        for kind, name, ident in child_ids:
            if ident is None:
                continue
            if (kind, ident) in seen and seen[(kind, ident)] != where:
                found.append(
                    Problem(where, name, "id_used_twice", {"id": ident, "other": seen[(kind, ident)]})
                )
            seen.setdefault((kind, ident), where)
        parsed.append(values)
        problems.extend(found)
    if problems:
        raise DirectoryImportError(problems)
    return parsed


_TRACKED_FIELDS = (
    "name",
    "description",
    "url",
    "email",
    "status",
    "organization_id",
    "eligibility_description",
    "fees_description",
    "application_process",
    "assured_date",
    "assurer_email",
    "archived",
    "source_url",
)


def _mapping(value: Any) -> dict[str, Any]:
    """A nested record of the file, or an empty one where the file has something else."""
    return value if isinstance(value, dict) else {}


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_Entity = TypeVar("_Entity", Service, Organization, Location)


def _existing(session: Session, model: type[_Entity], ids: list[str]) -> dict[str, _Entity]:
    found: dict[str, _Entity] = {}
    for chunk in _chunks(ids):
        found.update((row.id, row) for row in session.scalars(select(model).where(model.id.in_(chunk))))
    return found


def _clashes(session: Session, parsed: list[dict[str, Any]]) -> list[Problem]:
    """Child ids in the file that belong to another service already in the directory."""
    problems = []
    kinds = (
        (Phone, "phones", "id"),
        (Schedule, "schedules", "id"),
        (Contact, "contacts", "id"),
        (ServiceArea, "service_areas", "id"),
        (ServiceAtLocation, "locations", "link_id"),
    )
    for model, key, id_key in kinds:
        owner = {child[id_key]: values["id"] for values in parsed for child in values[key]}
        for chunk in _chunks(list(owner)):
            rows = session.execute(select(model.id, model.service_id).where(model.id.in_(chunk))).all()
            problems += [
                Problem(
                    f"service {owner[cid]}",
                    f"{key}.id",
                    "id_of_other_service",
                    {"id": cid, "service": sid},
                )
                for cid, sid in rows
                if sid != owner[cid]
            ]
    return problems


class _Writer:
    """Writes validated services; new ones in bulk, existing ones updated in place."""

    def __init__(self, session: Session, parsed: list[dict[str, Any]], updated_by: str) -> None:
        self.session = session
        self.updated_by = updated_by
        self.services = _existing(session, Service, [v["id"] for v in parsed])
        self.orgs = _existing(session, Organization, list({v["organization"]["id"] for v in parsed}))
        self.locations = _existing(
            session, Location, list({loc["id"] for v in parsed for loc in v["locations"]})
        )

    def write(self, values: dict[str, Any]) -> None:
        session = self.session
        org_values = values["organization"]
        org = self.orgs.get(org_values["id"])
        if org is None:
            org = self.orgs[org_values["id"]] = Organization(id=org_values["id"])
            session.add(org)
        for key, value in org_values.items():
            setattr(org, key, value)

        service = self.services.get(values["id"])
        before = {f: getattr(service, f) for f in _TRACKED_FIELDS} if service else None
        if service is None:
            service = Service(id=values["id"])
            session.add(service)
        else:
            # Drop the old child rows first: the unit of work inserts before it deletes,
            # which would trip the unique constraints on re-import.
            service.topics, service.languages, service.phones, service.schedules = [], [], [], []
            service.contacts, service.service_areas, service.locations = [], [], []
            session.flush()
        simple = {k: values[k] for k in _TRACKED_FIELDS if k in values}
        simple["organization_id"] = org_values["id"]
        for key, value in simple.items():
            setattr(service, key, value)
        service.alternate_name = values["alternate_name"]
        service.topics = [ServiceTopic(topic_code=code) for code in values["topics"]]
        service.languages = [
            ServiceLanguage(code=code, note=note) for code, note in values["languages"].items()
        ]
        service.phones = [Phone(**p) for p in values["phones"]]
        service.contacts = [Contact(**p) for p in values["contacts"]]
        service.schedules = [Schedule(**r) for r in values["schedules"]]
        service.service_areas = [ServiceArea(**a) for a in values["service_areas"]]
        links = []
        for loc in values["locations"]:
            location = self.locations.get(loc["id"])
            if location is None:
                location = self.locations[loc["id"]] = Location(id=loc["id"])
                session.add(location)
            for key in (
                "location_type",
                "name",
                "description",
                "latitude",
                "longitude",
                "coordinates_precision",
            ):
                setattr(location, key, loc[key])
            location.addresses = [Address(**a) for a in loc["addresses"]]
            fill_coordinates(location)
            links.append(ServiceAtLocation(id=loc["link_id"], service_id=service.id, location_id=loc["id"]))
        service.locations = links
        self._log(service.id, simple, before)

    def _log(self, service_id: str, values: dict[str, Any], before: dict[str, Any] | None) -> None:
        """HSDS metadata: one row for a new entry, one per changed field for an update."""
        if before is None:
            self.session.add(
                Metadata(
                    resource_id=service_id,
                    resource_type="service",
                    last_action_type="create",
                    field_name="*",
                    replacement_value=values.get("name"),
                    updated_by=self.updated_by,
                )
            )
            return
        for name, value in values.items():
            if before.get(name) != value:
                self.session.add(
                    Metadata(
                        resource_id=service_id,
                        resource_type="service",
                        last_action_type="update",
                        field_name=name,
                        previous_value=None if before.get(name) is None else str(before[name]),
                        replacement_value=None if value is None else str(value),
                        updated_by=self.updated_by,
                    )
                )


def write_service(session: Session, values: dict[str, Any], updated_by: str) -> None:
    """Write one service that parse_service() accepted, as an import would (no commit).

    The admin saves edits this way, so the same checks and the same metadata change log apply.
    The caller refreshes the search index (search_index.refresh) before committing.
    """
    if problems := _clashes(session, [values]):
        raise DirectoryImportError(problems)
    _Writer(session, [values], updated_by).write(values)
    session.flush()


def import_records(
    session: Session,
    records: Iterable[tuple[str, dict[str, Any]]],
    updated_by: str,
    known_problems: Iterable[Problem] = (),
) -> int:
    """Validate all, then write all in one transaction (nothing when anything is wrong)."""
    parsed = validate_all(records, known_problems)
    with session.begin():
        if problems := _clashes(session, parsed):
            raise DirectoryImportError(problems)
        writer = _Writer(session, parsed, updated_by)
        for count, values in enumerate(parsed, start=1):
            writer.write(values)
            if count % 500 == 0:
                session.flush()
        session.flush()
        search_index.refresh(session, [values["id"] for values in parsed])
    with session.begin():
        session.execute(text("ANALYZE"))  # fresh statistics keep the search's query plans good
    return len(parsed)


# -- export ----------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def service_to_hsds(service: Service) -> dict[str, Any]:
    org = service.organization
    return {
        "id": service.id,
        "name": service.name,
        "alternate_name": service.alternate_name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "eligibility_description": service.eligibility_description,
        "fees_description": service.fees_description,
        "application_process": service.application_process,
        "assured_date": _iso(service.assured_date),
        "assurer_email": service.assurer_email,
        "last_modified": service.last_modified.isoformat() if service.last_modified else None,
        "x_archived": service.archived,
        "x_source": service.source_url,
        "organization": {
            "id": org.id,
            "name": org.name,
            "alternate_name": org.alternate_name,
            "description": org.description,
            "website": org.website,
            "email": org.email,
            "x_is_mso": org.is_mso,
        },
        "phones": [
            {
                "id": p.id,
                "number": p.number,
                "extension": p.extension,
                "type": p.type,
                "description": p.description,
            }
            for p in service.phones
        ],
        "contacts": [
            {"id": p.id, "title": p.title, "department": p.department, "email": p.email}
            for p in service.contacts
        ],
        "schedules": [
            {
                "id": s.id,
                "freq": s.freq,
                "byday": s.byday,
                "opens_at": s.opens_at.strftime("%H:%M") if s.opens_at else None,
                "closes_at": s.closes_at.strftime("%H:%M") if s.closes_at else None,
                "valid_from": _iso(s.valid_from),
                "valid_to": _iso(s.valid_to),
                "description": s.description,
                "x_appointment_only": s.appointment_only,
                "x_closed_on_public_holidays": s.closed_on_public_holidays,
            }
            for s in service.schedules
        ],
        "languages": [{"code": lang.code, "note": lang.note} for lang in service.languages],
        "service_areas": [
            {"id": a.id, "name": a.name, "description": a.description, "x_scope": a.scope}
            for a in service.service_areas
        ],
        "attributes": [
            {
                "taxonomy_term": {
                    "id": f"topic-{t.topic_code}",
                    "code": t.topic_code,
                    "name": TOPICS[t.topic_code].label("en"),
                    "taxonomy": TAXONOMY,
                }
            }
            for t in service.topics
        ],
        "service_at_locations": [
            {
                "id": link.id,
                "location": {
                    "id": link.location.id,
                    "location_type": link.location.location_type,
                    "name": link.location.name,
                    "description": link.location.description,
                    "latitude": link.location.latitude,
                    "longitude": link.location.longitude,
                    "x_coordinates_precision": link.location.coordinates_precision,
                    "addresses": [
                        {
                            "id": a.id,
                            "address_1": a.address_1,
                            "address_2": a.address_2,
                            "city": a.city,
                            "region": a.region,
                            "state_province": a.state_province,
                            "postal_code": a.postal_code,
                            "country": a.country,
                            "address_type": a.address_type,
                        }
                        for a in link.location.addresses
                    ],
                },
            }
            for link in service.locations
        ],
    }


def whole_service() -> tuple:
    """Loader options for a service with everything an HSDS record holds (export, audit snapshots)."""
    return (
        selectinload(Service.organization),
        selectinload(Service.topics),
        selectinload(Service.languages),
        selectinload(Service.phones),
        selectinload(Service.contacts),
        selectinload(Service.schedules),
        selectinload(Service.service_areas),
        selectinload(Service.locations)
        .selectinload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
    )


def all_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.id).options(*whole_service())))
