"""The dashboard's tables, read from the counters with the filters applied and small counts suppressed.

Every query is a range scan on a primary key that starts with the filtered columns
(statistics_count: dimension, city, day; the referral tables: day, city) and returns at
most one row per day or per value, so a view costs milliseconds whatever the number of
recorded turns. Weeks are ISO weeks (Monday to Sunday), built from the daily rows here
rather than with each database's own date functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from referrals.directory.models import Address, ServiceArea
from referrals.statistics.models import (
    ALL_CITIES,
    StatisticsCount,
    StatisticsOrganization,
    StatisticsReferral,
)
from referrals.statistics.suppression import hidden, protect_column, rate, suppress

PERIODS = {"4w": 4, "12w": 12, "26w": 26, "52w": 52}
DEFAULT_PERIOD = "12w"
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Filters:
    """Period (whole days, both ends included) and city (ALL_CITIES or a directory city)."""

    start: date
    end: date
    city: str = ALL_CITIES

    @classmethod
    def last_weeks(cls, weeks: int, today: date, city: str = ALL_CITIES) -> Filters:
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=weeks - 1), today, city)

    @classmethod
    def from_params(cls, params: Mapping[str, str], today: date, cities: list[str]) -> Filters:
        """From the query string: period=4w|12w|26w|52w, else from=YYYY-MM-DD&to=YYYY-MM-DD; city.

        Anything invalid falls back to the default (a city must be one of the directory's).
        """
        city = params.get("city") or ALL_CITIES
        if city != ALL_CITIES and city not in cities:
            city = ALL_CITIES
        weeks = PERIODS.get(params.get("period") or "")
        if weeks:
            return cls.last_weeks(weeks, today, city)
        try:
            start, end = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
        except (KeyError, ValueError):
            return cls.last_weeks(PERIODS[DEFAULT_PERIOD], today, city)
        if end < start:
            start, end = end, start
        return cls(max(start, end - timedelta(days=MAX_DAYS)), end, city)

    def custom(self, params: Mapping[str, str]) -> bool:
        """Whether these filters came from the dates rather than a preset period."""
        return (params.get("period") or "") not in PERIODS and "from" in params and "to" in params

    def weeks(self) -> list[date]:
        """Mondays of the weeks the period touches."""
        monday = self.start - timedelta(days=self.start.weekday())
        return [monday + timedelta(weeks=i) for i in range((self.end - monday).days // 7 + 1)]


@dataclass
class Table:
    """One table of a view: what the page shows, the CSV exports and a chart draws.

    kinds: "label:<what>" (a code the page translates: week, language, topic, city, ...),
    "count" (int, None = suppressed) or "rate" (float fraction, None = suppressed).
    """

    name: str
    columns: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return any(
            hidden(cell)
            for row in self.rows
            for cell, kind in zip(row, self.kinds, strict=True)
            if kind in ("count", "rate")
        )


def directory_cities(session: Session) -> list[str]:
    """The directory's cities, as referrals.directory.search.directory_places lists them.

    Its own query so that the admin does not import the search and its place recogniser
    (spaCy, the gazetteer: seconds of start-up) only to fill the city filter.
    """
    located = session.scalars(select(Address.city).distinct()).all()
    served = session.scalars(select(ServiceArea.name).where(ServiceArea.scope == "city").distinct()).all()
    return sorted({city for city in (*located, *served) if city})


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _counts(
    session: Session, f: Filters, dimension: str, by_day: bool, city: str | None = None
) -> Sequence[Row[Any, int, int]]:
    c = StatisticsCount
    key = c.day if by_day else c.value
    return session.execute(
        select(key, func.sum(c.turns), func.sum(c.conversations))
        .where(
            c.dimension == dimension,
            c.city == (f.city if city is None else city),
            c.day.between(f.start, f.end),
        )
        .group_by(key)
    ).all()


def _weekly(session: Session, f: Filters, dimension: str) -> dict[date, list[int]]:
    weeks: dict[date, list[int]] = {monday: [0, 0] for monday in f.weeks()}
    for day, turns, conversations in _counts(session, f, dimension, by_day=True):
        weeks[_week(day)][0] += int(turns)
        weeks[_week(day)][1] += int(conversations)
    return weeks


def weekly_overview(session: Session, f: Filters) -> Table:
    """Conversations, turns and crisis answers per week."""
    total = _weekly(session, f, "total")
    crisis = _weekly(session, f, "crisis")
    table = Table(
        "weekly", ["week", "conversations", "turns", "crisis"], ["label:week", "count", "count", "count"]
    )
    for monday, (turns, conversations) in total.items():
        table.rows.append([monday, suppress(conversations), suppress(turns), suppress(crisis[monday][0])])
    return table


def hours_of_day(session: Session, f: Filters) -> Table:
    """Turns by hour of day (Europe/Berlin), for planning when counselling is reachable."""
    turns = {value: int(t) for value, t, _c in _counts(session, f, "hour", by_day=False)}
    hours = [f"{h:02d}" for h in range(24)]
    table = Table("hours", ["hour", "turns"], ["label:hour", "count"])
    table.rows = [
        [h, c] for h, c in zip(hours, protect_column([turns.get(h, 0) for h in hours]), strict=True)
    ]
    return table


def breakdown(session: Session, f: Filters, dimension: str, name: str | None = None) -> Table:
    """Conversations and turns per value of one dimension (language, topic, intent, ...), largest first."""
    rows = [
        (value, int(turns), int(conversations))
        for value, turns, conversations in _counts(session, f, dimension, False)
    ]
    table = Table(
        name or dimension, [dimension, "conversations", "turns"], [f"label:{dimension}", "count", "count"]
    )
    table.rows = _ranked(rows)
    return table


def _ranked(rows: list[tuple]) -> list[list]:
    """(label, turns, conversations) rows suppressed, then sorted by what is shown.

    Sorting after suppression: the order of "<5" rows must not tell which is larger.
    """
    rows = sorted(rows, key=lambda r: str(r[0]))  # the same cell is withheld on every request
    conversations = protect_column([r[2] for r in rows])
    turns = protect_column([r[1] for r in rows])
    result = [[r[0], c, t] for r, c, t in zip(rows, conversations, turns, strict=True)]
    return sorted(result, key=lambda r: (_rank(r[1]), _rank(r[2]), str(r[0])))


def _rank(cell: object) -> tuple[bool, int]:
    """Shown counts first, largest first; hidden ones after, in no order that tells their size."""
    return (True, 0) if hidden(cell) else (False, -int(cell))  # type: ignore[call-overload]


def cities(session: Session, f: Filters) -> Table:
    """Conversations and turns per city (every city, whatever the city filter)."""
    c = StatisticsCount
    rows = session.execute(
        select(c.city, func.sum(c.turns), func.sum(c.conversations))
        .where(c.dimension == "total", c.city != ALL_CITIES, c.day.between(f.start, f.end))
        .group_by(c.city)
    ).all()
    table = Table("cities", ["city", "conversations", "turns"], ["label:city", "count", "count"])
    table.rows = _ranked([(city, int(t), int(cv)) for city, t, cv in rows])
    return table


def unmet_needs(session: Session, f: Filters) -> Table:
    """Referral searches per topic and city, and how many found nothing in or near the city.

    Columns: searches; without a local offer (only another place, only nationwide, or
    nothing); of those, nothing at all; the share without a local offer.
    """
    r = StatisticsReferral
    query = select(r.topic, r.city, r.outcome, func.sum(r.searches)).where(r.day.between(f.start, f.end))
    if f.city != ALL_CITIES:
        query = query.where(r.city == f.city)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for topic, city, outcome, searches in session.execute(query.group_by(r.topic, r.city, r.outcome)):
        cells[(topic, city)][outcome] += int(searches)
    rows = []
    for (topic, city), outcomes in cells.items():
        searches = sum(outcomes.values())
        without = searches - outcomes.get("local", 0)
        rows.append((topic, city, searches, without, outcomes.get("none", 0)))
    table = Table(
        "needs",
        ["topic", "city", "searches", "without_local", "nothing_found", "share_without_local"],
        ["label:topic", "label:city", "count", "count", "count", "rate"],
    )
    for topic, city, searches, without, nothing in rows:
        shown_searches, shown_without = suppress(searches), suppress(without)
        shown_nothing = suppress(nothing)
        table.rows.append(
            [topic, city, shown_searches, shown_without, shown_nothing, rate(shown_without, shown_searches)]
        )
    table.rows.sort(key=lambda r: (_rank(r[3]), _rank(r[2]), r[0], r[1]))
    return table


def fallback_weekly(session: Session, f: Filters) -> Table:
    """Turns not understood per week, and their share of all turns."""
    total = _weekly(session, f, "total")
    fallback = _weekly(session, f, "fallback")
    table = Table(
        "fallback",
        ["week", "turns", "not_understood", "fallback_rate"],
        ["label:week", "count", "count", "rate"],
    )
    for monday, (turns, _conversations) in total.items():
        shown_turns, shown_fallback = suppress(turns), suppress(fallback[monday][0])
        table.rows.append([monday, shown_turns, shown_fallback, rate(shown_fallback, shown_turns)])
    return table


def organisations(session: Session, f: Filters) -> Table:
    """Referral searches in which each organisation was shown, most first."""
    o = StatisticsOrganization
    query = select(o.organization, func.sum(o.shown)).where(o.day.between(f.start, f.end))
    if f.city != ALL_CITIES:
        query = query.where(o.city == f.city)
    rows = sorted((name, int(shown)) for name, shown in session.execute(query.group_by(o.organization)))
    table = Table("organisations", ["organization", "shown"], ["label:organization", "count"])
    shown = protect_column([r[1] for r in rows])
    table.rows = sorted(
        ([r[0], s] for r, s in zip(rows, shown, strict=True)),
        key=lambda r: (_rank(r[1]), r[0]),
    )
    return table


def totals(session: Session, f: Filters) -> tuple[int | None, int | None]:
    """(conversations, turns) in the period for the city filter, suppressed."""
    conversations = turns = 0
    for _day, t, c in _counts(session, f, "total", by_day=True):
        turns += int(t)
        conversations += int(c)
    return suppress(conversations), suppress(turns)
