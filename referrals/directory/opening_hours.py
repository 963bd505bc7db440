"""Opening hours from HSDS schedule rows: open now?, and today's hours for a card.

Weekly slots (several per day for split hours), validity periods, "by appointment
only" rows, temporarily closed services, and German public holidays of the
location's federal state (holidays package) are all taken into account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays

from referrals import clock
from referrals.directory.models import Schedule
from referrals.directory.validation import ICAL_DAYS

BERLIN = clock.BERLIN


@lru_cache(maxsize=64)
def _holidays(state: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=state, years=year)


def is_public_holiday(day: date, state: str | None) -> bool:
    return day in _holidays(state, day.year)


@dataclass(frozen=True)
class Today:
    slots: tuple[str, ...]  # "09:00–12:00"
    appointment_only: bool
    holiday: bool
    temporarily_closed: bool
    known: bool  # False when the directory has no opening hours for this service


def _valid(row: Schedule, day: date) -> bool:
    return (row.valid_from is None or row.valid_from <= day) and (row.valid_to is None or day <= row.valid_to)


def today(
    schedules: Iterable[Schedule], status: str, state: str | None, now: datetime | None = None
) -> Today:
    now = (now or clock.now()).astimezone(BERLIN)
    day, weekday = now.date(), ICAL_DAYS[now.weekday()]
    rows = [r for r in schedules if _valid(r, day)]
    holiday = is_public_holiday(day, state)
    slots = tuple(
        f"{r.opens_at:%H:%M}–{r.closes_at:%H:%M}"
        for r in sorted(rows, key=lambda r: r.opens_at or now.time())
        if r.opens_at
        and r.closes_at
        and weekday in (r.byday or "").split(",")
        and not (holiday and r.closed_on_public_holidays)
    )
    return Today(
        slots=slots,
        appointment_only=any(r.appointment_only for r in rows),
        holiday=holiday,
        temporarily_closed=status == "temporarily closed",
        known=bool(list(schedules)),
    )


def is_open(
    schedules: Iterable[Schedule], status: str, state: str | None, now: datetime | None = None
) -> bool:
    now = (now or clock.now()).astimezone(BERLIN)
    if status != "active":
        return False
    day, weekday, time_of_day = now.date(), ICAL_DAYS[now.weekday()], now.time()
    holiday = is_public_holiday(day, state)
    return any(
        r.opens_at
        and r.closes_at
        and r.opens_at <= time_of_day < r.closes_at
        and weekday in (r.byday or "").split(",")
        and _valid(r, day)
        and not (holiday and r.closed_on_public_holidays)
        for r in schedules
    )
