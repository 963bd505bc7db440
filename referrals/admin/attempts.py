"""Rate limits of the admin counted in the database: a moving window over stored attempts.

The limits themselves stay `limits` items ("5 per 15 minutes"); only the counting lives here,
in the shared database, because the `limits` library's in-memory storage counted per process:
with several admin workers an attacker got the allowance once per worker. (Its Redis storage
would need Redis for every deployment; the database is already there.)
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from limits import RateLimitItem
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from referrals import clock
from referrals.admin.models import AdminAttempt


def _bucket(limit: RateLimitItem, identifiers: tuple[str, ...]) -> str:
    return hashlib.sha256(limit.key_for(*identifiers).encode()).hexdigest()


def _window(limit: RateLimitItem) -> timedelta:
    return timedelta(seconds=limit.get_expiry())


def allowed(session: Session, limit: RateLimitItem, *identifiers: str) -> bool:
    """Whether one more attempt is within the limit (counts nothing)."""
    since = clock.utcnow() - _window(limit)
    used = session.scalar(
        select(func.count())
        .select_from(AdminAttempt)
        .where(AdminAttempt.bucket == _bucket(limit, identifiers), AdminAttempt.at > since)
    )
    return (used or 0) < limit.amount


def count(session: Session, limit: RateLimitItem, *identifiers: str) -> None:
    """Count one attempt, and forget this bucket's attempts older than the window. No commit."""
    bucket, now = _bucket(limit, identifiers), clock.utcnow()
    session.execute(
        delete(AdminAttempt).where(AdminAttempt.bucket == bucket, AdminAttempt.at <= now - _window(limit))
    )
    session.add(AdminAttempt(bucket=bucket, at=now))


def take(session: Session, limit: RateLimitItem, *identifiers: str) -> bool:
    """Count one attempt if the limit allows it; False (nothing counted) once it is used up."""
    if not allowed(session, limit, *identifiers):
        return False
    count(session, limit, *identifiers)
    return True
