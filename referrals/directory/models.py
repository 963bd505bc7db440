"""SQLAlchemy 2 model of the referral directory, named after Open Referral HSDS 3.0.

HSDS tables: organization, service, location, address, service_at_location, phone,
schedule, language, service_area, contact, metadata. Topics are HSDS taxonomy terms
of our own taxonomy (referrals.topics), linked like HSDS `attribute` rows.
Our additions (exported with an `x_` prefix): organization.is_mso, service.archived,
service.source_url, schedule.appointment_only / closed_on_public_holidays,
service_area.scope, location.coordinates_precision.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from referrals import clock

ID = String(100)


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    alternate_name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))
    # A migrant self-organisation (MSO) rather than a public or welfare body.
    is_mso: Mapped[bool] = mapped_column(Boolean, default=False)
    last_modified: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now(), onupdate=clock.utcnow
    )

    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    alternate_name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))
    # HSDS: active | inactive | defunct | temporarily closed
    status: Mapped[str] = mapped_column(String(30), default="active")
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    # Verification ("still correct") is not an edit: assured_* change only when someone
    # confirms the entry; last_modified changes on every edit.
    assured_date: Mapped[date | None] = mapped_column(Date)
    assurer_email: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now(), onupdate=clock.utcnow
    )
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    source_url: Mapped[str | None] = mapped_column(String(500))

    organization: Mapped[Organization] = relationship(back_populates="services")
    topics: Mapped[list[ServiceTopic]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceTopic.topic_code"
    )
    languages: Mapped[list[ServiceLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceLanguage.code"
    )
    phones: Mapped[list[Phone]] = relationship(cascade="all, delete-orphan", order_by="Phone.id")
    schedules: Mapped[list[Schedule]] = relationship(cascade="all, delete-orphan", order_by="Schedule.id")
    contacts: Mapped[list[Contact]] = relationship(cascade="all, delete-orphan", order_by="Contact.id")
    locations: Mapped[list[ServiceAtLocation]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceAtLocation.id"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceArea.id"
    )


class ServiceTopic(Base):
    """HSDS `attribute` linking a service to a term of our topic taxonomy."""

    __tablename__ = "service_topic"
    __table_args__ = (
        UniqueConstraint("service_id", "topic_code"),
        Index("ix_service_topic_topic_service", "topic_code", "service_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    topic_code: Mapped[str] = mapped_column(String(50))


class ServiceLanguage(Base):
    """HSDS `language`: a language spoken at the service (ISO 639-1) with a free-text note."""

    __tablename__ = "language"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    note: Mapped[str | None] = mapped_column(Text)


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    number: Mapped[str] = mapped_column(String(50))  # E.164 (+4961511324690), validated
    extension: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(20))  # voice | fax | text | ...
    description: Mapped[str | None] = mapped_column(Text)


class Contact(Base):
    """HSDS `contact`, by role only: no private persons' names are stored."""

    __tablename__ = "contact"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # the role, e.g. "Beratung auf Arabisch"
    department: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))


class Schedule(Base):
    """HSDS `schedule`: one weekly time slot (several rows make split hours).

    A row with appointment_only and no times means "by appointment only"; a service
    whose status is "temporarily closed" is closed whatever its rows say.
    """

    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    freq: Mapped[str] = mapped_column(String(10), default="WEEKLY")
    byday: Mapped[str | None] = mapped_column(String(40))  # iCal days, e.g. "MO,TU"
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    appointment_only: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_on_public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (Index("ix_location_lat_lon", "latitude", "longitude"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_type: Mapped[str] = mapped_column(String(20), default="physical")
    name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # "exact" when the coordinates came with the data; "city" when they are the
    # city's centre (from the gazetteer), good enough to rank by distance between cities.
    coordinates_precision: Mapped[str | None] = mapped_column(String(10))

    addresses: Mapped[list[Address]] = relationship(cascade="all, delete-orphan", order_by="Address.id")

    @property
    def address(self) -> Address | None:
        physical = [a for a in self.addresses if a.address_type == "physical"]
        candidates = physical or self.addresses
        return candidates[0] if candidates else None


class Address(Base):
    __tablename__ = "address"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    address_1: Mapped[str | None] = mapped_column(String(300))
    address_2: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    state_province: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(10), index=True)
    country: Mapped[str] = mapped_column(String(2), default="DE")
    address_type: Mapped[str] = mapped_column(String(20), default="physical")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)

    location: Mapped[Location] = relationship()


class ServiceArea(Base):
    """HSDS `service_area`: where a service is available without visiting a location."""

    __tablename__ = "service_area"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(20), index=True)  # city|district|state|nationwide


class Metadata(Base):
    """HSDS `metadata`: field-level change log (who changed what, when, before and after)."""

    __tablename__ = "metadata"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(ID, index=True)
    resource_type: Mapped[str] = mapped_column(String(50))
    last_action_date: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.utcnow, server_default=func.now()
    )
    last_action_type: Mapped[str] = mapped_column(String(20))  # create | update | archive
    field_name: Mapped[str] = mapped_column(String(100))
    previous_value: Mapped[str | None] = mapped_column(Text)
    replacement_value: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))


# Case-insensitive look-ups of city names ("berlin" = "Berlin") use these expression indexes.
Index("ix_address_city_lower", func.lower(Address.city))
Index("ix_service_area_name_lower", func.lower(ServiceArea.name))


class SearchPoint(Base):
    """Derived search index: one row per searchable service, topic and location.

    Kept in step with the directory by referrals.directory.search_index.refresh() whenever services
    are written. It lets a search scan only the points of one topic inside a bounding box
    (index on topic, latitude, longitude) instead of joining five tables per location.
    """

    __tablename__ = "search_point"
    __table_args__ = (Index("ix_search_point_topic_lat_lon", "topic_code", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    topic_code: Mapped[str] = mapped_column(String(50))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ID)
    city: Mapped[str | None] = mapped_column(String(100))
    assured_date: Mapped[date | None] = mapped_column(Date)
    is_mso: Mapped[bool] = mapped_column(Boolean, default=False)
    topic_count: Mapped[int] = mapped_column(default=1)
