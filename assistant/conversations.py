"""Conversation data held by Rasa's SQL tracker store: where it lives, deleting it.

Rasa keeps every user message (text, parse data, metadata) in its tracker store and
offers no way to delete it (Rasa 3.6's HTTP API has no DELETE for a tracker, and a PUT of
an empty event list deletes nothing; its PII anonymisation is a Rasa Pro feature).
So the application deletes the rows of Rasa's `events` table itself: one
conversation at once for /forget, and every conversation idle longer than the
retention period for the scheduled clean-up. Rasa reads the tracker from the
database on every turn, so a deleted conversation simply starts afresh.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from assistant.settings import Settings, get_settings

EVENTS_TABLE = "events"  # created by Rasa's SQLTrackerStore


def tracker_store_url(settings: Settings) -> str:
    """SQLAlchemy URL of Rasa's tracker store, as the application's drivers spell it.

    Default: the directory's PostgreSQL database when DATABASE_URL points to one
    (Rasa's `events` table sits beside the directory's tables), else its own SQLite
    file next to the directory's, so Rasa's writes never wait for the directory's.
    """
    if settings.tracker_store_url:
        return settings.tracker_store_url
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or "wegweiser.sqlite3"
        return str(url.set(database=database.rsplit("/", 1)[0] + "/conversations.sqlite3"))
    return settings.database_url


def rasa_tracker_store_url(settings: Settings) -> str:
    """The same database as Rasa (SQLAlchemy 1.4 with psycopg2) must be told."""
    url = make_url(tracker_store_url(settings))
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@lru_cache
def _engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # Rasa writes to the same file; wait for its short transactions instead of failing.
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout = 5000"))
    return engine


def _events_engine(settings: Settings) -> Engine | None:
    """The tracker store's engine, None while Rasa has not created its table (or file) yet."""
    url = make_url(tracker_store_url(settings))
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None
    engine = _engine(url.render_as_string(hide_password=False))
    return engine if inspect(engine).has_table(EVENTS_TABLE) else None


def delete_conversation(sender_id: str, settings: Settings | None = None) -> int:
    """Delete everything Rasa stored for one (pseudonymous) conversation; returns rows deleted."""
    engine = _events_engine(settings or get_settings())
    if engine is None:
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
        )
    return result.rowcount


def delete_idle_conversations(older_than: timedelta, settings: Settings | None = None) -> int:
    """Delete every conversation whose last event is older than `older_than`; returns rows deleted.

    A conversation still in use keeps its whole history (Rasa needs it for the
    dialogue); one idle past the retention period loses all of it.
    """
    engine = _events_engine(settings or get_settings())
    if engine is None:
        return 0
    cutoff = time.time() - older_than.total_seconds()
    with engine.begin() as connection:
        result = connection.execute(
            text(
                "DELETE FROM events WHERE sender_id IN ("
                " SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
            ),
            {"cutoff": cutoff},
        )
    return result.rowcount
