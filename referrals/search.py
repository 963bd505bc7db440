"""Find services for a topic near a place.

Ranking today: services located in, or serving, the requested city first (MSOs before other
providers, then by name); when the city has none, nationwide services for the
topic, so the answer is never empty when the topic has any offer at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from referrals.models import (
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTopic,
)


@dataclass(frozen=True)
class Referral:
    """One entry as the conversation shows it."""

    service_id: str
    name: str
    organization: str
    is_mso: bool
    address: str | None
    city: str | None
    phones: tuple[str, ...]
    languages: tuple[str, ...]
    url: str | None
    nationwide: bool


_card_loading = (
    selectinload(Service.phones),
    selectinload(Service.languages),
    selectinload(Service.organization),
)


def _to_referral(service: Service, location: Location | None, nationwide: bool) -> Referral:
    address = None
    if location is not None and location.address_1:
        address = f"{location.address_1}, {location.postal_code or ''} {location.city}".replace(
            "  ", " "
        )
    return Referral(
        service_id=service.id,
        name=service.name,
        organization=service.organization.name,
        is_mso=service.organization.is_mso,
        address=address,
        city=location.city if location is not None else None,
        phones=tuple(p.number for p in service.phones),
        languages=tuple(sorted(lang.code for lang in service.languages)),
        url=service.url or service.organization.website,
        nationwide=nationwide,
    )


def find_referrals(session: Session, topic: str, city: str, limit: int = 3) -> list[Referral]:
    """Up to `limit` services for `topic` in `city`; nationwide ones when the city has none."""
    has_topic = select(ServiceTopic.service_id).where(ServiceTopic.topic_code == topic)
    at_location_in_city = (
        select(Service, Location)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(has_topic), Service.status == "active")
        .where(func.lower(Location.city) == city.lower())
        .order_by(Organization.is_mso.desc(), Service.name)
        .options(*_card_loading)
    )
    # Services serving the city without a public address (portals, phone lines, shelters).
    serving_city = (
        select(Service)
        .join(ServiceArea, ServiceArea.service_id == Service.id)
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(has_topic), Service.status == "active")
        .where(ServiceArea.extent_type == "city", func.lower(ServiceArea.name) == city.lower())
        .order_by(Organization.is_mso.desc(), Service.name)
        .options(*_card_loading)
    )
    local = [
        *session.execute(at_location_in_city).all(),
        *((service, None) for service in session.scalars(serving_city).all()),
    ]
    seen: set[str] = set()
    results: list[Referral] = []
    for service, location in local:
        if service.id not in seen:
            seen.add(service.id)
            results.append(_to_referral(service, location, nationwide=False))
    if results:
        return results[:limit]

    nationwide = session.scalars(
        select(Service)
        .join(ServiceArea, ServiceArea.service_id == Service.id)
        .where(Service.id.in_(has_topic), Service.status == "active")
        .where(ServiceArea.extent_type == "nationwide")
        .order_by(Service.name)
        .options(*_card_loading)
        .limit(limit)
    ).all()
    return [_to_referral(service, None, nationwide=True) for service in nationwide]


def known_cities(session: Session) -> list[str]:
    """Every city with a location or a city-wide service area in the directory."""
    located = session.scalars(select(Location.city).distinct()).all()
    served = session.scalars(
        select(ServiceArea.name).where(ServiceArea.extent_type == "city").distinct()
    ).all()
    return sorted(set(located) | set(served))
