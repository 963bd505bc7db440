"""Find services for a topic near a place, optionally in a language and open now.

Stages (the answer is never empty while the topic has any offer):
1. local: services located within LOCAL_RADIUS_KM of the place, in the same city,
   or serving the city without an address (city-wide service area);
2. nearby: the nearest other places, widening the radius step by step;
3. nationwide: hotlines and online counselling for the topic.
Filters (a language spoken, open now) apply to the local stage and the first nearby
radius only; when nothing there passes them, the search runs again without them
(preferring the language in the ranking) rather than sending someone 200 km away.
"Open now" with local places that are all closed shows those places with their hours.

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
from urllib.parse import quote_plus

from sqlalchemy import Select, and_, func, literal, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from referrals import clock
from referrals.directory import opening_hours
from referrals.directory.models import (
    Address,
    Location,
    Organization,
    Schedule,
    SearchPoint,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTopic,
)
from referrals.directory.validation import display_phone
from referrals.gazetteer import Place, distance_km, state_code

LOCAL_RADIUS_KM = 15.0
MAX_CANDIDATES = 200  # nearest locations ranked per stage; keeps big cities fast
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


@dataclass
class _Candidate:
    """What ranking needs, read in one query; details are loaded only for the winners."""

    service_id: str
    location_id: str | None
    distance: float | None
    assured_date: date | None
    is_mso: bool
    speaks: bool
    topic_count: int

    def score(self, language: str | None, today: date) -> float:
        proximity = (
            1.0
            if self.distance == 0.0
            else (max(0.0, 1 - self.distance / 100) if self.distance is not None else 0.0)
        )
        language_fit = 0.5 if not language else (1.0 if self.speaks else 0.0)
        return (
            0.45 * proximity
            + 0.25 * language_fit
            + 0.15 * _freshness(self.assured_date, today)
            + 0.10 / max(1, self.topic_count)
            + 0.05 * self.is_mso
        )


def _ranking_columns(language: str | None) -> list:
    spoken, topics = aliased(ServiceLanguage), aliased(ServiceTopic)
    speaks = (
        select(spoken.id)
        .where(spoken.service_id == Service.id, spoken.code == language)
        .correlate(Service)
        .exists()
        if language
        else literal(False)
    )
    topic_count = (
        select(func.count(topics.id))
        .where(topics.service_id == Service.id)
        .correlate(Service)
        .scalar_subquery()
    )
    return [
        Service.assured_date,
        Organization.is_mso,
        speaks.label("speaks"),
        topic_count.label("n"),
    ]


def _services_of(topic: str, language_filter: str | None) -> Select:
    """Searchable services of the topic (and speaking the language, when filtered)."""
    query = (
        select(Service.id)
        .join(
            ServiceTopic,
            and_(ServiceTopic.service_id == Service.id, ServiceTopic.topic_code == topic),
        )
        .where(Service.archived.is_(False), Service.status.in_(SEARCHABLE_STATUSES))
    )
    if language_filter:
        query = query.join(
            ServiceLanguage,
            and_(ServiceLanguage.service_id == Service.id, ServiceLanguage.code == language_filter),
        )
    return query


def _speakers(session: Session, ids: list[str], language: str | None) -> set[str]:
    """Which of `ids` speak `language` (one batched query)."""
    if not language or not ids:
        return set()
    return set(
        session.scalars(
            select(ServiceLanguage.service_id).where(
                ServiceLanguage.service_id.in_(ids), ServiceLanguage.code == language
            )
        )
    )


def _candidates(
    session: Session,
    topic: str,
    place: Place,
    language_filter: str | None,
    language: str | None,
    radius_km: float,
) -> list[_Candidate]:
    """Services with a location within `radius_km` (nearest location each; at most
    MAX_CANDIDATES nearest locations are ranked); for the local stage also those in a
    same-named city without coordinates and city-wide services."""
    dlat = radius_km / 111.0
    shrink = max(0.1, math.cos(math.radians(place.latitude)))
    dlon = radius_km / (111.0 * shrink)
    squared = (SearchPoint.latitude - place.latitude) * (SearchPoint.latitude - place.latitude) + (
        SearchPoint.longitude - place.longitude
    ) * (SearchPoint.longitude - place.longitude) * (shrink * shrink)
    query = (
        select(
            SearchPoint.service_id,
            SearchPoint.location_id,
            SearchPoint.latitude,
            SearchPoint.longitude,
            SearchPoint.city,
            SearchPoint.assured_date,
            SearchPoint.is_mso,
            SearchPoint.topic_count,
        )
        .where(SearchPoint.topic_code == topic)
        .where(SearchPoint.latitude.between(place.latitude - dlat, place.latitude + dlat))
        .where(SearchPoint.longitude.between(place.longitude - dlon, place.longitude + dlon))
        .order_by(squared)
        .limit(MAX_CANDIDATES)
    )
    if language_filter:
        query = query.where(
            select(ServiceLanguage.id)
            .where(
                ServiceLanguage.service_id == SearchPoint.service_id, ServiceLanguage.code == language_filter
            )
            .exists()
        )
    rows = list(session.execute(query).all())
    local = radius_km <= LOCAL_RADIUS_KM
    speakers = _speakers(session, list({row[0] for row in rows}), language)
    found: dict[str, _Candidate] = {}
    for service_id, location_id, lat, lon, city, assured, is_mso, topic_count in rows:
        same_city = bool(place.name) and (city or "").lower() == place.name.lower()
        d = (
            0.0
            if same_city
            else (distance_km(place.latitude, place.longitude, lat, lon) if lat is not None else None)
        )
        if d is None or d > radius_km:
            continue
        if service_id not in found or d < (found[service_id].distance or 0.0):
            found[service_id] = _Candidate(
                service_id,
                location_id,
                d,
                assured,
                bool(is_mso),
                service_id in speakers,
                topic_count,
            )
    if local and place.name:  # services for the whole city, without an address
        area = (ServiceArea.scope == "city", func.lower(ServiceArea.name) == place.name.lower())
        for candidate in _by_service_area(session, topic, language_filter, language, area, distance=0.0):
            found.setdefault(candidate.service_id, candidate)
    return list(found.values())


def _by_service_area(
    session: Session,
    topic: str,
    language_filter: str | None,
    language: str | None,
    conditions: tuple,
    distance: float | None,
) -> list[_Candidate]:
    """Services of the topic whose service area meets `conditions` (no location involved)."""
    services = _services_of(topic, language_filter).subquery()
    rows = session.execute(
        select(Service.id, *_ranking_columns(language))
        .join(services, services.c.id == Service.id)
        .join(Organization, Organization.id == Service.organization_id)
        .join(ServiceArea, ServiceArea.service_id == Service.id)
        .where(*conditions)
    ).all()
    return [
        _Candidate(sid, None, distance, assured, bool(mso), bool(speaks), n)
        for sid, assured, mso, speaks, n in rows
    ]


def _nationwide(
    session: Session, topic: str, language_filter: str | None, language: str | None
) -> list[_Candidate]:
    nationwide = (ServiceArea.scope == "nationwide", Service.status == "active")
    return _by_service_area(session, topic, language_filter, language, nationwide, distance=None)


def _load(session: Session, ids: list[str]) -> dict[str, Service]:
    services = session.scalars(
        select(Service)
        .where(Service.id.in_(ids))
        .options(
            joinedload(Service.organization),
            selectinload(Service.languages),
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
        )
    ).all()
    return {s.id: s for s in services}


def _referral(
    service: Service,
    candidate: _Candidate,
    score: float,
    place: Place | None,
    now: datetime,
    nationwide: bool,
) -> Referral:
    location = next(
        (link.location for link in service.locations if link.location.id == candidate.location_id),
        None,
    )
    address = location.address if location is not None else None
    state = state_code(address.state_province) if address is not None else None
    state = state or (place.state if place is not None and not nationwide else None)
    text_address, map_url = None, None
    if address is not None and address.address_1:
        text_address = " ".join(f"{address.address_1}, {address.postal_code or ''} {address.city}".split())
        map_url = "https://www.openstreetmap.org/search?query=" + quote_plus(text_address)
    city = address.city if address is not None else (place.name if place and not nationwide else None)
    return Referral(
        service_id=service.id,
        name=service.name,
        organization=service.organization.name,
        is_mso=service.organization.is_mso,
        address=text_address,
        city=city,
        map_url=map_url,
        phones=tuple(display_phone(p.number) for p in service.phones),
        languages=tuple(lang.code for lang in service.languages),
        url=service.url or service.organization.website,
        today=opening_hours.today(service.schedules, service.status, state, now),
        open_now=opening_hours.is_open(service.schedules, service.status, state, now),
        distance_km=None if nationwide else candidate.distance,
        nationwide=nationwide,
        score=round(score, 4),
    )


def search(
    session: Session,
    topic: str,
    place: Place | None,
    *,
    language: str | None = None,
    prefer_language: str | None = None,
    open_now: bool = False,
    limit: int = 3,
    now: datetime | None = None,
    _seen: dict[tuple, list[_Candidate]] | None = None,
) -> SearchResult:
    """Up to `limit` referrals; see the module docstring for stages and ranking.

    `language` keeps only services speaking it; `prefer_language` only ranks them first.
    """
    seen = {} if _seen is None else _seen  # candidates per stage, reused when the filters are dropped
    now = (now or clock.now()).astimezone(opening_hours.BERLIN)
    wanted = language or prefer_language
    stages: list[tuple[str, float | None]] = []
    filtered = bool(language or open_now)
    if place is not None:
        radii = NEARBY_RADII_KM[:1] if filtered else NEARBY_RADII_KM
        stages = [("local", LOCAL_RADIUS_KM), *(("nearby", r) for r in radii)]
    if not filtered or place is None:
        stages.append(("nationwide", None))
    for scope, radius in stages:
        key = (radius, language)
        if key not in seen:
            seen[key] = (
                _candidates(session, topic, place, language, wanted, radius)
                if radius is not None and place is not None  # a radius comes only with a place
                else _nationwide(session, topic, language, wanted)
            )
        candidates = seen[key]
        if open_now:  # decided on schedule rows alone, before any details are loaded
            open_ids = _open_now(session, [c.service_id for c in candidates], place, now)
            if candidates and not open_ids and scope == "local":
                break  # places here, none open now: show them with their hours, not far-away ones
            candidates = [c for c in candidates if c.service_id in open_ids]
        ranked = sorted(
            ((c.score(wanted, now.date()), c) for c in candidates),
            key=lambda sc: (-sc[0], sc[1].distance or 0.0, sc[1].service_id),
        )[:limit]
        services = _load(session, [c.service_id for _, c in ranked])  # details only for the winners
        referrals = [
            _referral(services[c.service_id], c, score, place, now, nationwide=radius is None)
            for score, c in ranked
        ]
        if referrals:
            return SearchResult(referrals[:limit], scope, place)
    if filtered:  # nothing fits nearby: better a place with other hours or languages than none
        return search(session, topic, place, prefer_language=wanted, limit=limit, now=now, _seen=seen)
    return SearchResult([], "none", place)


def _open_now(session: Session, ids: list[str], place: Place | None, now: datetime) -> set[str]:
    """Ids of the services open at `now` (holidays of the searched place's state)."""
    state = place.state if place is not None else None
    rows: dict[str, list] = {}
    for start in range(0, len(ids), 500):
        for row in session.execute(
            select(
                Schedule.service_id,
                Schedule.byday,
                Schedule.opens_at,
                Schedule.closes_at,
                Schedule.valid_from,
                Schedule.valid_to,
                Schedule.closed_on_public_holidays,
            )
            .join(Service, Service.id == Schedule.service_id)
            .where(Schedule.service_id.in_(ids[start : start + 500]), Service.status == "active")
        ):
            rows.setdefault(row.service_id, []).append(row)
    return {sid for sid, schedule in rows.items() if opening_hours.is_open(schedule, "active", state, now)}


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
            .where(
                Address.postal_code.like(postcode[:length] + "%"),
                Location.latitude.is_not(None),
                Location.longitude.is_not(None),
            )
            .order_by(Address.postal_code)
            .limit(1)
        ).first()
        if row is not None and row[1] is not None and row[2] is not None:
            return row[0], row[1], row[2]
    return None


def referral_of(service: Service, now: datetime | None = None) -> Referral:
    """One service as a card shows it to someone in its own city (the admin's preview).

    `service` needs its organization, languages, phones, schedules and locations loaded.
    """
    now = (now or clock.now()).astimezone(opening_hours.BERLIN)
    location_id = service.locations[0].location.id if service.locations else None
    nationwide = not service.locations
    candidate = _Candidate(
        service_id=service.id,
        location_id=location_id,
        distance=None,
        assured_date=service.assured_date,
        is_mso=service.organization.is_mso,
        speaks=False,
        topic_count=len(service.topics),
    )
    return _referral(service, candidate, 0.0, None, now, nationwide=nationwide)
