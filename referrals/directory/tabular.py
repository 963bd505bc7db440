"""The HSDS tabular form: one CSV table per HSDS object (services.csv, organizations.csv, ...)
described by a `datapackage.json` (Frictionless Data), as HSDS 3.0 defines it.

Export: the published records (referrals.directory.hsds_publish) cut into tables, linked by ids, our own
columns `x_`-prefixed. Import: the tables joined back into nested service records for the same
validation as a JSON import. Tables we do not keep (programs, fundings, cost options ...) are
read past; an attribute links a taxonomy term to a service (link_entity "service").
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from referrals.directory.hsds import DirectoryImportError, Problem, all_services
from referrals.directory.hsds_publish import publish_service

# HSDS resource name -> file, in the order HSDS lists them; the foreign key that links a row.
TABLES = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "service_at_location": "service_at_locations.csv",
    "address": "addresses.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "service_area": "service_areas.csv",
    "language": "languages.csv",
    "contact": "contacts.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "attribute": "attributes.csv",
}
_BOOLEAN_COLUMNS = {
    "x_archived",
    "x_is_mso",
    "x_appointment_only",
    "x_closed_on_public_holidays",
    "x_partial",
}
_SERVICE_CHILDREN = {"phone": "phones", "schedule": "schedules", "service_area": "service_areas"}
_SERVICE_CHILDREN |= {"language": "languages", "contact": "contacts"}


def _scalars(record: dict[str, Any], **links: Any) -> dict[str, Any]:
    return {**links, **{k: v for k, v in record.items() if not isinstance(v, dict | list)}}


def export_tabular(session: Session, path: Path) -> int:
    """Write the tables and `path` (a datapackage.json) describing them; returns the services."""
    rows: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}
    count = 0
    for service in all_services(session):
        record = publish_service(service)
        sid = record["id"]
        rows["organization"][record["organization_id"]] = _scalars(record["organization"])
        rows["service"][sid] = _scalars(record)
        for kind, key in _SERVICE_CHILDREN.items():
            for child in record.get(key, []):
                rows[kind][child["id"]] = _scalars(child, service_id=sid)
        for attribute in record.get("attributes", []):
            term = attribute["taxonomy_term"]
            rows["taxonomy_term"][term["id"]] = _scalars(term)
            rows["attribute"][attribute["id"]] = _scalars(attribute)
        for link in record.get("service_at_locations", []):
            location = link["location"]
            rows["location"][location["id"]] = _scalars(location)
            rows["service_at_location"][link["id"]] = _scalars(
                link, service_id=sid, location_id=location["id"]
            )
            for address in location.get("addresses", []):
                rows["address"][address["id"]] = _scalars(address, location_id=location["id"])
            for address in location.get("x_partial_addresses", []):
                rows["address"][address["id"]] = _scalars(address, location_id=location["id"], x_partial=True)
        count += 1
    resources = []
    for name, filename in TABLES.items():
        columns = list(dict.fromkeys(key for row in rows[name].values() for key in row)) or ["id"]
        with (path.parent / filename).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(
                {k: str(v).lower() if isinstance(v, bool) else v for k, v in row.items()}
                for row in rows[name].values()
            )
        resources.append(
            {
                "name": name,
                "path": filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "schema": {"fields": [{"name": c, "type": "string"} for c in columns], "primaryKey": "id"},
            }
        )
    package = {"name": "wegweiser-directory", "profile": "tabular-data-package", "resources": resources}
    path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    return count


def _table(folder: Path, filename: str) -> list[dict[str, Any]]:
    path = folder / filename
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            cleaned: dict[str, Any] = {}
            for key, value in row.items():
                if key is None or value is None or not value.strip():
                    continue
                value = value.strip()
                cleaned[key] = value.lower() == "true" if key in _BOOLEAN_COLUMNS else value
            rows.append(cleaned)
        return rows


def _files(folder: Path) -> dict[str, str]:
    """Resource name -> file name, from datapackage.json (HSDS's own names where it has none)."""
    package_path = folder / "datapackage.json"
    if not package_path.is_file():
        raise DirectoryImportError([Problem(folder.name, "datapackage.json", "no_data_package")])
    try:
        package = json.loads(package_path.read_text(encoding="utf-8-sig"))
        resources = package["resources"]
        files = {str(r["name"]): str(r["path"]) for r in resources if isinstance(r, dict) and "path" in r}
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DirectoryImportError([Problem("datapackage.json", "resources", "bad_data_package")]) from None
    # HSDS names resources in the singular; some publishers use the plural of the file name.
    singular = {name.removesuffix("s"): path for name, path in files.items()}
    out = {name: files.get(name) or singular.get(name) or default for name, default in TABLES.items()}
    if not (folder / out["service"]).is_file():
        raise DirectoryImportError(
            [Problem("datapackage.json", "service", "no_service_table", {"table": out["service"]})]
        )
    return out


def read_datapackage(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """Nested service records from the tables (line numbers of services.csv name the records)."""
    files = _files(folder)
    tables = {name: _table(folder, filename) for name, filename in files.items()}
    by_id = {name: {row["id"]: row for row in tables[name] if "id" in row} for name in tables}
    of_service: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for kind, key in _SERVICE_CHILDREN.items():
        for row in tables[kind]:
            if "service_id" in row:
                of_service[row["service_id"]][key].append(row)
    for row in tables["attribute"]:
        if row.get("link_entity", "service") == "service" and "link_id" in row:
            term = by_id["taxonomy_term"].get(row.get("taxonomy_term_id", ""), {})
            of_service[row["link_id"]]["attributes"].append({**row, "taxonomy_term": term})
    addresses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables["address"]:
        addresses[row.get("location_id", "")].append(row)
    for row in tables["service_at_location"]:
        location = dict(by_id["location"].get(row.get("location_id", ""), {"id": row.get("location_id")}))
        found = addresses.get(location.get("id") or "", [])
        location["addresses"] = [a for a in found if not a.get("x_partial")]
        location["x_partial_addresses"] = [a for a in found if a.get("x_partial")]
        of_service[row.get("service_id", "")]["service_at_locations"].append({**row, "location": location})
    records = []
    for line, row in enumerate(tables["service"], start=2):
        service = {**row, **of_service.get(row.get("id", ""), {})}
        service["organization"] = by_id["organization"].get(row.get("organization_id", ""), {})
        records.append(
            (f"{files['service']} line {line} ({row.get('x_id') or row.get('id', 'no id')})", service)
        )
    return records
