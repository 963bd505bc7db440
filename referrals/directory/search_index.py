"""Keeps the derived search_point table in step with the services (see models.SearchPoint)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session, selectinload

from referrals.directory.models import Location, SearchPoint, Service, ServiceAtLocation

SEARCHABLE_STATUSES = ("active", "temporarily closed")


def refresh(session: Session, service_ids: Iterable[str]) -> None:
    """Rebuild the search points of these services (call after writing them, before commit)."""
    ids = list(dict.fromkeys(service_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(delete(SearchPoint).where(SearchPoint.service_id.in_(chunk)))
        services = session.scalars(
            select(Service)
            .where(Service.id.in_(chunk))
            .options(
                selectinload(Service.organization),
                selectinload(Service.topics),
                selectinload(Service.locations)
                .selectinload(ServiceAtLocation.location)
                .selectinload(Location.addresses),
            )
        ).all()
        rows = []
        for service in services:
            if service.archived or service.status not in SEARCHABLE_STATUSES:
                continue
            for link in service.locations:
                location = link.location
                if location.latitude is None or location.longitude is None:
                    continue
                address = location.address
                for topic in service.topics:
                    rows.append(
                        {
                            "topic_code": topic.topic_code,
                            "latitude": location.latitude,
                            "longitude": location.longitude,
                            "service_id": service.id,
                            "location_id": location.id,
                            "city": address.city if address else None,
                            "assured_date": service.assured_date,
                            "is_mso": service.organization.is_mso,
                            "topic_count": len(service.topics),
                        }
                    )
        if rows:
            # Core insert of plain rows (faster than the ORM); the model is mapped to a Table.
            session.execute(cast(Table, SearchPoint.__table__).insert(), rows)
