"""Audit trail: every change to an entry is kept, and any earlier version can be restored.

Two records per change, both in the database:
- HSDS `metadata` rows, one per changed field, with before and after (written by the importer's
  writer for the service's own fields, and here for opening hours, phones, contacts, topics,
  languages and addresses, as JSON);
- an `EntryVersion` with the whole entry after the change (HSDS JSON), who made it and when,
  so that restoring an earlier version is writing that snapshot back, through the same
  validation as an import. A restore is itself a new version: nothing is ever lost.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referrals import clock
from referrals.admin import reports
from referrals.admin.models import EntryVersion
from referrals.directory import hsds, search_index
from referrals.directory.models import Metadata, Organization, Service

# Parts of an entry that hsds._Writer does not log field by field itself.
# What a version of an entry records as its action (a restore as "restore:<version id>"); the
# history shows each by its text "action_<action>".
ACTIONS = ("baseline", "create", "edit", "verify", "archive", "unarchive", "restore")
NESTED_FIELDS = (
    "alternate_name",
    "attributes",
    "languages",
    "phones",
    "contacts",
    "schedules",
    "service_areas",
    "service_at_locations",
)
_NOT_COMPARED = ("last_modified", "organization")


def load_service(session: Session, service_id: str) -> Service | None:
    return session.scalar(
        select(Service)
        .where(Service.id == service_id)
        .options(*hsds.whole_service())
        .execution_options(populate_existing=True)
    )


def snapshot(service: Service) -> dict[str, Any]:
    """The entry as HSDS JSON, without the bookkeeping field last_modified."""
    record = hsds.service_to_hsds(service)
    record.pop("last_modified", None)
    return record


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Top-level fields whose value differs: {field: (before, after)}."""
    return {
        key: (before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if key not in _NOT_COMPARED and before.get(key) != after.get(key)
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def versions(session: Session, service_id: str) -> list[EntryVersion]:
    return list(
        session.scalars(
            select(EntryVersion).where(EntryVersion.service_id == service_id).order_by(EntryVersion.id.desc())
        )
    )


def ensure_baseline(session: Session, service: Service) -> None:
    """Before the first change through the admin, keep the entry as it was (e.g. as imported)."""
    exists = session.scalar(select(EntryVersion.id).where(EntryVersion.service_id == service.id).limit(1))
    if exists is None:
        session.add(
            EntryVersion(
                service_id=service.id,
                created_by="import",
                action="baseline",
                changed_fields="[]",
                changes="{}",
                snapshot=json.dumps(snapshot(service), ensure_ascii=False),
            )
        )


def record(
    session: Session, service: Service, before: dict[str, Any], who: str, action: str
) -> EntryVersion | None:
    """Store the new version of `service` and the nested fields' metadata rows; None if nothing
    changed. A change (or a verification, even of an unchanged entry) closes the entry's open
    reports from the bot, and the version says which ones."""
    after = snapshot(service)
    diff = changes(before, after)
    settled = (
        reports.close_settled(session, service.id, who, action.split(":")[0])
        if diff or action == "verify"
        else []
    )
    if not diff and not settled:
        return None
    for field in diff:
        if field in NESTED_FIELDS:
            session.add(
                Metadata(
                    resource_id=service.id,
                    resource_type="service",
                    last_action_type="update",
                    field_name=field,
                    previous_value=_text(diff[field][0]),
                    replacement_value=_text(diff[field][1]),
                    updated_by=who,
                )
            )
    version = EntryVersion(
        service_id=service.id,
        created_by=who,
        action=action,
        changed_fields=json.dumps(list(diff)),
        changes=json.dumps(diff, ensure_ascii=False, default=str),
        snapshot=json.dumps(after, ensure_ascii=False),
        closed_reports=json.dumps([r.reason for r in settled]) if settled else None,
    )
    session.add(version)
    return version


def save(
    session: Session, service: Service, new_record: dict[str, Any], who: str, action: str
) -> tuple[list[hsds.Problem], EntryVersion | None]:
    """Validate `new_record` like an import; if fine, write it, refresh the bot's search index
    and record the version. Returns the problems (nothing written) or the new version. No commit."""
    values, problems = hsds.parse_service(new_record, "entry")
    if problems:
        return problems, None
    before = snapshot(service)
    ensure_baseline(session, service)
    # The organisation is never changed from an entry: keep its current values.
    org = service.organization
    values["organization"] = {
        "id": org.id,
        "name": org.name,
        "alternate_name": org.alternate_name,
        "description": org.description,
        "website": org.website,
        "email": org.email,
        "is_mso": org.is_mso,
    }
    values["id"] = service.id
    hsds.write_service(session, values, updated_by=who)
    search_index.refresh(session, [service.id])
    session.flush()
    fresh = load_service(session, service.id)
    assert fresh is not None
    return [], record(session, fresh, before, who, action)


def verify_today(
    session: Session, service: Service, who: str, today: date | None = None
) -> EntryVersion | None:
    """ "Verified today": the entry is confirmed as correct; this is not an edit of its content."""
    before = snapshot(service)
    ensure_baseline(session, service)
    day = today or clock.today()
    session.add(
        Metadata(
            resource_id=service.id,
            resource_type="service",
            last_action_type="verify",
            field_name="assured_date",
            previous_value=service.assured_date.isoformat() if service.assured_date else None,
            replacement_value=day.isoformat(),
            updated_by=who,
        )
    )
    service.assured_date = day
    service.assurer_email = who
    session.flush()
    search_index.refresh(session, [service.id])  # freshness of verification counts in the ranking
    return record(session, service, before, who, "verify")


def restore(session: Session, service: Service, version: EntryVersion, who: str) -> list[hsds.Problem]:
    """Write an earlier version back (validated like an import); recorded as a new version."""
    old = json.loads(version.snapshot)
    problems, _ = save(session, service, old, who, f"restore:{version.id}")
    return problems


def organization_record(org: Organization) -> dict[str, Any]:
    """An organisation as the HSDS record of one of its services names it (unchanged by a save)."""
    return {
        "id": org.id,
        "name": org.name,
        "alternate_name": org.alternate_name,
        "description": org.description,
        "website": org.website,
        "email": org.email,
        "x_is_mso": org.is_mso,
    }


def create(
    session: Session, new_record: dict[str, Any], who: str
) -> tuple[list[hsds.Problem], Service | None]:
    """A new entry, validated like an import; written, in the bot's search index at once and
    recorded as its first version. Not verified yet (no assured_date). No commit."""
    values, problems = hsds.parse_service(new_record, "entry")
    if problems:
        return problems, None
    hsds.write_service(session, values, updated_by=who)
    search_index.refresh(session, [values["id"]])
    session.flush()
    service = load_service(session, values["id"])
    assert service is not None
    record(session, service, {}, who, "create")
    return [], service
