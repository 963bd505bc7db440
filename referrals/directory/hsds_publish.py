"""The directory as other HSDS 3.0 systems read it: the file export and the read-only API.

`referrals.directory.hsds.service_to_hsds` is the directory's own record of an entry (our ids, `None` for
what is empty; the admin's versions and forms use it). Here that record becomes one that
validates against HSDS 3.0's compiled schemas (service.json, organization.json):

- every id is a UUID (HSDS `format: uuid`): ids that are UUIDs pass unchanged; our readable ids
  ("svc-berlin-...") become a UUID derived from them (uuid5), and the original travels in
  `x_id` so that importing the file here again keeps our ids. Records that have no id of their
  own here (languages, attributes) get one derived from their parent's id and their content, so
  a re-export never churns ids;
- empty values are left out instead of written as `null` (HSDS types them as strings);
- what HSDS requires and we can derive is filled in: an attribute's taxonomy term description,
  an organisation's description (its name when it has none), an address's federal state (from
  the gazetteer). An address without street or postcode cannot be an HSDS address: it travels
  as `x_partial_addresses` of its location, so nothing is lost and nothing is invented;
- our additions keep their `x_` prefix.

`public=True` is what the API serves: only what the bot shows anyone (no contact roles, no
assurer e-mail, which is a counsellor's address; archived entries are not served at all).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from sqlalchemy.orm import Session

from referrals import clock
from referrals.directory.hsds import TAXONOMY, all_services, service_to_hsds
from referrals.directory.models import Organization, Service
from referrals.gazetteer import gazetteer
from referrals.topics import TOPICS

# Fixed namespace of the directory's derived ids: never change it, or every exported id changes.
NAMESPACE = uuid.UUID("6f1c2d4e-2b0a-5c39-9d3e-7a1f0b5c8e21")
STATE_NAMES = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz", "SL": "Saarland",
    "SH": "Schleswig-Holstein", "BB": "Brandenburg", "MV": "Mecklenburg-Vorpommern",
    "SN": "Sachsen", "ST": "Sachsen-Anhalt", "TH": "Thüringen", "BE": "Berlin",
}  # fmt: skip
_ADDRESS_REQUIRED = ("address_1", "city", "state_province", "postal_code", "country")
_LANGUAGE_NAMES = Locale("en").languages


def hsds_id(kind: str, ident: str) -> str:
    """The UUID other systems see for our id `ident` of a record of `kind`."""
    try:
        return str(uuid.UUID(ident))
    except ValueError:
        return str(uuid.uuid5(NAMESPACE, f"{kind}:{ident}"))


def child_id(parent_uuid: str, kind: str, content: str) -> str:
    """A stable id for a record we keep without one: from its parent and its content."""
    return str(uuid.uuid5(uuid.UUID(parent_uuid), f"{kind}:{content}"))


def term_id(code: str) -> str:
    return hsds_id("taxonomy_term", f"{TAXONOMY}/{code}")


def _ids(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """`record` with a UUID id, and our own id in x_id where that differs."""
    ident = str(record["id"])
    out = {"id": hsds_id(kind, ident)}
    if out["id"] != ident:
        out["x_id"] = ident
    return out | {k: v for k, v in record.items() if k != "id"}


def pruned(value: Any) -> Any:
    """Leave out None, empty strings and empty lists or objects, at every depth."""
    if isinstance(value, dict):
        items = ((k, pruned(v)) for k, v in value.items())
        return {k: v for k, v in items if v is not None and v != "" and v != [] and v != {}}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def taxonomy_term(code: str) -> dict[str, Any]:
    topic = TOPICS[code]
    return {
        "id": term_id(code),
        "code": code,
        "name": topic.label("en"),
        "description": f"{topic.label('en')} ({topic.label('de')}): a topic of the Wegweiser "
        "referral directory for migrants in Germany",
        "taxonomy": TAXONOMY,
        "language": "en",
    }


def _timestamp(value: datetime | None) -> str | None:
    """RFC 3339 (HSDS `date-time`): SQLite gives naive datetimes, which are UTC here."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _address(address: dict[str, Any]) -> dict[str, Any]:
    out = _ids("address", address)
    if not out.get("state_province") and out.get("city"):
        place = gazetteer().lookup(out["city"])
        out["state_province"] = STATE_NAMES.get(place.state or "") if place else None
    return out


def _location(location: dict[str, Any]) -> dict[str, Any]:
    out = _ids("location", location)
    addresses = [_address(a) for a in location.get("addresses") or []]
    out["addresses"] = [a for a in addresses if all(a.get(k) for k in _ADDRESS_REQUIRED)]
    out["x_partial_addresses"] = [a for a in addresses if a not in out["addresses"]]
    return out


def _phone(phone: dict[str, Any]) -> dict[str, Any]:
    out = _ids("phone", phone)
    extension = str(out.get("extension") or "").strip()
    # HSDS types the extension as a number; one with letters or signs stays readable in x_extension.
    out["extension"] = int(extension) if extension.isdigit() else None
    out["x_extension"] = extension if extension and not extension.isdigit() else None
    return out


def organization_record(record: dict[str, Any]) -> dict[str, Any]:
    out = _ids("organization", record)
    # HSDS requires a description; an organisation without one is described by its name.
    out["description"] = out.get("description") or out["name"]
    return out


def publish_service(service: Service, public: bool = False) -> dict[str, Any]:
    """`service` as an HSDS 3.0 service record (see the module's docstring)."""
    record = service_to_hsds(service)
    out = _ids("service", record)
    sid = out["id"]
    out["organization"] = organization_record(record["organization"])
    out["organization_id"] = out["organization"]["id"]
    out["last_modified"] = _timestamp(service.last_modified)
    out["phones"] = [_phone(p) for p in record["phones"]]
    out["contacts"] = [] if public else [_ids("contact", c) for c in record["contacts"]]
    out["schedules"] = [_ids("schedule", s) for s in record["schedules"]]
    out["service_areas"] = [_ids("service_area", a) for a in record["service_areas"]]
    out["languages"] = [
        {
            "id": child_id(sid, "language", lang["code"]),
            "code": lang["code"],
            "name": _LANGUAGE_NAMES.get(lang["code"]),
            "note": lang["note"],
        }
        for lang in record["languages"]
    ]
    out["attributes"] = [
        {
            "id": child_id(sid, "attribute", a["taxonomy_term"]["code"]),
            "link_id": sid,
            "link_entity": "service",
            "taxonomy_term_id": term_id(a["taxonomy_term"]["code"]),
            "taxonomy_term": taxonomy_term(a["taxonomy_term"]["code"]),
        }
        for a in record["attributes"]
    ]
    out["service_at_locations"] = [
        _ids("service_at_location", link) | {"location": _location(link["location"])}
        for link in record["service_at_locations"]
    ]
    if public:
        out.pop("assurer_email", None)
    return pruned(out)


def publish_organization(organization: Organization) -> dict[str, Any]:
    """An organisation as an HSDS 3.0 organization record (public fields only)."""
    return pruned(
        organization_record(
            {
                "id": organization.id,
                "name": organization.name,
                "alternate_name": organization.alternate_name,
                "description": organization.description,
                "website": organization.website,
                "email": organization.email,
                "x_is_mso": organization.is_mso,
            }
        )
    )


def export_json(session: Session, path: Path) -> int:
    """The whole directory as HSDS 3.0 services that validate against the official schemas
    (referrals.directory.hsds_publish); importing the file here again restores our own ids."""
    services = [publish_service(s) for s in all_services(session)]
    path.write_text(
        json.dumps(
            {
                "about": "Wegweiser referral directory, HSDS 3.0 services, "
                f"exported {clock.today():%Y-%m-%d}",
                "services": services,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return len(services)
