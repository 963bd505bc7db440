"""The three numbers a coordinator reports, with their change against the previous period.

Conversations; referral searches without a local offer (only another place, only nationwide or
nothing); the share of messages not understood. The previous period is as long as the chosen
one and ends the day before it starts. Counts below the suppression threshold stay hidden, and
so does a change computed from a hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referrals.statistics.models import ALL_CITIES, StatisticsReferral
from referrals.statistics.queries import Filters, _counts
from referrals.statistics.suppression import hidden, rate, suppress


@dataclass(frozen=True)
class Figure:
    key: str  # conversations | without_local | fallback_rate
    value: float | int | None  # None: suppressed
    previous: float | int | None
    kind: str  # "count" or "rate"

    @property
    def change(self) -> float | None:
        """Counts: relative change (0.25 = +25 %); rates: difference in percentage points."""
        if hidden(self.value) or hidden(self.previous) or self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return round((self.value - self.previous) * 100, 1)
        if self.previous == 0:
            return None
        return (self.value - self.previous) / self.previous


def previous_period(f: Filters) -> Filters:
    end = f.start - timedelta(days=1)
    return replace(f, start=end - (f.end - f.start), end=end)


def _numbers(session: Session, f: Filters) -> tuple[int | None, int | None, float | None]:
    turns = conversations = 0
    for _day, t, c in _counts(session, f, "total", by_day=True):
        turns, conversations = turns + int(t), conversations + int(c)
    fallback = sum(int(t) for _day, t, _c in _counts(session, f, "fallback", by_day=True))
    r = StatisticsReferral
    query = select(func.coalesce(func.sum(r.searches), 0)).where(
        r.day.between(f.start, f.end), r.outcome != "local"
    )
    if f.city != ALL_CITIES:
        query = query.where(r.city == f.city)
    without_local = int(session.scalar(query) or 0)
    # No messages, no share: a period without any gives nothing to compare with.
    share = rate(suppress(fallback), suppress(turns)) if turns else None
    return suppress(conversations), suppress(without_local), share


def figures(session: Session, f: Filters) -> list[Figure]:
    now, before = _numbers(session, f), _numbers(session, previous_period(f))
    kinds = (("conversations", "count"), ("without_local", "count"), ("fallback_rate", "rate"))
    return [Figure(key, now[i], before[i], kind) for i, (key, kind) in enumerate(kinds)]
