"""SQLAlchemy 2 model of the referral directory, named after Open Referral HSDS 3.0 tables.

Only the part the conversation needs today; HSDS names are kept so that later
tables (schedule, service_area, metadata, ...) and HSDS import/export slot in.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))
    # Our addition to HSDS: a migrant self-organisation (MSO) rather than a public or welfare body.
    is_mso: Mapped[bool] = mapped_column(Boolean, default=False)

    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="active")
    # Where the entry's facts were checked (public page); required for demo data.
    source_url: Mapped[str | None] = mapped_column(String(500))

    organization: Mapped[Organization] = relationship(back_populates="services")
    topics: Mapped[list[ServiceTopic]] = relationship(cascade="all, delete-orphan")
    languages: Mapped[list[ServiceLanguage]] = relationship(cascade="all, delete-orphan")
    phones: Mapped[list[Phone]] = relationship(cascade="all, delete-orphan")
    locations: Mapped[list[ServiceAtLocation]] = relationship(cascade="all, delete-orphan")
    service_areas: Mapped[list[ServiceArea]] = relationship(cascade="all, delete-orphan")


class ServiceTopic(Base):
    """HSDS `attribute` linking a service to a term of our topic taxonomy (referrals.topics)."""

    __tablename__ = "service_topic"
    __table_args__ = (UniqueConstraint("service_id", "topic_code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    topic_code: Mapped[str] = mapped_column(String(50), index=True)


class ServiceLanguage(Base):
    """HSDS `language`: a language spoken at the service (ISO 639-1 code) with a free-text note."""

    __tablename__ = "language"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    number: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)


class Location(Base):
    """HSDS `location` with its physical `address` folded in (one address per location here)."""

    __tablename__ = "location"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(300))
    address_1: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(10), index=True)
    city: Mapped[str] = mapped_column(String(100), index=True)
    state_province: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="DE")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)

    location: Mapped[Location] = relationship()


class ServiceArea(Base):
    """HSDS `service_area`: where a service is available (a city, or nationwide for hotlines)."""

    __tablename__ = "service_area"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    extent_type: Mapped[str] = mapped_column(String(20), index=True)  # "city" | "nationwide"
