"""Find services for a topic near a place, optionally in a language and open now.

Stages (the answer is never empty while the topic has any offer):
1. local: services located within LOCAL_RADIUS_KM of the place, in the same city,
   or serving the city without an address (city-wide service area);
2. nearby: the nearest other places, widening the radius step by step;
3. nationwide: hotlines and online counselling for the topic.

Ranking score (0..1), highest first:
    0.45 proximity   1 in the same city, else 1 - distance/100 km (0 beyond 100 km)
  + 0.25 language    1 if the preferred language is spoken, 0.5 without a preference, else 0
  + 0.15 freshness   1 if verified (assured_date) within 6 months, falling to 0 at 24 months
  + 0.10 topic fit   1 / number of topics of the service (specialised services first)
  + 0.05 MSO         1 for a migrant self-organisation
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from referrals import opening_hours
from referrals.gazetteer import Place, distance_km, state_code
from referrals.models import (
    Address,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTopic,
)
from referrals.validation import display_phone

LOCAL_RADIUS_KM = 15.0
NEARBY_RADII_KM = (60.0, 200.0, 800.0)
SEARCHABLE_STATUSES = ("active", "temporarily closed")


@dataclass(frozen=True)
class Referral:
    """One entry as the conversation shows it."""

    service_id: str
    name: str
    organization: str
    is_mso: bool
    address: str | None
    city: str | None
    map_url: str | None
    phones: tuple[str, ...]
    languages: tuple[str, ...]
    url: str | None
    today: opening_hours.Today
    open_now: bool
    distance_km: float | None
    nationwide: bool
    score: float


@dataclass(frozen=True)
class SearchResult:
    referrals: list[Referral]
    scope: str  # "local" | "nearby" | "nationwide" | "none"
    place: Place | None


def _freshness(assured: date | None, today: date) -> float:
    if assured is None:
        return 0.0
    months = (today - assured).days / 30.4
    return 1.0 if months <= 6 else max(0.0, 1 - (months - 6) / 18)


def _base_query(topic: str, language: str | None) -> Select:
    query = (
        select(Service.id, Location.id, Location.latitude, Location.longitude, Address.city)
        .join(ServiceTopic, and_(ServiceTopic.service_id == Service.id, ServiceTopic.topic_code == topic))
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Address, Address.location_id == Location.id)
        .where(Service.archived.is_(False), Service.status.in_(SEARCHABLE_STATUSES))
    )
    if language:
        query = query.join(ServiceLanguage, and_(ServiceLanguage.service_id == Service.id,
                                                 ServiceLanguage.code == language))
    return query


def _within(query: Select, place: Place, radius_km: float) -> Select:
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(0.1, math.cos(math.radians(place.latitude))))
    return query.where(Location.latitude.between(place.latitude - dlat, place.latitude + dlat),
                       Location.longitude.between(place.longitude - dlon, place.longitude + dlon))


def _candidates(session: Session, topic: str, place: Place, language: str | None,
                radius_km: float) -> dict[str, tuple[str | None, float | None, str | None]]:
    """service id -> (location id, distance km, city) of its nearest location in range."""
    rows = session.execute(_within(_base_query(topic, language), place, radius_km)).all()
    same_city = session.execute(
        _base_query(topic, language).where(func.lower(Address.city) == place.name.lower())
    ).all() if radius_km <= LOCAL_RADIUS_KM else []
    found: dict[str, tuple[str | None, float | None, str | None]] = {}
    for service_id, location_id, lat, lon, city in [*rows, *same_city]:
        d = distance_km(place.latitude, place.longitude, lat, lon) if lat is not None else None
        if city and city.lower() == place.name.lower():
            d = 0.0 if d is None else d
        if d is None or d > radius_km:
            continue
        if service_id not in found or d < (found[service_id][1] or 0):
            found[service_id] = (location_id, d, city)
    if radius_km <= LOCAL_RADIUS_KM:  # services for the whole city without an address
        area_query = (
            select(Service.id).join(ServiceTopic, and_(ServiceTopic.service_id == Service.id,
                                                       ServiceTopic.topic_code == topic))
            .join(ServiceArea, ServiceArea.service_id == Service.id)
            .where(ServiceArea.scope == "city", func.lower(ServiceArea.name) == place.name.lower())
            .where(Service.archived.is_(False), Service.status.in_(SEARCHABLE_STATUSES))
        )
        if language:
            area_query = area_query.join(ServiceLanguage, and_(
                ServiceLanguage.service_id == Service.id, ServiceLanguage.code == language))
        for (service_id,) in session.execute(area_query).all():
            found.setdefault(service_id, (None, 0.0, place.name))
    return found


def _nationwide(session: Session, topic: str, language: str | None) -> dict[str, tuple]:
    query = (
        select(Service.id).join(ServiceTopic, and_(ServiceTopic.service_id == Service.id,
                                                   ServiceTopic.topic_code == topic))
        .join(ServiceArea, ServiceArea.service_id == Service.id)
        .where(ServiceArea.scope == "nationwide")
        .where(Service.archived.is_(False), Service.status == "active")
    )
    ids = session.scalars(query).all()
    return {service_id: (None, None, None) for service_id in ids}


def _load(session: Session, ids: list[str]) -> dict[str, Service]:
    services = session.scalars(
        select(Service).where(Service.id.in_(ids)).options(
            selectinload(Service.organization), selectinload(Service.topics),
            selectinload(Service.languages), selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.locations).selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
        )
    ).all()
    return {s.id: s for s in services}


def _referral(service: Service, location_id: str | None, distance: float | None,
              place: Place | None, language: str | None, now: datetime, nationwide: bool) -> Referral:
    """`language`: the language the user wants (filter or preference), used for ranking."""
    location = next((link.location for link in service.locations if link.location.id == location_id), None)
    address = location.address if location is not None else None
    state = state_code(address.state_province) if address is not None else None
    state = state or (place.state if place is not None and not nationwide else None)
    spoken = tuple(sorted(lang.code for lang in service.languages))
    same_city = distance == 0.0 or (place is not None and address is not None
                                    and address.city.lower() == place.name.lower())
    proximity = 1.0 if same_city else (max(0.0, 1 - distance / 100) if distance is not None else 0.0)
    language_fit = 0.5 if not language else (1.0 if language in spoken else 0.0)
    score = (0.45 * proximity + 0.25 * language_fit
             + 0.15 * _freshness(service.assured_date, now.date())
             + 0.10 / max(1, len(service.topics)) + 0.05 * service.organization.is_mso)
    text_address, map_url = None, None
    if address is not None and address.address_1:
        text_address = " ".join(f"{address.address_1}, {address.postal_code or ''} {address.city}".split())
        map_url = ("https://www.openstreetmap.org/search?query="
                   + text_address.replace(" ", "+").replace(",", "%2C"))
    return Referral(
        service_id=service.id, name=service.name, organization=service.organization.name,
        is_mso=service.organization.is_mso, address=text_address,
        city=address.city if address is not None else (None if nationwide else place and place.name),
        map_url=map_url, phones=tuple(display_phone(p.number) for p in service.phones),
        languages=spoken, url=service.url or service.organization.website,
        today=opening_hours.today(service.schedules, service.status, state, now),
        open_now=opening_hours.is_open(service.schedules, service.status, state, now),
        distance_km=None if nationwide else distance, nationwide=nationwide, score=round(score, 4),
    )


def search(session: Session, topic: str, place: Place | None, *, language: str | None = None,
           prefer_language: str | None = None, open_now: bool = False, limit: int = 3,
           now: datetime | None = None) -> SearchResult:
    """Up to `limit` referrals; see the module docstring for stages and ranking.

    `language` keeps only services speaking it; `prefer_language` only ranks them first.
    """
    now = (now or datetime.now(opening_hours.BERLIN)).astimezone(opening_hours.BERLIN)
    stages: list[tuple[str, float | None]] = []
    if place is not None:
        stages = [("local", LOCAL_RADIUS_KM), *(("nearby", r) for r in NEARBY_RADII_KM)]
    stages.append(("nationwide", None))
    for scope, radius in stages:
        found = (_candidates(session, topic, place, language, radius) if radius is not None
                 else _nationwide(session, topic, language))
        if not found:
            continue
        services = _load(session, list(found))
        referrals = [
            _referral(services[sid], loc, dist, place, language or prefer_language, now,
                      nationwide=radius is None)
            for sid, (loc, dist, _city) in found.items()
        ]
        if open_now:
            referrals = [r for r in referrals if r.open_now]
        if referrals:
            referrals.sort(key=lambda r: (-r.score, r.distance_km or 0, r.name))
            return SearchResult(referrals[:limit], scope, place)
    if language or open_now:  # never empty: drop the filters before giving up
        return search(session, topic, place, prefer_language=language or prefer_language,
                      limit=limit, now=now)
    return SearchResult([], "none", place)


def directory_places(session: Session) -> list[str]:
    """Every city with a location or a city-wide service area in the directory."""
    located = session.scalars(select(Address.city).distinct()).all()
    served = session.scalars(select(ServiceArea.name).where(ServiceArea.scope == "city").distinct()).all()
    return sorted(set(located) | set(served))


def place_of_postcode(session: Session, postcode: str) -> tuple[str, float, float] | None:
    """The directory place for a postcode: exact match, else the longest shared prefix
    (German postcodes sharing leading digits are neighbours), at least two digits."""
    for length in range(5, 1, -1):
        row = session.execute(
            select(Address.city, Location.latitude, Location.longitude)
            .join(Location, Location.id == Address.location_id)
            .where(Address.postal_code.like(postcode[:length] + "%"), Location.latitude.is_not(None))
            .order_by(Address.postal_code).limit(1)
        ).first()
        if row is not None:
            return row[0], row[1], row[2]
    return None

