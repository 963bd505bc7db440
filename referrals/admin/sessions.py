"""Server-side sessions of the admin: the signed cookie alone no longer proves a login.

The cookie carries a random token (besides the user id and session version); the database keeps
only the token's SHA-256 with the login time and the time of the last request. A session is
valid while its row exists, the last request is younger than the idle limit and the login is
younger than 8 hours. Logging out deletes the row, so a cookie copied before logout (or before a
password change, or "log out everywhere") is refused from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from referrals import clock
from referrals.admin.models import AdminSession

MAX_AGE = timedelta(hours=8)
DEFAULT_IDLE = timedelta(minutes=60)
# The last-seen time is written at most once a minute: a page with many requests costs one write.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone


def start(session: Session, user_id: int) -> str:
    """A new session for this user (the caller commits); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(AdminSession(id=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def valid(session: Session, user_id: int, token: object, idle: timedelta = DEFAULT_IDLE) -> bool:
    """Whether the token is a live session of this user; refreshes its last-seen time (no commit).

    An expired session's row is deleted on the spot.
    """
    if not isinstance(token, str) or not token:
        return False
    record = session.get(AdminSession, _digest(token))
    if record is None or record.user_id != user_id:
        return False
    now = clock.utcnow()
    if now - _aware(record.last_seen_at) > idle or now - _aware(record.created_at) > MAX_AGE:
        session.delete(record)
        return False
    if now - _aware(record.last_seen_at) >= TOUCH_EVERY:
        record.last_seen_at = now
    return True


def end(session: Session, token: object) -> None:
    """End one session (logout). No commit."""
    if isinstance(token, str) and token:
        session.execute(delete(AdminSession).where(AdminSession.id == _digest(token)))


def end_all(session: Session, user_id: int) -> None:
    """End every session of a user (password change, "log out everywhere", reset, role change)."""
    session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))


def purge_expired(session: Session, idle: timedelta = DEFAULT_IDLE) -> None:
    """Delete rows of sessions that can no longer be used (run at each login). No commit."""
    now = clock.utcnow()
    session.execute(
        delete(AdminSession).where(
            or_(AdminSession.last_seen_at < now - idle, AdminSession.created_at < now - MAX_AGE)
        )
    )
