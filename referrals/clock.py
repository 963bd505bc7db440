"""The application's one clock: every "now", "today" and "open now" reads it.

Opening hours, "verified today", stale entries and the statistics' default date range all depend
on the day and hour in Germany. Reading them here, and nowhere else, lets a test freeze time
(`frozen`) so the suite gives the same result on a Sunday, a public holiday or at 23:59.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current time in Berlin (timezone-aware)."""
    if _frozen_at is not None:
        return _frozen_at.astimezone(BERLIN)
    return datetime.now(BERLIN)


def utcnow() -> datetime:
    """The current time in UTC, for timestamps stored in the database."""
    return now().astimezone(UTC)


def today() -> date:
    """Today's date in Berlin (not the server's timezone: a server in UTC is an hour behind)."""
    return now().date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Stop the clock at `at` (naive values are read as Berlin time) until the block ends."""
    global _frozen_at
    previous, _frozen_at = _frozen_at, (at if at.tzinfo else at.replace(tzinfo=BERLIN))
    try:
        yield _frozen_at
    finally:
        _frozen_at = previous
