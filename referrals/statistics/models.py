"""Tables of the coordinator statistics: aggregated counters only.

Nothing here belongs to a person or a single turn. Every row is a cell of a cube
(day, city, what, value) whose counters are incremented with an upsert; the order of
turns, which turns belong to one conversation and any text or id are never stored.
Cells are kept per day (the hour survives only as the "hour of day" dimension):
the dashboard needs no finer time, and a 1 000 000-turn year stays a few hundred
thousand small rows that an index range scan aggregates in milliseconds.

City values: a city of the directory, `NO_CITY` (no place known in the conversation),
`OTHER_CITY` (a place outside the directory: never named, small towns identify people),
and `ALL_CITIES` (the same counts over every city: conversations are counted distinct
per cell, so per-city cells cannot simply be added up).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referrals.directory.models import Base

ALL_CITIES = "*"
NO_CITY = ""
OTHER_CITY = "~"

# What a `statistics_count` row counts, and what its `value` is.
DIMENSIONS = {
    "total": "always ''",
    "language": "reply language code (de, en, ar, ...)",
    "topic": "taxonomy topic code the turn was about",
    "intent": "the understood intent (the classifier's best guess for a fallback turn)",
    "hour": "hour of day, 00-23, Europe/Berlin",
    "fallback": "not understood: topic code recognised anyway, or ''",
    "fallback_intent": "not understood: the classifier's best guess below the threshold",
    "crisis": "crisis answer given: medical, violence, suicidal, child_danger",
}


class StatisticsCount(Base):
    """Turns and distinct conversations per day, city and (dimension, value)."""

    __tablename__ = "statistics_count"
    # SQLite: the table is stored in primary-key order, so a (dimension, city, day range)
    # query reads one contiguous range without a second lookup per row.
    __table_args__ = {"sqlite_with_rowid": False}

    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    city: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    # Distinct conversations that day in this cell (daily-rotating in-memory hash, never stored).
    conversations: Mapped[int] = mapped_column(Integer, default=0)


class StatisticsReferral(Base):
    """Referral searches per day, city and topic, by outcome.

    outcome: local (an entry in or near the city) | nearby (only in another place) |
    nationwide (only nationwide services) | none (nothing at all).
    """

    __tablename__ = "statistics_referral"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic: Mapped[str] = mapped_column(String(50), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)


class StatisticsOrganization(Base):
    """In how many referral searches an organisation's entries were shown, per day and city.

    No topic: the topics are in statistics_referral, and without it the table stays at
    days x cities x organisations shown there (a few thousand rows a month).
    """

    __tablename__ = "statistics_organization"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization: Mapped[str] = mapped_column(String(300), primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)
