"""Load services in Open Referral HSDS 3.0 form (services with nested organization,
service_at_locations, phones, languages, service_areas and topic attributes).

Re-loading the same ids updates entries in place. The whole file is one
transaction: a broken record leaves the directory unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from referrals.models import (
    Location,
    Organization,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTopic,
)
from referrals.topics import TOPICS


class DirectoryImportError(ValueError):
    """A record that cannot be imported; the message names the record and the field."""


def _topic_codes(record: dict[str, Any], where: str) -> list[str]:
    codes = []
    for attribute in record.get("attributes") or []:
        code = (attribute.get("taxonomy_term") or {}).get("code")
        if code not in TOPICS:
            raise DirectoryImportError(
                f"{where}: attributes.taxonomy_term.code: unknown topic {code!r}"
            )
        codes.append(code)
    if not codes:
        raise DirectoryImportError(f"{where}: attributes: a service needs at least one topic")
    return codes


def _location(data: dict[str, Any], where: str) -> Location:
    addresses = [
        a for a in data.get("addresses") or [] if a.get("address_type", "physical") == "physical"
    ]
    if not addresses or not addresses[0].get("city"):
        raise DirectoryImportError(
            f"{where}: location.addresses: a physical address with a city is required"
        )
    address = addresses[0]
    return Location(
        id=data["id"],
        name=data.get("name"),
        address_1=address.get("address_1"),
        postal_code=address.get("postal_code"),
        city=address["city"],
        state_province=address.get("state_province"),
        country=address.get("country") or "DE",
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
    )


def import_services(session: Session, services: list[dict[str, Any]]) -> int:
    """Insert or update every service; raises DirectoryImportError on the first bad record."""
    for number, record in enumerate(services, start=1):
        where = f"service #{number} ({record.get('id', 'no id')})"
        for field in ("id", "name", "organization"):
            if not record.get(field):
                raise DirectoryImportError(f"{where}: {field}: missing")
        topics = _topic_codes(record, where)
        org = record["organization"]
        session.merge(
            Organization(
                id=org["id"],
                name=org["name"],
                description=org.get("description"),
                website=org.get("website"),
                email=org.get("email"),
                is_mso=bool(org.get("x_is_mso")),
            )
        )
        service = session.get(Service, record["id"])
        if service is None:
            service = Service(id=record["id"])
        else:
            # Drop the old child rows first: the unit of work inserts before it deletes,
            # which would trip the unique constraints on re-import.
            service.topics, service.languages, service.phones = [], [], []
            service.service_areas, service.locations = [], []
            session.flush()
        service.organization_id = org["id"]
        service.name = record["name"]
        service.description = record.get("description")
        service.url = record.get("url")
        service.email = record.get("email")
        service.status = record.get("status") or "active"
        service.source_url = record.get("x_source")
        service.topics = [ServiceTopic(topic_code=code) for code in dict.fromkeys(topics)]
        service.languages = [
            ServiceLanguage(code=lang["code"], note=lang.get("note"))
            for lang in {lang["code"]: lang for lang in record.get("languages") or []}.values()
        ]
        service.phones = [
            Phone(
                id=p.get("id") or f"{record['id']}-phone-{i}",
                number=p["number"],
                description=p.get("description"),
            )
            for i, p in enumerate(record.get("phones") or [])
        ]
        service.service_areas = [
            ServiceArea(
                id=a.get("id") or f"{record['id']}-area-{i}",
                name=a["name"],
                extent_type=a.get("extent_type") or "city",
            )
            for i, a in enumerate(record.get("service_areas") or [])
        ]
        links = []
        for sal in record.get("service_at_locations") or []:
            location = session.merge(_location(sal["location"], where))
            links.append(
                ServiceAtLocation(id=sal["id"], service_id=service.id, location_id=location.id)
            )
        service.locations = links
        session.add(service)
        session.flush()
    return len(services)


def import_file(session: Session, path: Path) -> int:
    """Import an HSDS JSON file: a list of services, or an object with a `services` list."""
    data = json.loads(path.read_text(encoding="utf-8"))
    services = data["services"] if isinstance(data, dict) else data
    with session.begin():
        return import_services(session, services)
