"""A flat CSV of the directory for spreadsheet users: one row per service and location.

Rows of the same service (several locations) repeat the service's columns. Lists are
separated by ";". Opening hours use one line per slot, e.g.
    MO,TU 09:00-12:00; TH 14:00-18:00; appointment
("appointment" = by appointment only; "valid 2026-01-01..2026-06-30" limits all slots;
"holidays open" = also open on public holidays).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from referrals.directory.hsds import (
    DirectoryImportError,
    Problem,
    all_services,
    import_records,
    service_to_hsds,
)
from referrals.directory.validation import FieldError

COLUMNS = [
    "service_id", "service_name", "description", "topics", "languages", "phones", "email", "url",
    "status", "opening_hours", "organization_id", "organization_name", "organization_is_mso",
    "organization_website", "location_id", "location_name", "address", "postal_code", "city",
    "state", "latitude", "longitude", "service_area", "assured_date", "assurer_email", "source",
]  # fmt: skip
_SLOT = re.compile(r"^(?P<days>[A-Za-z,]+)\s+(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})$")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def parse_opening_hours(text: str, service_id: str) -> list[dict[str, Any]]:
    """Schedule rows (HSDS-like dicts) from the CSV notation; FieldError for a part not understood."""
    rows: list[dict[str, Any]] = []
    valid_from = valid_to = None
    appointment = False
    holidays_open = False
    for index, part in enumerate(_split(text)):
        lowered = part.lower()
        if lowered == "appointment":
            appointment = True
        elif lowered == "holidays open":
            holidays_open = True
        elif lowered.startswith("valid "):
            span = part[6:].split("..")
            if len(span) != 2:
                raise FieldError("bad_validity", value=part)
            valid_from, valid_to = span[0].strip() or None, span[1].strip() or None
        elif match := _SLOT.match(part):
            rows.append(
                {
                    "id": f"{service_id}-schedule-{index}",
                    "byday": match["days"].upper(),
                    "opens_at": match["opens"].zfill(5),
                    "closes_at": match["closes"].zfill(5),
                }
            )
        else:
            raise FieldError("bad_opening_hours", value=part)
    if appointment:
        rows.append({"id": f"{service_id}-schedule-appointment", "x_appointment_only": True})
    for row in rows:
        row.update(valid_from=valid_from, valid_to=valid_to, x_closed_on_public_holidays=not holidays_open)
    return rows


def format_opening_hours(schedules: list[dict[str, Any]]) -> str:
    parts = [f"{s['byday']} {s['opens_at']}-{s['closes_at']}" for s in schedules if s.get("opens_at")]
    if any(s.get("x_appointment_only") for s in schedules):
        parts.append("appointment")
    if schedules and not schedules[0].get("x_closed_on_public_holidays", True):
        parts.append("holidays open")
    if schedules and (schedules[0].get("valid_from") or schedules[0].get("valid_to")):
        parts.append(f"valid {schedules[0].get('valid_from') or ''}..{schedules[0].get('valid_to') or ''}")
    return "; ".join(parts)


def _rows_to_services(path: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """Group CSV rows by service id into HSDS service dicts (first line number as record),
    with the problems found while reading."""
    services: dict[str, tuple[str, dict[str, Any]]] = {}
    problems: list[Problem] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("service_id", "service_name", "topics") if c not in (reader.fieldnames or [])]
        if missing:
            raise DirectoryImportError(
                [Problem("line 1", "header", "missing_columns", {"columns": ", ".join(missing)})]
            )
        for row in reader:
            where = f"line {reader.line_num}"
            if None in row:
                problems.append(Problem(where, "row", "extra_cells"))
                continue
            row = {k: (v or "").strip() for k, v in row.items()}
            sid = row.get("service_id") or f"(no id, {where})"
            if sid not in services:
                try:
                    hours = parse_opening_hours(row.get("opening_hours", ""), sid)
                except FieldError as error:
                    problems.append(Problem.of(where, "opening_hours", error))
                    hours = []
                area = row.get("service_area", "")
                services[sid] = (
                    where,
                    {
                        "id": row.get("service_id"),
                        "name": row.get("service_name"),
                        "description": row.get("description") or None,
                        "email": row.get("email") or None,
                        "url": row.get("url") or None,
                        "status": row.get("status") or "active",
                        "assured_date": row.get("assured_date") or None,
                        "assurer_email": row.get("assurer_email") or None,
                        "x_source": row.get("source") or None,
                        "organization": {
                            "id": row.get("organization_id"),
                            "name": row.get("organization_name"),
                            "website": row.get("organization_website") or None,
                            "x_is_mso": row.get("organization_is_mso", "").lower()
                            in ("yes", "true", "1", "ja"),
                        },
                        "attributes": [
                            {"taxonomy_term": {"code": code}} for code in _split(row.get("topics"))
                        ],
                        "languages": [{"code": code} for code in _split(row.get("languages"))],
                        "phones": [{"number": number} for number in _split(row.get("phones"))],
                        "schedules": hours,
                        "service_areas": (
                            [{"name": "Deutschland", "x_scope": "nationwide"}]
                            if area.lower() in ("nationwide", "bundesweit")
                            else [{"name": area, "x_scope": "city"}]
                            if area
                            else []
                        ),
                        "service_at_locations": [],
                    },
                )
            if row.get("location_id") or row.get("city"):
                location_id = row.get("location_id") or f"{sid}-location-{reader.line_num}"
                services[sid][1]["service_at_locations"].append(
                    {
                        "id": f"{sid}-at-{location_id}",
                        "location": {
                            "id": location_id,
                            "name": row.get("location_name") or None,
                            "latitude": row.get("latitude") or None,
                            "longitude": row.get("longitude") or None,
                            "addresses": [
                                {
                                    "address_1": row.get("address") or None,
                                    "city": row.get("city"),
                                    "postal_code": row.get("postal_code") or None,
                                    "state_province": row.get("state") or None,
                                    "country": "DE",
                                }
                            ],
                        },
                    }
                )
    return list(services.values()), problems


def import_csv(session: Session, path: Path) -> int:
    """Import a CSV file; all-or-nothing like the JSON import. Problems name line and column."""
    records, problems = _rows_to_services(path)
    return import_records(session, records, updated_by=f"import:{path.name}", known_problems=problems)


def export_csv(session: Session, path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for service in all_services(session):
            data = service_to_hsds(service)
            org = data["organization"]
            areas = data["service_areas"]
            base = {
                "service_id": data["id"],
                "service_name": data["name"],
                "description": data["description"] or "",
                "topics": ";".join(a["taxonomy_term"]["code"] for a in data["attributes"]),
                "languages": ";".join(lang["code"] for lang in data["languages"]),
                "phones": ";".join(p["number"] for p in data["phones"]),
                "email": data["email"] or "",
                "url": data["url"] or "",
                "status": data["status"],
                "opening_hours": format_opening_hours(data["schedules"]),
                "organization_id": org["id"],
                "organization_name": org["name"],
                "organization_is_mso": "yes" if org["x_is_mso"] else "no",
                "organization_website": org["website"] or "",
                "service_area": (
                    "nationwide"
                    if any(a["x_scope"] == "nationwide" for a in areas)
                    else next((a["name"] for a in areas), "")
                ),
                "assured_date": data["assured_date"] or "",
                "assurer_email": data["assurer_email"] or "",
                "source": data["x_source"] or "",
            }
            links = data["service_at_locations"] or [None]
            for link in links:
                row = dict(base)
                if link is not None:
                    loc = link["location"]
                    address = (loc["addresses"] or [{}])[0]
                    exact = loc.get("x_coordinates_precision") == "exact"
                    row.update(
                        location_id=loc["id"],
                        location_name=loc["name"] or "",
                        address=address.get("address_1") or "",
                        postal_code=address.get("postal_code") or "",
                        city=address.get("city") or "",
                        state=address.get("state_province") or "",
                        latitude=loc["latitude"] if exact else "",
                        longitude=loc["longitude"] if exact else "",
                    )
                writer.writerow(row)
            count += 1
    return count
